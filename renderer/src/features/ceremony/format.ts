/**
 * How a ceremony is put into words on the review and sign screens. Pure
 * functions over what the core sent: components call them, tests check them.
 */
import type { CeremonyDetail, PublishResult, SigningKey } from '../../../../shared/api/contract';
import { artifactPlaceholder } from '../../../../shared/cli/verify-command';
import { listText } from '../ceremonies/format';

export type CeremonyState = CeremonyDetail['state'];
export type CeremonyAction = CeremonyDetail['actions'][number];
type TimelineEntry = CeremonyDetail['timeline'][number];

/** The headline and the tone of each state, from the one table of states (../ceremonies/states.ts). */
export { stateHeadline as stateText, stateTone } from '../ceremonies/states';

/**
 * Whether the core offers this action next: `actions` comes from the judge's
 * one table (shared/ceremony/view.ts), empty when this machine does not trust
 * the policy. The window never decides from the state what is allowed.
 */
export function offers(detail: Pick<CeremonyDetail, 'actions'>, action: CeremonyAction): boolean {
  return detail.actions.includes(action);
}

/** The danger banner for a ceremony under a policy this machine does not trust. */
export function untrustedPolicyText(digest: string): string {
  return `This machine does not trust this ceremony's policy (sha256:${digest}): it takes no decisions here. Trust it in Settings → Policies if it is your team's.`;
}

/** The danger banner for a contested ceremony: what happened and the one way on. */
export const contestedText =
  'Two openings, each signed by someone of the policy, claim this ceremony: nothing in it counts. Cancel it and open the release again in a new ceremony.';

/** The meter's words: "2 of 3 approvals", capped so a meter never overflows. */
export function meterText(counted: number, threshold: number): string {
  return `${counted} of ${threshold} approval${threshold === 1 ? '' : 's'}`;
}

/**
 * What the header says beside the meter, without repeating its count: who
 * approved once the policy is met, else what the core's tally says is still
 * missing ("security still needed", or why it can no longer be met).
 */
export function stillNeededText(detail: Pick<CeremonyDetail, 'state' | 'tally' | 'approvedBy'>): string | undefined {
  if ((detail.state === 'approved' || detail.state === 'published') && detail.approvedBy.length > 0) return `approved by ${listText(detail.approvedBy)}`;
  const rest = detail.tally.replace(/^\d+ of \d+ approvals?(?:[;:]\s*|$)/, '').trim();
  return rest || undefined;
}

export function releaseTitle(release: { name: string; version: string }): string {
  return `${release.name} ${release.version}`;
}

/** Whether signing with this key asks for a PIN typed here (not for PIN-pad readers or tokens without login). */
export function needsPin(key: Pick<SigningKey, 'loginRequired' | 'protectedAuthenticationPath'>): boolean {
  return key.loginRequired && !key.protectedAuthenticationPath;
}

/** How a key is named in the sign dialog: the approver it belongs to, then the key and token. */
export function signingKeyName(key: SigningKey): string {
  const owner = key.approverId ? `${key.approverId}: ` : '';
  return `${owner}${key.keyLabel || 'unlabelled key'} on ${key.tokenLabel || 'unlabelled token'}`;
}

/** Keys for the sign dialog: the ones that can sign first, in the order the core gave. */
export function orderSigningKeys(keys: readonly SigningKey[]): SigningKey[] {
  return [...keys.filter((key) => key.eligible), ...keys.filter((key) => !key.eligible)];
}

/** Why a key is not offered, in words (the core's reason, or a general one). */
export function ineligibleReason(key: SigningKey): string {
  if (key.pinStatus === 'locked') return key.reason ?? 'its PIN is locked';
  return key.reason ?? 'it cannot sign this ceremony';
}

/** The key to preselect: the only eligible one, if there is exactly one. */
export function defaultSigningKey(keys: readonly SigningKey[]): string | undefined {
  const eligible = keys.filter((key) => key.eligible);
  return eligible.length === 1 ? eligible[0]!.keyUri : undefined;
}

export const timelineTypeText: Record<TimelineEntry['type'], string> = {
  opened: 'Opened',
  frozen: 'Frozen',
  approved: 'Approved',
  rejected: 'Rejected',
  withdrawn: 'Approval withdrawn',
  cancelled: 'Cancelled',
  published: 'Published',
};

