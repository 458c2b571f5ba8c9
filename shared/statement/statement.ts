/**
 * The release statement: an in-toto Statement v1 whose subjects are the
 * release's artifacts and whose predicate (type releaseApprovalPredicateType,
 * docs/formats.md) records what the approvers reviewed. Frozen as RFC 8785
 * canonical JSON, so every approver signs exactly the same bytes and anyone
 * can reproduce them.
 */
import { z } from 'zod';
import { canonicalJsonBytes } from '../json/canonical';
import { JsonError, parseJsonBytes } from '../json/parse';
import { findingStatuses, sbomFormats, type Finding, type ProvenanceSummary, type SbomSummary } from './evidence-summaries';
import { CodedError } from '../errors';
import { ReleasePurlError, releasePurl as checkedReleasePurl, type PurlSubject, type ReleaseNaming } from './release-purl';

export const inTotoStatementType = 'https://in-toto.io/Statement/v1';
export const releaseApprovalPredicateType = 'https://conclave.dev/release-approval/v1';

export const statementErrorCodes = ['statement-not-json', 'statement-malformed', 'statement-wrong-type', 'statement-wrong-predicate-type', 'statement-invalid-input'] as const;
export type StatementErrorCode = (typeof statementErrorCodes)[number];

export class StatementError extends CodedError<StatementErrorCode> {
  override readonly name = 'StatementError';
}

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (SHA-256)');
const sha512Hex = z.string().regex(/^[0-9a-f]{128}$/, 'expected 128 lowercase hex digits (SHA-512)');
// RFC 3339 in UTC ("Z"), as in-toto and SLSA write times.
const time = z.iso.datetime({ offset: false });
const text = (max: number) => z.string().min(1).max(max);

const subjectSchema = z.strictObject({
  name: text(1024),
  digest: z.strictObject({ sha256: sha256Hex, sha512: sha512Hex.optional() }),
});

const provenanceSchema = z.strictObject({
  digest: z.strictObject({ sha256: sha256Hex }),
  predicateType: text(2048),
  builderId: text(2048),
  sourceRepository: text(2048).optional(),
  sourceCommit: z
    .string()
    .regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, 'expected a git commit id (40 or 64 lowercase hex digits)')
    .optional(),
});

const sbomSchema = z.strictObject({
  digest: z.strictObject({ sha256: sha256Hex }),
  format: z.enum(sbomFormats),
  specVersion: text(64),
  componentCount: z.number().int().min(0),
});

const findingSchema = z.strictObject({
  id: text(200),
  status: z.enum(findingStatuses),
  message: text(4000),
  override: z.strictObject({ by: text(200), reason: text(4000), at: time.optional() }).optional(),
});

const predicateSchema = z.strictObject({
  release: z.strictObject({ name: text(200), version: text(200), purl: text(2048) }),
  ceremony: z.strictObject({ id: text(200), openedAt: time, expiresAt: time, openedBy: text(200) }),
  policy: z.strictObject({ digest: z.strictObject({ sha256: sha256Hex }), name: text(200).optional(), threshold: z.number().int().min(1) }),
  provenance: z.array(provenanceSchema).max(1000),
  sboms: z.array(sbomSchema).max(1000),
  findings: z.array(findingSchema).max(1000),
  frozenAt: time,
});

const releaseStatementSchema = z.strictObject({
  _type: z.literal(inTotoStatementType),
  subject: z.array(subjectSchema).min(1).max(10_000),
  predicateType: z.literal(releaseApprovalPredicateType),
  predicate: predicateSchema,
});

export type ReleaseSubject = z.infer<typeof subjectSchema>;
export type ReleasePredicate = z.infer<typeof predicateSchema>;
export type ReleaseStatement = z.infer<typeof releaseStatementSchema>;

