/**
 * Reading provenance as CI systems publish it: an in-toto statement (v0.1 or
 * v1) raw, in a DSSE envelope, in a Sigstore bundle (v0.1–v0.3, DSSE content),
 * one envelope or bundle per line of an `.intoto.jsonl` file, or npm's
 * attestations JSON. Every form becomes the same `ProvenanceDocument`, with a
 * normalized summary for SLSA provenance v0.2 and v1 so reviewers see builder,
 * source and inputs the same way whoever built the release.
 *
 * Nothing here trusts the input: sizes, nesting and document counts are bounded
 * before work is done, and every refusal is a `ProvenanceError` with a closed
 * code and a message that says what to attach instead.
 */
import { fromBase64 } from '../encoding/base64';
import { fromPem } from '../encoding/pem';
import { EnvelopeError, envelopePayload, parseEnvelope, type Envelope } from '../dsse/envelope';
import { inTotoPayloadType, pae } from '../dsse/pae';
import type { SignatureVerifier } from '../keys/signature-verifier';
import { describeSize, isJsonObject, parseBoundedJson, type BoundedJsonResult } from './bounded-json';
import { normalizeDigestValue, type DigestSet } from './digest-set';
import { CodedError } from '../errors';

// ---------------------------------------------------------------------------
// Types

export const statementTypeV01 = 'https://in-toto.io/Statement/v0.1';
export const statementTypeV1 = 'https://in-toto.io/Statement/v1';
export const slsaProvenanceV02 = 'https://slsa.dev/provenance/v0.2';
export const slsaProvenanceV1 = 'https://slsa.dev/provenance/v1';

export type StatementType = typeof statementTypeV01 | typeof statementTypeV1;
export type SlsaPredicateType = typeof slsaProvenanceV02 | typeof slsaProvenanceV1;

export interface InTotoSubject {
  /** The artifact's name as the producer wrote it: a file name, or a purl for packages (npm). Empty when a v1 subject has none. */
  name: string;
  digest: DigestSet;
}

/** An in-toto statement, field names as in the specification (in-toto attestation framework, spec/v1/statement.md). */
export interface InTotoStatement {
  _type: StatementType;
  subject: InTotoSubject[];
  predicateType: string;
  predicate: unknown;
}

/** How a statement was wrapped. */
export type ProvenanceWrapping = 'statement' | 'dsse' | 'sigstore-bundle';
/** How the file held it: one JSON document, one line of `.intoto.jsonl`, or one entry of npm's attestations. */
export type ProvenanceContainer = 'json' | 'jsonl' | 'npm-attestations';

export interface ProvenanceOrigin {
  /** The file name the user attached, when the caller gave it (for messages). */
  fileName?: string;
  container: ProvenanceContainer;
  /** 1-based line (jsonl) or entry (npm attestations); absent for a single JSON document. */
  position?: number;
  wrapping: ProvenanceWrapping;
  /** The Sigstore bundle media type, when wrapped in a bundle. */
  bundleMediaType?: string;
}

/** Who signed the envelope, as far as the document itself says (nothing here is verified). */
export type ProvenanceSigning =
  | { kind: 'unsigned' }
  /** Signed by a key named only by a hint (DSSE keyid or bundle publicKey.hint): checkable when the key is given. */
  | { kind: 'public-key'; keyHints: string[] }
  /** Signed by a short-lived Sigstore (Fulcio) certificate; DER certificates, leaf first. */
  | { kind: 'sigstore-certificate'; certificates: Uint8Array[]; transparencyLogEntries: number };

export interface BuildInput {
  uri: string;
  digest: DigestSet;
}

/** What a reviewer needs from SLSA provenance, the same for v0.2 and v1. */
export interface SlsaProvenanceSummary {
  predicateType: SlsaPredicateType;
  /** SLSA v0.2 `builder.id`, v1 `runDetails.builder.id`. */
  builderId?: string;
  buildType?: string;
  /** The source repository as a URL without `git+` or a ref, e.g. `https://github.com/org/repo`. */
  sourceRepository?: string;
  /** The source commit (git SHA-1 or SHA-256, hex). */
  sourceCommit?: string;
  trigger: { event?: string; ref?: string; workflow?: string };
  /** v0.2 `materials`, v1 `resolvedDependencies`. */
  buildInputs: BuildInput[];
  subjects: InTotoSubject[];
}

