/**
 * Air-gapped bundles (issue 5) in words: what an export wrote and what an
 * import did, for the person carrying a ceremony to an offline machine and
 * back. Pure functions over what the core sent; tests check them.
 */
import type { BundleExportResult, BundleImportReport } from '../../../../shared/api/contract';

type EventType = BundleImportReport['added'][number]['type'];
type Added = BundleImportReport['added'][number];
type Refused = BundleImportReport['refused'][number];

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** An event of the ceremony in a few words: "bob's approval", "the frozen release statement". */
export function addedEventText(added: Pick<Added, 'type' | 'by'>): string {
  switch (added.type) {
    case 'approved':
      return added.by ? `${added.by}'s approval` : 'an approval';
    case 'rejected':
      return added.by ? `${added.by}'s rejection` : 'a rejection';
    case 'withdrawn':
      return added.by ? `${added.by}'s withdrawal of their approval` : 'a withdrawal of an approval';
    case 'opened':
      return 'the opening (release, artifacts, policy)';
    case 'frozen':
      return 'the frozen release statement';
    case 'cancelled':
      return 'the cancellation';
    case 'published':
      return 'the publication';
  }
}

const eventNoun: Record<EventType, string> = {
  opened: 'An opening',
  frozen: 'A frozen statement',
  approved: 'An approval',
  rejected: 'A rejection',
  withdrawn: 'A withdrawal',
  cancelled: 'A cancellation',
  published: 'A publication',
};

/** What was refused, before its reason: "An approval" when the file name says, else the name. */
export function refusedEventText(refused: Pick<Refused, 'type' | 'name'>): string {
  return refused.type ? eventNoun[refused.type] : refused.name;
}

/** The reason as the core wrote it, with a capital letter to start the sentence. */
export function reasonText(reason: string): string {
  const text = reason.trim();
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : 'No reason was given.';
}

/** The one-line outcome at the top of the report. */
export function importHeadline(report: BundleImportReport): string {
  const release = report.release ? `${report.release.name} ${report.release.version}` : `ceremony ${report.ceremonyId}`;
  const added = report.added.length;
  const refused = report.refused.length + report.evidence.refused.length;
  if (added === 0 && refused === 0) return `Nothing new for ${release}: this computer already had everything in the bundle.`;
  const parts = [];
  if (added > 0) parts.push(`${report.newCeremony ? 'Imported' : 'Added to'} ${release}: ${listText(report.added.map(addedEventText))}.`);
  else parts.push(`Nothing was added to ${release}.`);
  if (refused > 0) parts.push(`${plural(refused, 'file was', 'files were')} refused (below, with why).`);
  return parts.join(' ');
}

/** Where the ceremony stands after the import, from the core's own view. */
export function importStateText(report: BundleImportReport): string | undefined {
  if (!report.state) return undefined;
  return `The ceremony is now ${report.state}${report.tally ? `: ${report.tally}` : ''}.`;
}

/** "alice's approval, bob's approval and the opening". */
export function listText(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function skippedText(report: BundleImportReport): string | undefined {
  const count = report.skipped.length;
  return count > 0 ? `${plural(count, 'event was', 'events were')} already here, so ${count === 1 ? 'it was' : 'they were'} skipped.` : undefined;
}

export function evidenceText(report: BundleImportReport): string | undefined {
  const { added, skipped } = report.evidence;
  if (added + skipped === 0) return undefined;
  return `Evidence files: ${added} added, ${skipped} already here.`;
}

/** What the bundle file holds, after an export. */
export function exportContentsText(result: BundleExportResult): string {
  return `It holds ${plural(result.eventCount, 'event')} and ${plural(result.evidenceCount, 'evidence file')}; the ceremony was ${result.state}${result.tally ? ` (${result.tally})` : ''} when it was written.`;
}

/** Only files that look like bundles are taken from a drop on the window: an artifact dropped by mistake is not "imported". */
export function looksLikeBundle(path: string): boolean {
  return /\.json$/i.test(path);
}

export const dropNeedsDesktopText =
  'Dropping a bundle needs the desktop app: a browser does not tell Conclave where a dropped file is. Choose it with Browse, or type its path.';
