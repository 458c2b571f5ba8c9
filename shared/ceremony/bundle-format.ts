/**
 * The ceremony bundle (issue 5, air-gapped signing): one JSON file that
 * carries a whole ceremony to a machine with no network and back. It holds
 * every event file exactly as stored (name and text, so each signature stays
 * over the same bytes) and the evidence files by digest, and nothing that has
 * to be believed: the importer re-checks every event against the ceremony's
 * own policy (docs/formats.md, "Ceremony bundles").
 *
 * Pure: parsing and the shape of the file. Reading, checking signatures and
 * writing to the store live in electron/core/ceremony/bundle.ts.
 */
import { z } from 'zod';
import { CodedError } from '../errors';
import { JsonError, parseJsonBytes, parseJsonText, quotedMemberName } from '../json/parse';
import { CeremonyId, ceremonyEventTypes, type CeremonyEvent } from './events';

export const bundleMediaType = 'application/vnd.conclave.bundle+json';
/** Bumped only for changes an older reader would misread; an older Conclave then says so instead of guessing. */
export const bundleVersion = 1;
/** The file name people see in dialogs and docs. */
export const bundleFileExtension = '.conclave-bundle.json';

export const bundleLimits = {
  /** The whole file: events are small, but SBOMs of large products run to tens of MiB. */
  maxBytes: 128 * 1024 * 1024,
  /** The bundle's own nesting; envelopes and evidence are strings inside it, parsed (with their own limits) one by one. */
  maxDepth: 8,
  maxEvents: 10_000,
  maxEvidenceFiles: 256,
  /** The store refuses larger event files (event-store.ts), so a bundle does too. */
  maxEventChars: 16 * 1024 * 1024,
} as const;

/**
 * The names the store gives event files: `<time>-<type>-<16 hex>.json`, the
 * time being the event's `at` with `-`, `:` and `.` removed. Nothing else is
 * ever written into a store from a bundle, so a name cannot climb out of the
 * events folder (no `/`, `\`, `..`), hide (no leading dot) or differ from
 * another only by case.
 */
export const eventFileNamePattern = new RegExp(`^[0-9]{8}T[0-9]{4,12}(?:Z|[+-][0-9]{4})-(?:${ceremonyEventTypes.join('|')})-[0-9a-f]{16}\\.json$`);

export function isEventFileName(name: string): boolean {
  return name.length <= 128 && eventFileNamePattern.test(name);
}

/** Does the name say what the file holds (the store names a file after its event's time and type)? */
export function eventFileNameFits(name: string, event: Pick<CeremonyEvent, 'at' | 'type'>): boolean {
  return name.startsWith(`${event.at.replace(/[-:.]/g, '')}-${event.type}-`);
}

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (SHA-256)');
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected standard base64');

export const BundleEventFile = z.strictObject({
  /** The file name in the store's events folder. */
  name: z.string().refine(isEventFileName, 'not an event file name of the store (TIME-TYPE-16HEX.json)'),
  /** The file's exact text: a DSSE envelope whose payload is the event. */
  envelope: z.string().min(2).max(bundleLimits.maxEventChars),
});

export const BundleEvidenceFile = z.strictObject({
  sha256: Sha256,
  /** The file's bytes, standard base64 with padding. */
  base64: Base64,
});

/**
 * A summary for people who open the file (which release, which policy, how
 * far along). The importer never trusts it: it derives all of it again from
 * the events.
 */
export const BundleSummary = z.strictObject({
  release: z.strictObject({ name: z.string(), version: z.string(), purl: z.string() }),
  policyDigest: Sha256,
  statementDigest: Sha256.optional(),
  state: z.string(),
  tally: z.string().optional(),
});

export const CeremonyBundle = z
  .strictObject({
    mediaType: z.literal(bundleMediaType),
    version: z.literal(bundleVersion),
    ceremonyId: CeremonyId,
    exportedAt: z.iso.datetime({ offset: true }),
    summary: BundleSummary,
    events: z.array(BundleEventFile).min(1).max(bundleLimits.maxEvents),
    evidence: z.array(BundleEvidenceFile).max(bundleLimits.maxEvidenceFiles),
  })
  .superRefine((bundle, context) => {
    // Two entries with one name would leave it to the order of writing which one the store keeps.
    const names = new Set<string>();
    for (const [index, file] of bundle.events.entries()) {
      if (names.has(file.name)) context.addIssue({ code: 'custom', path: ['events', index, 'name'], message: `the file name ${file.name} appears twice` });
      names.add(file.name);
    }
  });

