/**
 * The one table of ceremony states: the short word lists and filters use,
 * the headline a ceremony's own screen shows, and the one tone both give it.
 * Two tables once gave expired and cancelled different colours on two screens.
 */
import type { CeremonyState } from '../../../../shared/ceremony/view';

export type Tone = 'info' | 'ok' | 'warning' | 'danger' | 'neutral';

export const ceremonyStates: Record<CeremonyState, { label: string; headline: string; tone: Tone }> = {
  open: { label: 'Open', headline: 'Open: evidence needs a decision', tone: 'warning' },
  frozen: { label: 'Collecting approvals', headline: 'Frozen: ready for approvals', tone: 'info' },
  approved: { label: 'Approved', headline: 'Approved: ready to publish', tone: 'ok' },
  published: { label: 'Published', headline: 'Published', tone: 'ok' },
  rejected: { label: 'Rejected', headline: 'Rejected', tone: 'danger' },
  // Nothing went wrong with what was signed: time ran out, or someone closed it. Neither is an alarm.
  expired: { label: 'Expired', headline: 'Expired', tone: 'warning' },
  cancelled: { label: 'Cancelled', headline: 'Cancelled', tone: 'neutral' },
  contested: { label: 'Contested: opened twice', headline: 'Contested: two openings claim it, nothing counts', tone: 'danger' },
};

const column = <K extends 'label' | 'headline' | 'tone'>(key: K) =>
  Object.fromEntries(Object.entries(ceremonyStates).map(([state, entry]) => [state, entry[key]])) as Record<CeremonyState, (typeof ceremonyStates)[CeremonyState][K]>;

/** The short words, for lists and filters. */
export const stateLabel = column('label');
/** The words at the top of a ceremony's own screen. */
export const stateHeadline = column('headline');
export const stateTone = column('tone');