export interface ProvenanceDocument {
  origin: ProvenanceOrigin;
  statement: InTotoStatement;
  /** The statement's bytes exactly as signed (the DSSE payload) or as attached (raw). */
  statementBytes: Uint8Array;
  /** The DSSE envelope, when there is one, so its signatures can be checked. */
  envelope?: Envelope;
  signing: ProvenanceSigning;
  /** Present only for SLSA provenance v0.2 and v1. */
  slsa?: SlsaProvenanceSummary;
}

export const provenanceErrorCodes = [
  'provenance-too-large',
  'provenance-too-deep',
  'provenance-not-json',
  'provenance-empty',
  'provenance-unrecognized',
  'provenance-envelope-invalid',
  'provenance-payload-type',
  'provenance-bundle-unsupported',
  'provenance-statement-invalid',
  'provenance-too-many-documents',
] as const;
export type ProvenanceErrorCode = (typeof provenanceErrorCodes)[number];

export class ProvenanceError extends CodedError<ProvenanceErrorCode> {
  override readonly name = 'ProvenanceError';
}

export interface ProvenanceReadOptions {
  /** The attached file's name, used in messages and to tell `.intoto.jsonl` from plain JSON. */
  fileName?: string;
  /** Largest input accepted, in characters. */
  maxCharacters?: number;
  /** Deepest JSON nesting accepted (in the file and in each signed payload). */
  maxDepth?: number;
  /** Most documents (statements) one file may hold. */
  maxDocuments?: number;
}

/** Real provenance is tens of KB (GitHub event payloads included); 16 MB leaves room without inviting abuse. */
export const defaultProvenanceLimits = { maxCharacters: 16 * 1024 * 1024, maxDepth: 64, maxDocuments: 64 } as const;

// ---------------------------------------------------------------------------
// Reading

interface ReadContext {
  fileName?: string;
  maxCharacters: number;
  maxDepth: number;
  maxDocuments: number;
}

/** Reads every statement the text holds; throws `ProvenanceError` for anything that is not provenance. */
export function readProvenance(text: string, options: ProvenanceReadOptions = {}): ProvenanceDocument[] {
  const context: ReadContext = {
    fileName: options.fileName,
    maxCharacters: options.maxCharacters ?? defaultProvenanceLimits.maxCharacters,
    maxDepth: options.maxDepth ?? defaultProvenanceLimits.maxDepth,
    maxDocuments: options.maxDocuments ?? defaultProvenanceLimits.maxDocuments,
  };
  const what = fileLabel(context);
  if (text.length > context.maxCharacters) {
    throw new ProvenanceError('provenance-too-large', `${what} is ${describeSize(text.length)}, more than the ${describeSize(context.maxCharacters)} Conclave reads as provenance. Attach the provenance file itself, not an archive or a log.`);
  }
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new ProvenanceError('provenance-empty', `${what} is empty. Attach the provenance your build produced (an .intoto.jsonl, a Sigstore bundle or a DSSE envelope).`);

  const lines = body.split(/\r?\n/).map((line, index) => ({ line, number: index + 1 })).filter(({ line }) => line.trim() !== '');
  // JSON Lines (jsonlines.org): one complete JSON value per line. A pretty-printed document has lines that are not.
  const isJsonLines = lines.length > 1 && lines.every(({ line }) => line.trimStart().startsWith('{') && line.trimEnd().endsWith('}'));

  if (!isJsonLines) {
    const value = expectJson(parseBoundedJson(body, context), context, what);
    const namedJsonLines = context.fileName?.toLowerCase().endsWith('.jsonl') === true && lines.length === 1;
    return readTopLevel(value, body, context, namedJsonLines ? { container: 'jsonl', position: lines[0]!.number } : { container: 'json' });
  }
  if (lines.length > context.maxDocuments) {
    throw new ProvenanceError('provenance-too-many-documents', `${what} holds ${lines.length} lines, more than the ${context.maxDocuments} provenance documents Conclave reads from one file. Attach only the provenance of this release.`);
  }
  const documents: ProvenanceDocument[] = [];
  for (const { line, number } of lines) {
    const placement: Placement = { container: 'jsonl', position: number };
    const value = expectJson(parseBoundedJson(line, context), context, capitalize(placeLabel(context, placement)));
    documents.push(...readTopLevel(value, line, context, placement));
  }
  return documents;
}