export type CeremonyBundle = z.output<typeof CeremonyBundle>;
export type BundleEventFile = z.output<typeof BundleEventFile>;
export type BundleEvidenceFile = z.output<typeof BundleEvidenceFile>;
export type BundleSummary = z.output<typeof BundleSummary>;

export const bundleErrorCodes = ['bundle-not-json', 'bundle-too-large', 'bundle-not-a-bundle', 'bundle-version-unsupported', 'bundle-bad-file-name', 'bundle-malformed'] as const;
export type BundleErrorCode = (typeof bundleErrorCodes)[number];

export class BundleError extends CodedError<BundleErrorCode> {
  override readonly name = 'BundleError';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What the file's JSON problem is, in words that quote none of it (issue 12): the file may be a private one named by mistake. */
function fromJsonError(error: unknown, subject: string): never {
  if (error instanceof JsonError) {
    if (error.code === 'json-too-large') throw new BundleError('bundle-too-large', `${subject} is too large to be a Conclave ceremony bundle: it ${error.problem}.`);
    throw new BundleError('bundle-not-json', `${subject} is not a complete ceremony bundle: it ${error.problem}. It may have been cut short while copying; export it again. Nothing was imported.`);
  }
  throw error;
}

/**
 * Reads a bundle's bytes from outside (a USB stick, a download). Throws BundleError; checks shape, names and limits, not signatures.
 * `subject` names the file in messages ("This file" when not given).
 */
export function parseBundleBytes(bytes: Uint8Array, subject = 'This file'): CeremonyBundle {
  let value: unknown;
  try {
    value = parseJsonBytes(bytes, { maxBytes: bundleLimits.maxBytes, maxDepth: bundleLimits.maxDepth });
  } catch (error) {
    fromJsonError(error, subject);
  }
  return bundleFromJson(value, subject);
}

export function parseBundleText(text: string, subject = 'This file'): CeremonyBundle {
  let value: unknown;
  try {
    value = parseJsonText(text, { maxBytes: bundleLimits.maxBytes, maxDepth: bundleLimits.maxDepth });
  } catch (error) {
    fromJsonError(error, subject);
  }
  return bundleFromJson(value, subject);
}

/** Checks a parsed value is a bundle this Conclave reads. Throws BundleError. */
export function bundleFromJson(value: unknown, subject = 'This file'): CeremonyBundle {
  if (!isObject(value) || value.mediaType !== bundleMediaType) {
    throw new BundleError('bundle-not-a-bundle', `${subject} is not a Conclave ceremony bundle (its mediaType is not "${bundleMediaType}"). "conclave ceremony export" makes them. Nothing was imported.`);
  }
  // The version first, so a newer format gets this message rather than a list of unknown fields.
  if (value.version !== bundleVersion) {
    // Only a number is quoted: anything else is the file's content, not a version.
    const version = typeof value.version === 'number' ? `version ${value.version}` : 'of no version Conclave knows';
    throw new BundleError('bundle-version-unsupported', `${subject} is a bundle ${version}; this Conclave reads version ${bundleVersion}. Import it with the Conclave that exported it, or a newer one. Nothing was imported.`);
  }
  const parsed = CeremonyBundle.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '');
    // A bad file name is refused outright, not event by event: Conclave never writes one, so the bundle was made or edited by hand.
    const badName = issue.path.length === 3 && issue.path[0] === 'events' && issue.path[2] === 'name';
    if (badName) {
      const name = (value.events as { name?: unknown }[])[issue.path[1] as number]?.name;
      throw new BundleError('bundle-bad-file-name', `This bundle names an event file ${JSON.stringify(name)}: ${issue.message}. A bundle exported by Conclave never does this, so nothing was imported.`);
    }
    const detail = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map(quotedMemberName).join(', ')}` : issue.message;
    throw new BundleError('bundle-malformed', `This ceremony bundle is malformed${where ? ` at ${where}` : ''}: ${detail}. Export it again; nothing was imported.`);
  }
  return parsed.data;
}

/** The file's text: indented, so a person can read it and diff two exports. */
export function serializeBundle(bundle: CeremonyBundle): string {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}
