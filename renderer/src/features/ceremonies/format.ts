/**
 * How ceremonies are put into words on the Ceremonies and History screens.
 * Pure functions: components call them, tests check them.
 */
import type { CeremonySummary } from '../../../../shared/api/contract';
import type { CeremonyState } from '../../../../shared/ceremony/view';

export type { Tone } from './states';
/** The short words and the tone of each state, from the one table (./states.ts). */
export { stateLabel as stateText, stateTone } from './states';

/** States in which the deadline still matters: the ceremony can still gather approvals. */
export function isActive(state: CeremonyState): boolean {
  return state === 'open' || state === 'frozen';
}

/** "app 1.2.3": how a release is named in lists and headings. */
export function releaseName(summary: Pick<CeremonySummary, 'release'>): string {
  const name = summary.release.name.trim() || 'Unnamed release';
  const version = summary.release.version.trim();
  return version ? `${name} ${version}` : name;
}

const units = [
  { limit: 60 * 60_000, size: 60_000, one: 'minute', many: 'minutes' },
  { limit: 48 * 3_600_000, size: 3_600_000, one: 'hour', many: 'hours' },
  { limit: Number.POSITIVE_INFINITY, size: 86_400_000, one: 'day', many: 'days' },
] as const;

/**
 * A span of time in words, whole units only and rounded down ("2 days",
 * "36 hours", "5 minutes"), so a deadline never sounds further away than it is.
 */
export function durationText(milliseconds: number): string {
  const span = Math.abs(milliseconds);
  if (span < 60_000) return 'less than a minute';
  const unit = units.find((candidate) => span < candidate.limit) ?? units[units.length - 1]!;
  const count = Math.floor(span / unit.size);
  return `${count} ${count === 1 ? unit.one : unit.many}`;
}

/** "expires in 2 days", "expired 3 hours ago"; undefined for a date that cannot be read. */
export function relativeDeadline(expiresAt: string, now: number): string | undefined {
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return undefined;
  const left = at - now;
  return left > 0 ? `expires in ${durationText(left)}` : `expired ${durationText(left)} ago`;
}

/** What the deadline line of a ceremony says, by state: the deadline only matters while approvals can still come. */
export function deadlineText(summary: Pick<CeremonySummary, 'state' | 'expiresAt' | 'openedAt'>, now: number): string | undefined {
  if (isActive(summary.state) || summary.state === 'expired') return relativeDeadline(summary.expiresAt, now);
  return undefined;
}

const exactFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** The exact time, for a tooltip next to a relative one; the text as given when it cannot be read. */
export function exactTime(instant: string, format: Intl.DateTimeFormat = exactFormat): string {
  const at = Date.parse(instant);
  return Number.isNaN(at) ? instant : format.format(at);
}

/** A day, for lists ("12 Mar 2025"). */
export function dayText(instant: string, format: Intl.DateTimeFormat = dayFormat): string {
  return exactTime(instant, format);
}

/** "alice, bob and carol". */
export function listText(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Who has decided: "Approved by alice and bob · Rejected by carol", or that nobody has yet. */
export function signersText(summary: Pick<CeremonySummary, 'approvedBy' | 'rejectedBy'>): string {
  const parts: string[] = [];
  if (summary.approvedBy.length > 0) parts.push(`Approved by ${listText(summary.approvedBy)}`);
  if (summary.rejectedBy.length > 0) parts.push(`Rejected by ${listText(summary.rejectedBy)}`);
  return parts.length > 0 ? parts.join(' · ') : 'No approvals yet';
}

/** The threshold meter's numbers, kept inside its range (a policy may be met with more approvals than needed). */
export function meterValues(summary: Pick<CeremonySummary, 'counted' | 'policy'>): { value: number; max: number } {
  const max = Math.max(1, summary.policy.threshold);
  return { value: Math.min(Math.max(0, summary.counted), max), max };
}

export function problemText(count: number): string {
  return count === 1 ? '1 problem' : `${count} problems`;
}