function fileLabel(context: { fileName?: string }): string {
  return context.fileName ? `“${context.fileName}”` : 'This file';
}

function expectJson(result: BoundedJsonResult, context: ReadContext, what: string): unknown {
  if (result.ok) return result.value;
  switch (result.problem) {
    case 'too-large':
      return fail('provenance-too-large', `${what} is ${describeSize(result.characters)}, more than the ${describeSize(context.maxCharacters)} Conclave reads as provenance.`);
    case 'too-deep':
      return fail('provenance-too-deep', `${what} nests JSON more than ${context.maxDepth} levels deep, which no provenance format needs; it was refused unread. Attach the provenance your build produced.`);
    case 'not-json':
      return fail('provenance-not-json', `${what} is not JSON, so it is not SLSA provenance: expected a DSSE envelope, a Sigstore bundle or an in-toto statement (${result.detail}).`);
  }
}

function fail(code: ProvenanceErrorCode, message: string): never {
  throw new ProvenanceError(code, message);
}

function tooManyDocuments(context: ReadContext, count: number): ProvenanceError {
  return new ProvenanceError('provenance-too-many-documents', `${fileLabel(context)} holds ${count} or more provenance documents, more than the ${context.maxDocuments} Conclave reads from one file. Attach only the provenance of this release.`);
}

type Placement = Pick<ProvenanceOrigin, 'container' | 'position'>;

