/**
 * A history.search that behaves like the core's over a list of summaries:
 * text matches release, artifact, approver or id; states and dates filter;
 * offset and limit page. For History tests with thousands of ceremonies.
 */
import type { CallInput, CallOutput, CeremonySummary } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { ok } from './fake-api';

export function searchOver(all: readonly CeremonySummary[]) {
  return (input: CallInput<'history.search'>): Result<CallOutput<'history.search'>> => {
    const text = input.text?.toLowerCase();
    const matching = all.filter(
      (item) =>
        (!text ||
          item.id.includes(text) ||
          `${item.release.name} ${item.release.version}`.toLowerCase().includes(text) ||
          item.approvedBy.some((id) => id.includes(text)) ||
          item.artifacts.some((artifact) => artifact.sha256.startsWith(text) || artifact.name.includes(text))) &&
        (!input.states || input.states.includes(item.state)) &&
        (!input.from || item.openedAt >= input.from) &&
        (!input.to || item.openedAt <= input.to),
    );
    const offset = input.offset ?? 0;
    const limit = input.limit ?? 200;
    return ok({ total: matching.length, items: matching.slice(offset, offset + limit) });
  };
}