export const signatureText: Record<TimelineEntry['signature'], string> = {
  valid: 'Valid signature',
  invalid: 'Invalid signature: does not count',
  unsigned: 'Not signed',
};

/** An instant as the person's clock shows it; the ISO text when it is not a date. */
export function formatInstant(at: string): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export interface PublishedFile {
  label: string;
  path: string;
}

/** What publishing wrote, for the result panel: the envelope first, then the summary, each approver's bundle, and the publisher's verification summary. */
export function publishedFiles(result: PublishResult): PublishedFile[] {
  return [
    { label: 'Envelope (every approval in one DSSE envelope)', path: result.envelopePath },
    { label: 'Summary', path: result.summaryPath },
    ...result.bundlePaths.map((path) => ({ label: 'Sigstore bundle', path })),
    ...(result.verificationSummary
      ? [
          { label: 'Verification summary (what Kyverno requires with the approvals)', path: result.verificationSummary.envelopePath },
          { label: 'Verification summary as a Sigstore bundle', path: result.verificationSummary.bundlePath },
        ]
      : []),
  ];
}

/**
 * When the verify command cannot run as copied: the artifacts this machine
 * does not know the place of (opened elsewhere, or moved since), and what
 * to put in their place.
 */
export function unlocatedArtifactsText(result: PublishResult): string | undefined {
  const names = result.unlocatedArtifacts ?? [];
  if (names.length === 0) return undefined;
  if (names.length === 1) {
    return `Conclave does not know where ${names[0]} is on this machine (it was opened elsewhere, or has moved since): in the command, replace ${artifactPlaceholder(names[0]!)} with its path.`;
  }
  const listed = `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `Conclave does not know where ${listed} are on this machine (they were opened elsewhere, or have moved since): in the command, replace each ${artifactPlaceholder('…')} with the file's path.`;
}

/** The one-line verdict: the core's "verified: alice, bob (2 of 3)", with a capital letter for the heading. */
export function publishVerdict(result: PublishResult): string {
  const line = result.verified.trim();
  return line ? line.charAt(0).toUpperCase() + line.slice(1) : 'Published';
}

/** The changes since the previous release, as a count for the section heading; 0 when nothing changed. */
export function changeCount(changes: NonNullable<CeremonyDetail['changes']>): number {
  return (
    changes.componentsAdded.length +
    changes.componentsRemoved.length +
    changes.componentsUpgraded.length +
    changes.newBuilders.length +
    changes.newSourceRepositories.length
  );
}

/** "14:05:12": the time of day on the person's clock, 24-hour; the ISO text when it is not a date. */
export function clockTime(at: string): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}

/**
 * An approval's time as the timeline says it: "signed 14:05:12 (trusted time
 * from the TSA)" when its RFC 3161 time stamp verified, "no trusted time:
 * <why>" when it has none; undefined for other events (and approvals whose
 * signature does not count, for which the core says nothing about time).
 */
export function approvalTimeText(entry: Pick<TimelineEntry, 'type' | 'trustedTime' | 'timeNote'>): string | undefined {
  if (entry.type !== 'approved') return undefined;
  if (entry.trustedTime !== undefined) return `signed ${clockTime(entry.trustedTime)} (trusted time from the TSA)`;
  if (entry.timeNote !== undefined) return `no trusted time: ${entry.timeNote}`;
  return undefined;
}

export interface ImageArtifactView {
  /** registry/repository@sha256:…: exactly the manifest the ceremony signs. */
  pinned: string;
  /** The reference as given when the ceremony opened, when it was a tag (it was resolved to the digest then). */
  resolvedFrom?: string;
}

/** For an image artifact (the opening's `image-resolved:<name>` finding names it): its pinned reference and the tag it came from. */
export function imageArtifactView(artifact: { name: string; sha256: string }, findings: CeremonyDetail['findings']): ImageArtifactView | undefined {
  const finding = findings.find((candidate) => candidate.id === `image-resolved:${artifact.name}`);
  if (!finding) return undefined;
  const resolvedFrom = /^The image (\S+) resolved to sha256:/.exec(finding.message)?.[1];
  return { pinned: `${artifact.name}@sha256:${artifact.sha256}`, ...(resolvedFrom ? { resolvedFrom } : {}) };
}