function placeLabel(context: ReadContext, placement: Placement): string {
  const file = context.fileName ? `“${context.fileName}”` : 'this file';
  if (placement.container === 'jsonl') return `line ${placement.position} of ${file}`;
  if (placement.container === 'npm-attestations') return `attestation ${placement.position} of ${file}`;
  return file;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function readTopLevel(value: unknown, rawText: string, context: ReadContext, placement: Placement): ProvenanceDocument[] {
  const where = placeLabel(context, placement);
  if (!isJsonObject(value)) return fail('provenance-unrecognized', notProvenance(where));
  if (placement.container === 'json' && Array.isArray(value.attestations)) return readNpmAttestations(value.attestations, context);
  return [readWrapped(value, rawText, context, placement)];
}

function notProvenance(where: string): string {
  return `${capitalize(where)} is not SLSA provenance: expected a DSSE envelope, a Sigstore bundle or an in-toto statement. Attach the .intoto.jsonl or .sigstore.json file your build produced.`;
}

/** npm's attestations endpoint: `{ attestations: [{ predicateType, bundle }] }` (npm registry API, /-/npm/v1/attestations). */
function readNpmAttestations(attestations: unknown[], context: ReadContext): ProvenanceDocument[] {
  if (attestations.length === 0) fail('provenance-empty', `${fileLabel(context)} lists no npm attestations. Download them again for the published version.`);
  if (attestations.length > context.maxDocuments) throw tooManyDocuments(context, attestations.length);
  return attestations.map((entry, index) => {
    const placement: Placement = { container: 'npm-attestations', position: index + 1 };
    const where = placeLabel(context, placement);
    if (!isJsonObject(entry) || !isJsonObject(entry.bundle)) fail('provenance-unrecognized', `${capitalize(where)} has no Sigstore bundle. npm lists each attestation as { predicateType, bundle }; download the attestations again.`);
    const document = readWrapped(entry.bundle, undefined, context, placement);
    // The listed predicateType is unsigned; the statement's is signed. They must agree, or the listing was altered.
    if (typeof entry.predicateType === 'string' && entry.predicateType !== document.statement.predicateType) {
      fail('provenance-statement-invalid', `${capitalize(where)} is listed as ${entry.predicateType} but its signed statement says ${document.statement.predicateType}. The file was altered; download the attestations again from the registry.`);
    }
    return document;
  });
}

/** `rawText` is the statement's own text when it came as a whole file or line (kept byte for byte for its digest). */
function readWrapped(value: Record<string, unknown>, rawText: string | undefined, context: ReadContext, placement: Placement): ProvenanceDocument {
  const where = placeLabel(context, placement);
  if (typeof value.mediaType === 'string' && value.mediaType.startsWith('application/vnd.dev.sigstore.bundle')) {
    return readBundle(value, value.mediaType, context, placement);
  }
  if ('payloadType' in value || 'payload' in value || 'signatures' in value) {
    const envelope = readEnvelope(value, where);
    return documentFromEnvelope(envelope, signingOfRawEnvelope(value, envelope), context, { ...placement, wrapping: 'dsse' });
  }
  if ('_type' in value) {
    const statementBytes = new TextEncoder().encode(rawText ?? JSON.stringify(value));
    return withSummary({ origin: origin(context, { ...placement, wrapping: 'statement' }), statement: readStatement(value, where), statementBytes, signing: { kind: 'unsigned' } });
  }
  return fail('provenance-unrecognized', notProvenance(where));
}

function origin(context: ReadContext, fields: Omit<ProvenanceOrigin, 'fileName'>): ProvenanceOrigin {
  return context.fileName ? { fileName: context.fileName, ...fields } : { ...fields };
}

function readEnvelope(value: unknown, where: string): Envelope {
  try {
    return parseEnvelope(value);
  } catch (error) {
    if (error instanceof EnvelopeError) {
      return fail('provenance-envelope-invalid', `The DSSE envelope in ${where} is damaged: ${error.message} Download the provenance again from the build.`);
    }
    throw error;
  }
}

/**
 * slsa-github-generator's raw envelopes carry the Fulcio certificate in a
 * non-standard `cert` field next to each signature; anything else is a key
 * named only by its keyid.
 */
function signingOfRawEnvelope(value: Record<string, unknown>, envelope: Envelope): ProvenanceSigning {
  const rawSignatures = Array.isArray(value.signatures) ? value.signatures : [];
  const certificates: Uint8Array[] = [];
  for (const signature of rawSignatures) {
    if (isJsonObject(signature) && typeof signature.cert === 'string' && signature.cert.includes('BEGIN CERTIFICATE')) {
      try {
        certificates.push(fromPem('CERTIFICATE', signature.cert));
      } catch {
        // An unreadable certificate is the same as none: the signature stays unchecked.
      }
    }
  }
  if (certificates.length > 0) return { kind: 'sigstore-certificate', certificates, transparencyLogEntries: 0 };
  return { kind: 'public-key', keyHints: envelope.signatures.map((signature) => signature.keyid).filter((keyid) => keyid !== '') };
}

// Sigstore bundle media types (sigstore/protobuf-specs, docs/bundle.md): v0.3 changed the spelling.
const bundleMediaTypes = [
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json',
];

function readBundle(bundle: Record<string, unknown>, mediaType: string, context: ReadContext, placement: Placement): ProvenanceDocument {
  const where = placeLabel(context, placement);
  if (!bundleMediaTypes.includes(mediaType)) {
    fail('provenance-bundle-unsupported', `${capitalize(where)} is a Sigstore bundle of a version Conclave does not read (${mediaType}); it reads bundles v0.1 to v0.3. Export the bundle in one of those versions.`);
  }
  if (!isJsonObject(bundle.dsseEnvelope)) {
    const signsFile = isJsonObject(bundle.messageSignature);
    fail(
      'provenance-bundle-unsupported',
      signsFile
        ? `${capitalize(where)} is a Sigstore bundle that signs a file directly (messageSignature), not an attestation, so it holds no provenance. Attach the provenance bundle (DSSE content) instead.`
        : `${capitalize(where)} is a Sigstore bundle without a DSSE envelope, so it holds no provenance. Attach the provenance bundle your build produced.`,
    );
  }
  const envelope = readEnvelope(bundle.dsseEnvelope, where);
  return documentFromEnvelope(envelope, signingOfBundle(bundle, envelope), context, { ...placement, wrapping: 'sigstore-bundle', bundleMediaType: mediaType });
}

function signingOfBundle(bundle: Record<string, unknown>, envelope: Envelope): ProvenanceSigning {
  const material = isJsonObject(bundle.verificationMaterial) ? bundle.verificationMaterial : {};
  const transparencyLogEntries = Array.isArray(material.tlogEntries) ? material.tlogEntries.length : 0;
  // v0.1/v0.2 carry x509CertificateChain.certificates[]; v0.3 carries one leaf in certificate (protobuf-specs bundle.proto).
  const rawCertificates: unknown[] = [];
  if (isJsonObject(material.certificate)) rawCertificates.push(material.certificate);
  if (isJsonObject(material.x509CertificateChain) && Array.isArray(material.x509CertificateChain.certificates)) rawCertificates.push(...material.x509CertificateChain.certificates);
  const certificates = rawCertificates.flatMap((certificate) => {
    if (!isJsonObject(certificate) || typeof certificate.rawBytes !== 'string') return [];
    try {
      return [fromBase64(certificate.rawBytes)];
    } catch {
      return [];
    }
  });
  if (certificates.length > 0) return { kind: 'sigstore-certificate', certificates, transparencyLogEntries };
  const hint = isJsonObject(material.publicKey) && typeof material.publicKey.hint === 'string' ? material.publicKey.hint : undefined;
  const keyHints = [...new Set([...(hint ? [hint] : []), ...envelope.signatures.map((signature) => signature.keyid).filter((keyid) => keyid !== '')])];
  return { kind: 'public-key', keyHints };
}

function documentFromEnvelope(envelope: Envelope, signing: ProvenanceSigning, context: ReadContext, placement: Omit<ProvenanceOrigin, 'fileName'>): ProvenanceDocument {
  const where = placeLabel(context, placement);
  // DSSE carries any payload; in-toto statements travel as application/vnd.in-toto+json (in-toto spec/v1/envelope.md).
  if (envelope.payloadType !== inTotoPayloadType) {
    fail('provenance-payload-type', `The DSSE envelope in ${where} carries ${envelope.payloadType}, not an in-toto statement (${inTotoPayloadType}), so it is not provenance. Attach the provenance envelope your build produced.`);
  }
  const statementBytes = envelopePayload(envelope);
  let payloadText: string;
  try {
    payloadText = new TextDecoder('utf-8', { fatal: true }).decode(statementBytes);
  } catch {
    return fail('provenance-statement-invalid', `The statement signed in ${where} is not UTF-8 text, so it is not an in-toto statement. Download the provenance again from the build.`);
  }
  const value = expectJson(parseBoundedJson(payloadText, context), context, `The statement signed in ${where}`);
  return withSummary({ origin: origin(context, placement), statement: readStatement(value, where), statementBytes, envelope, signing });
}

function readStatement(value: unknown, where: string): InTotoStatement {
  const bad = (problem: string) => fail('provenance-statement-invalid', `The in-toto statement in ${where} ${problem} (in-toto Statement v1 or v0.1 expected). Download the provenance again from the build.`);
  if (!isJsonObject(value)) return bad('is not a JSON object');
  const type = value._type;
  if (type !== statementTypeV1 && type !== statementTypeV01) return bad(typeof type === 'string' ? `has an unknown _type ${type}` : 'has no _type');
  if (typeof value.predicateType !== 'string' || value.predicateType === '') return bad('has no predicateType');
  if (!Array.isArray(value.subject) || value.subject.length === 0) return bad('names no subject');
  const subject = value.subject.map((entry, index): InTotoSubject => {
    if (!isJsonObject(entry)) return bad(`has subject ${index + 1} that is not an object`);
    if (entry.name !== undefined && typeof entry.name !== 'string') return bad(`has subject ${index + 1} whose name is not text`);
    const digest = readDigestSet(entry.digest);
    // statement.md: each subject MUST carry a digest; a subject without one identifies nothing.
    if (!digest || Object.keys(digest).length === 0) return bad(`has subject ${index + 1} without a digest`);
    return { name: typeof entry.name === 'string' ? entry.name : '', digest };
  });
  return { _type: type, subject, predicateType: value.predicateType, predicate: value.predicate };
}

function readDigestSet(value: unknown): DigestSet | undefined {
  if (!isJsonObject(value)) return undefined;
  const digest: DigestSet = {};
  for (const [algorithm, hex] of Object.entries(value)) {
    if (typeof hex !== 'string' || hex === '') return undefined;
    digest[algorithm] = normalizeDigestValue(hex);
  }
  return digest;
}

// ---------------------------------------------------------------------------
// SLSA summaries

function withSummary(document: ProvenanceDocument): ProvenanceDocument {
  const { predicateType, predicate, subject } = document.statement;
  if (!isJsonObject(predicate)) return document;
  if (predicateType === slsaProvenanceV02) return { ...document, slsa: summarizeV02(predicate, subject) };
  if (predicateType === slsaProvenanceV1) return { ...document, slsa: summarizeV1(predicate, subject) };
  return document;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const object = (value: unknown): Record<string, unknown> => (isJsonObject(value) ? value : {});

/** `git+https://host/org/repo@refs/heads/main` → repository `https://host/org/repo`, ref `refs/heads/main` (SPDX download location / SLSA URI form). */
export function splitSourceUri(uri: string): { repository: string; ref?: string } {
  const withoutPrefix = uri.startsWith('git+') ? uri.slice(4) : uri;
  const schemeEnd = withoutPrefix.indexOf('://');
  const pathStart = schemeEnd >= 0 ? withoutPrefix.indexOf('/', schemeEnd + 3) : 0;
  const at = withoutPrefix.lastIndexOf('@');
  // Only an @ in the path separates a ref; one in the authority is a user (git+ssh://git@host/...).
  const [repository, ref] = at > pathStart && pathStart >= 0 ? [withoutPrefix.slice(0, at), withoutPrefix.slice(at + 1)] : [withoutPrefix, undefined];
  const cleaned = repository.replace(/\.git$/, '').replace(/\/+$/, '');
  return ref ? { repository: cleaned, ref } : { repository: cleaned };
}

function readBuildInputs(value: unknown): BuildInput[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    if (!isJsonObject(entry)) return [];
    const uri = text(entry.uri) ?? text(entry.name);
    if (!uri) return [];
    return [{ uri, digest: readDigestSet(entry.digest) ?? {} }];
  });
}