/** Any in-toto Statement v1: what the verifier can still check when the predicate is not ours. */
// Loose: a foreign statement may carry fields of its own, and a release statement must reach the strict check intact.
const inTotoStatementSchema = z.looseObject({
  _type: z.literal(inTotoStatementType),
  subject: z
    .array(
      z.looseObject({
        name: z.string().optional(),
        digest: z.record(z.string(), z.string()),
      }),
    )
    .min(1),
  predicateType: z.string().min(1),
  predicate: z.unknown().optional(),
});
export type InTotoStatement = z.infer<typeof inTotoStatementSchema>;

type Time = Date | string;

export interface ReleaseStatementInput {
  release: { name: string; version: string; purl?: string };
  artifacts: { name: string; digest: { sha256: string; sha512?: string } }[];
  ceremony: { id: string; openedAt: Time; expiresAt: Time; openedBy: string };
  /** A loaded Policy fits here as it is. */
  policy: { digest: string; name?: string; threshold: number };
  provenance: ProvenanceSummary[];
  sboms: SbomSummary[];
  findings: Finding[];
  frozenAt: Time;
}

const isoTime = (value: Time): string => (typeof value === 'string' ? value : value.toISOString());

/**
 * The release's purl as a signed statement records it (release-purl.ts, mode "recorded"): the one given, checked
 * against the release's version and, for pkg:oci, against the subjects; or pkg:generic/NAME@VERSION. Throws
 * StatementError. A new opening checks the purl given with mode "opening" first.
 */
