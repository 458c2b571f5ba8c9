/**
 * The one-line summaries of the ceremony screen's collapsed sections, and
 * which of them open by themselves (something needs a look). Pure: the
 * sections call them, tests check them.
 */
import type { CeremonyDetail } from '../../../../shared/api/contract';
import { changeCount, clockTime, timelineTypeText } from './format';

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** "All 5 checks passed", or "1 failed, 2 warnings, 3 passed" (an overridden check counts as overridden, not failed). */
export function findingsSummary(findings: CeremonyDetail['findings']): string {
  if (findings.length === 0) return 'No checks were made on this evidence';
  const overridden = findings.filter((finding) => finding.override !== undefined).length;
  const failed = findings.filter((finding) => finding.status === 'fail' && !finding.override).length;
  const warned = findings.filter((finding) => finding.status === 'warn' && !finding.override).length;
  const passed = findings.filter((finding) => finding.status === 'pass' && !finding.override).length;
  if (passed === findings.length) return findings.length === 1 ? 'The 1 check passed' : `All ${findings.length} checks passed`;
  return [failed > 0 && `${failed} failed`, warned > 0 && plural(warned, 'warning', 'warnings'), overridden > 0 && `${overridden} overridden`, passed > 0 && `${passed} passed`].filter(Boolean).join(', ');
}

/** A failed or warning check nobody overrode: the section opens so the reviewer sees it. */
export function findingsNeedAttention(findings: CeremonyDetail['findings']): boolean {
  return findings.some((finding) => finding.status !== 'pass' && !finding.override);
}

/** "Built by https://github.com/actions/runner from github.com/org/app at 1a2b3c4", or how many documents there are. */
export function provenanceSummary(provenance: CeremonyDetail['provenance']): string {
  if (provenance.length === 0) return 'None attached: nothing says how these artifacts were built';
  if (provenance.length > 1) return `${provenance.length} provenance documents`;
  const [entry] = provenance as [CeremonyDetail['provenance'][number]];
  const source = entry.sourceRepository ? ` from ${entry.sourceRepository}${entry.sourceCommit ? ` at ${entry.sourceCommit.slice(0, 7)}` : ''}` : '';
  return `Built by ${entry.builderId}${source}`;
}

export function sbomSummary(sbom: CeremonyDetail['sbom']): string {
  if (!sbom) return 'None attached';
  return `${sbom.format === 'cyclonedx' ? 'CycloneDX' : 'SPDX'} ${sbom.specVersion}: ${plural(sbom.componentCount, 'component', 'components')}`;
}

export function changesSummary(changes: CeremonyDetail['changes']): string {
  if (!changes) return 'Nothing to compare with: no earlier release of this product was frozen here';
  const count = changeCount(changes);
  return `Compared with ${changes.previous.version}: ${count === 0 ? 'nothing changed' : plural(count, 'change', 'changes')}`;
}

/** A new builder or source repository is what a reviewer must look at twice: the section opens. */
export function changesNeedAttention(changes: CeremonyDetail['changes']): boolean {
  return changes !== undefined && (changes.newBuilders.length > 0 || changes.newSourceRepositories.length > 0);
}

/** "4 events; last: Approved by bob at 14:05:12". */
export function timelineSummary(timeline: CeremonyDetail['timeline']): string {
  const last = timeline.at(-1);
  if (!last) return 'No events';
  return `${plural(timeline.length, 'event', 'events')}; last: ${timelineTypeText[last.type]} by ${last.actor} at ${clockTime(last.at)}`;
}

/** Sections longer than this many entries start collapsed, so the page stays short; shorter ones are read at a glance. */
export const longTimeline = 6;