const commitOf = (digest: DigestSet | undefined): string | undefined => digest?.gitCommit ?? digest?.sha1 ?? digest?.sha256;

/** SLSA provenance v0.2 (slsa.dev/provenance/v0.2): builder.id, buildType, invocation.configSource, materials. */
function summarizeV02(predicate: Record<string, unknown>, subjects: InTotoSubject[]): SlsaProvenanceSummary {
  const invocation = object(predicate.invocation);
  const configSource = object(invocation.configSource);
  const environment = object(invocation.environment);
  const source = text(configSource.uri) ? splitSourceUri(configSource.uri as string) : undefined;
  // GitHub's generators also record the commit and trigger in the environment (github_sha1, github_event_name, github_ref).
  const sourceCommit = commitOf(readDigestSet(configSource.digest)) ?? text(environment.github_sha1);
  const event = text(environment.github_event_name);
  const ref = text(environment.github_ref) ?? source?.ref;
  const workflow = text(configSource.entryPoint);
  return compact({
    predicateType: slsaProvenanceV02,
    builderId: text(object(predicate.builder).id),
    buildType: text(predicate.buildType),
    sourceRepository: source?.repository,
    sourceCommit,
    trigger: compact({ event, ref, workflow }),
    buildInputs: readBuildInputs(predicate.materials),
    subjects,
  });
}