export function releasePurl(release: ReleaseNaming, subjects: readonly PurlSubject[] = []): string {
  try {
    return checkedReleasePurl(release, subjects, 'recorded');
  } catch (error) {
    if (error instanceof ReleasePurlError) throw new StatementError('statement-invalid-input', error.message);
    throw error;
  }
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unknown problem';
  const where = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  return `${where ? `at ${where.replace(/^\./, '')}: ` : ''}${issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}` : issue.message}`;
}

/** Checks what a schema cannot: times in order, unique subject names, a purl for this release. */
function consistencyProblem(statement: ReleaseStatement): string | undefined {
  const { ceremony, frozenAt, release } = statement.predicate;
  if (Date.parse(ceremony.expiresAt) <= Date.parse(ceremony.openedAt)) return 'the ceremony expires before it opens';
  if (Date.parse(frozenAt) < Date.parse(ceremony.openedAt)) return 'the statement was frozen before the ceremony opened';
  if (Date.parse(frozenAt) >= Date.parse(ceremony.expiresAt)) return 'the statement was frozen after the ceremony expired';
  const names = new Set<string>();
  for (const subject of statement.subject) {
    if (names.has(subject.name)) return `two subjects are named "${subject.name}"`;
    names.add(subject.name);
  }
  try {
    if (releasePurl(release, statement.subject) !== release.purl) return `the release purl "${release.purl}" is not in normal form or does not name version ${release.version}`;
  } catch (error) {
    return error instanceof Error ? error.message : 'the release purl cannot be read';
  }
  return undefined;
}

/** Builds the release statement from a ceremony's inputs. Throws StatementError('statement-invalid-input'). */
export function buildReleaseStatement(input: ReleaseStatementInput): ReleaseStatement {
  const candidate = {
    _type: inTotoStatementType,
    subject: input.artifacts.map((artifact) => ({ name: artifact.name, digest: { ...artifact.digest } })),
    predicateType: releaseApprovalPredicateType,
    predicate: {
      release: { name: input.release.name, version: input.release.version, purl: releasePurl(input.release, input.artifacts) },
      ceremony: { id: input.ceremony.id, openedAt: isoTime(input.ceremony.openedAt), expiresAt: isoTime(input.ceremony.expiresAt), openedBy: input.ceremony.openedBy },
      policy: { digest: { sha256: input.policy.digest }, ...(input.policy.name !== undefined ? { name: input.policy.name } : {}), threshold: input.policy.threshold },
      // Only the fields the predicate defines: a summary object may carry more for the screen.
      provenance: input.provenance.map(({ digest, predicateType, builderId, sourceRepository, sourceCommit }) => ({
        digest: { sha256: digest.sha256 },
        predicateType,
        builderId,
        ...(sourceRepository !== undefined ? { sourceRepository } : {}),
        ...(sourceCommit !== undefined ? { sourceCommit } : {}),
      })),
      sboms: input.sboms.map(({ digest, format, specVersion, componentCount }) => ({ digest: { sha256: digest.sha256 }, format, specVersion, componentCount })),
      findings: input.findings.map(({ id, status, message, override }) => ({
        id,
        status,
        message,
        ...(override !== undefined ? { override: { by: override.by, reason: override.reason, ...(override.at !== undefined ? { at: override.at } : {}) } } : {}),
      })),
      frozenAt: isoTime(input.frozenAt),
    },
  };
  const parsed = releaseStatementSchema.safeParse(candidate);
  if (!parsed.success) throw new StatementError('statement-invalid-input', `The release statement cannot be built, ${describeIssue(parsed.error)}.`);
  const problem = consistencyProblem(parsed.data);
  if (problem) throw new StatementError('statement-invalid-input', `The release statement cannot be built: ${problem}.`);
  return parsed.data;
}

/** The exact bytes every approver signs: RFC 8785 canonical JSON of the statement. */
export function freezeStatement(statement: ReleaseStatement): Uint8Array {
  const parsed = releaseStatementSchema.safeParse(statement);
  if (!parsed.success) throw new StatementError('statement-invalid-input', `This release statement cannot be frozen, ${describeIssue(parsed.error)}.`);
  return canonicalJsonBytes(parsed.data);
}

/**
 * buildReleaseStatement and freezeStatement in one: the statement the schema
 * has just accepted is frozen as it is, not checked a second time. The judge
 * rebuilds one for every frozen event it reads (issue 15).
 */
export function buildFrozenStatement(input: ReleaseStatementInput): Uint8Array {
  return canonicalJsonBytes(buildReleaseStatement(input));
}

const statementLimits = { maxBytes: 8 * 1024 * 1024, maxDepth: 16 };

function readJson(bytes: Uint8Array): unknown {
  try {
    return parseJsonBytes(bytes, statementLimits);
  } catch (error) {
    if (error instanceof JsonError) throw new StatementError('statement-not-json', `The statement cannot be read: ${error.message}`);
    throw error;
  }
}

function readInToto(value: unknown): InTotoStatement {
  const type = typeof value === 'object' && value !== null ? (value as { _type?: unknown })._type : undefined;
  if (type !== inTotoStatementType) {
    throw new StatementError('statement-wrong-type', `This is not an in-toto Statement v1: its _type is ${type === undefined ? 'missing' : JSON.stringify(type)}, expected "${inTotoStatementType}".`);
  }
  const parsed = inTotoStatementSchema.safeParse(value);
  if (!parsed.success) throw new StatementError('statement-malformed', `The in-toto statement is malformed, ${describeIssue(parsed.error)}.`);
  return parsed.data;
}

/** Reads any in-toto Statement v1 with at least one subject. Throws StatementError. */
export function parseInTotoStatement(bytes: Uint8Array): InTotoStatement {
  return readInToto(readJson(bytes));
}

/** Reads a Conclave release statement strictly: unknown fields, bad digests and inconsistent times are refused. Throws StatementError. */
export function parseReleaseStatement(bytes: Uint8Array): ReleaseStatement {
  const generic = readInToto(readJson(bytes));
  return releaseStatementFromInToto(generic);
}

/** Narrows an in-toto statement already read to a release statement. Throws StatementError. */
export function releaseStatementFromInToto(statement: InTotoStatement): ReleaseStatement {
  if (statement.predicateType !== releaseApprovalPredicateType) {
    throw new StatementError('statement-wrong-predicate-type', `This statement's predicate type is "${statement.predicateType}", not a Conclave release approval ("${releaseApprovalPredicateType}").`);
  }
  const parsed = releaseStatementSchema.safeParse(statement);
  if (!parsed.success) throw new StatementError('statement-malformed', `The release statement is malformed, ${describeIssue(parsed.error)}.`);
  const problem = consistencyProblem(parsed.data);
  if (problem) throw new StatementError('statement-malformed', `The release statement is inconsistent: ${problem}.`);
  return parsed.data;
}