/**
 * SLSA provenance v1 (slsa.dev/provenance/v1): the builder is runDetails.builder.id;
 * where the source is depends on the build type. GitHub Actions workflows
 * (slsa-framework.github.io/github-actions-buildtypes/workflow/v1) name it in
 * externalParameters.workflow; otherwise the first git resolved dependency is
 * the source, as slsa-verifier reads it.
 */
function summarizeV1(predicate: Record<string, unknown>, subjects: InTotoSubject[]): SlsaProvenanceSummary {
  const definition = object(predicate.buildDefinition);
  const external = object(definition.externalParameters);
  const internal = object(definition.internalParameters);
  const workflow = object(external.workflow);
  const buildInputs = readBuildInputs(definition.resolvedDependencies);
  const gitInputs = buildInputs.filter((input) => input.uri.startsWith('git+'));

  let sourceRepository = text(workflow.repository) ? splitSourceUri(workflow.repository as string).repository : undefined;
  const sourceInput = sourceRepository
    ? gitInputs.find((input) => sameRepository(splitSourceUri(input.uri).repository, sourceRepository!)) ?? gitInputs[0]
    : gitInputs[0];
  const fromInput = sourceInput ? splitSourceUri(sourceInput.uri) : undefined;
  sourceRepository ??= fromInput?.repository;

  return compact({
    predicateType: slsaProvenanceV1,
    builderId: text(object(object(predicate.runDetails).builder).id),
    buildType: text(definition.buildType),
    sourceRepository,
    sourceCommit: commitOf(sourceInput?.digest),
    trigger: compact({ event: text(object(internal.github).event_name), ref: text(workflow.ref) ?? fromInput?.ref, workflow: text(workflow.path) }),
    buildInputs,
    subjects,
  });
}

/** Repository URLs compare without `git+`, a trailing `.git` or `/`, and case (GitHub and GitLab names are case-insensitive). */
export function sameRepository(left: string, right: string): boolean {
  return splitSourceUri(left).repository.toLowerCase() === splitSourceUri(right).repository.toLowerCase();
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

// ---------------------------------------------------------------------------
// Signatures

export type ProvenanceSignatureOutcome =
  /** A signature in the envelope verifies with the given key over PAE(payloadType, payload). */
  | { outcome: 'verified'; signatureIndex: number }
  /** The envelope is signed, but no signature verifies with the given key. */
  | { outcome: 'invalid'; signatureCount: number }
  /** A raw statement: there is nothing to check. */
  | { outcome: 'unsigned' };

/** At most this many signatures are tried per envelope, so a hostile envelope cannot make verification unbounded. */
export const maxSignaturesChecked = 16;

/**
 * Checks the envelope's signatures with one public key (DER SubjectPublicKeyInfo)
 * over PAE(payloadType, payload) as DSSE defines it. A keyid is only a hint
 * (DSSE protocol, "Signature definition") and foreign producers fill it their
 * own way, so every signature is tried.
 */
export async function verifyProvenanceSignature(document: ProvenanceDocument, publicKeyInfo: Uint8Array, verifier: SignatureVerifier): Promise<ProvenanceSignatureOutcome> {
  const envelope = document.envelope;
  if (!envelope) return { outcome: 'unsigned' };
  const signed = pae(envelope.payloadType, envelopePayload(envelope));
  const signatures = envelope.signatures.slice(0, maxSignaturesChecked);
  for (const [index, signature] of signatures.entries()) {
    if (await verifier.verify(publicKeyInfo, signed, fromBase64(signature.sig))) return { outcome: 'verified', signatureIndex: index };
  }
  return { outcome: 'invalid', signatureCount: envelope.signatures.length };
}

/** "line 2 of “x.intoto.jsonl” (Sigstore bundle)" for messages. */
export function describeProvenanceOrigin(origin: ProvenanceOrigin): string {
  const file = origin.fileName ? `“${origin.fileName}”` : 'the provenance';
  const place = origin.container === 'jsonl' ? `line ${origin.position} of ${file}` : origin.container === 'npm-attestations' ? `attestation ${origin.position} of ${file}` : file;
  const wrapping = origin.wrapping === 'sigstore-bundle' ? 'Sigstore bundle' : origin.wrapping === 'dsse' ? 'DSSE envelope' : 'unsigned statement';
  return `${place} (${wrapping})`;
}
