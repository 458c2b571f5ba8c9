/**
 * Loading a policy: the document is validated strictly and every way it could
 * be impossible to satisfy is refused here, at load time, not when a release
 * is already blocked (DESIGN.md, "Policy").
 *
 * loadPolicy is async because keyids and the policy digest are SHA-256, and
 * shared/ hashes through the Digester the runtime passes in.
 */
import type { ZodError } from 'zod';
import { policyDocumentSchema, policyVersion, type PolicyDocument, type RsaSigningScheme } from './schema';
import { readPublicKeyPem, type KeyReading } from './keys';
import { CanonicalJsonError, canonicalJsonBytes } from '../json/canonical';
import { JsonError, parseJsonText, quotedMemberName } from '../json/parse';
import { toHex } from '../encoding/hex';
import { describeKeyType, type KeyType } from '../keys/algorithms';
import type { Digester } from '../keys/public-key-info';
import { CodedError } from '../errors';
import type { certificatesFromPem } from '../x509/certificate';
import type { CertificateIdentity } from '../x509/identity';
import { NameSyntaxError, parseRfc4514 } from '../x509/rfc4514';
import type { AttestationRequirement } from '../attestation/requirement';
import { yubicoPivAttestationRoot } from '../attestation/yubico-root';

export const policyErrorCodes = [
  'policy-not-json',
  'policy-malformed',
  'policy-unknown-field',
  'policy-version-unsupported',
  'policy-key-malformed',
  'policy-key-unsupported',
  'policy-key-duplicate',
  'policy-approver-conflict',
  'policy-threshold-unreachable',
  'policy-role-unreachable',
  'policy-certificate-malformed',
  'policy-certificate-identity-missing',
  'policy-certificate-identity-malformed',
] as const;
export type PolicyErrorCode = (typeof policyErrorCodes)[number];

export class PolicyError extends CodedError<PolicyErrorCode> {
  override readonly name = 'PolicyError';
}

/** One key of one approver, as listed in the policy. */
export interface PolicyKey {
  /** Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo: the DSSE keyid. */
  keyId: string;
  spki: Uint8Array;
  type: KeyType;
  approverId: string;
  /** What the entry asks of the key's attestation (issue 13); absent when it asks nothing. */
  attestation?: AttestationRequirement;
}

/** One approver entry that names a certificate identity instead of a key. */
export interface CertificateApprover {
  approverId: string;
  /** Its index in the document's approvers, to name it in messages. */
  index: number;
  /** DER trust anchors: the chain must end at one of them. */
  roots: Uint8Array[];
  /** DER certificates that may complete a chain (never trusted by themselves). */
  intermediates: Uint8Array[];
  /** What the certificate must name: every field given must match. */
  identity: CertificateIdentity;
  /** Where its CAs publish their CRLs; when there are any, every CA of the chain must have a current CRL. */
  crls: string[];
  /** What the entry asks of the certified key's attestation (issue 13); absent when it asks nothing. */
  attestation?: AttestationRequirement;
}

/** One person: every policy entry with the same id. */
export interface PolicyPerson {
  id: string;
  name?: string;
  role?: string;
  /** The person's listed keys (none for a person identified by certificate only). */
  keyIds: string[];
}

export interface Policy {
  version: 1;
  name?: string;
  threshold: number;
  /** Distinct people, in the order they first appear in the document. */
  people: PolicyPerson[];
  /** Every approver key, in document order: the keys whose signatures count toward the threshold. */
  keys: PolicyKey[];
  /**
   * Approvers identified by certificate (issue 6): any key their CA certifies
   * for the identity counts, once its chain, identity, validity at the signing
   * time and revocation check out (certificate-signer.ts).
   */
  certificateApprovers: CertificateApprover[];
  /**
   * Keys of release managers (approverId is the manager's id): they sign the
   * events of a ceremony (open, freeze, cancel, publish) but never approve.
   */
  releaseManagerKeys: PolicyKey[];
  /** Minimum approving people per role. */
  roles: Record<string, number>;
  separationOfDuties: { openerMayApprove: boolean };
  /** How RSA keys sign under this policy (issue 14): PKCS#1 v1.5 with SHA-256 unless the document asks for PSS. */
  signing: { rsa: RsaSigningScheme };
  evidence: { builders?: string[]; sourceRepositories?: string[]; allowOverride: boolean };
  ceremony: { maxOpenHours: number };
  /** Where approvals get trusted time, and which TSA CAs to trust; absent when the policy asks for none. */
  timestamping?: { url?: string; roots: Uint8Array[]; required: boolean };
  /** Lowercase hex SHA-256 of the RFC 8785 canonical JSON of the document as written. */
  digest: string;
  /** The validated document as written (no defaults filled in). */
  document: PolicyDocument;
}

export const defaultMaxOpenHours = 72;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Where in the document, e.g. approvers[2].publicKey; a member name that is not a plausible field name (a key of roles, say) is not quoted. */
function pathOf(path: readonly PropertyKey[]): string {
  const name = (part: PropertyKey) => (typeof part === 'string' && /^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(part) ? part : quotedMemberName(String(part)));
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text === '' ? name(part) : `${text}.${name(part)}`), '');
}

function schemaError(error: ZodError): PolicyError {
  const unknown = error.issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const where = pathOf(unknown.path);
    return new PolicyError('policy-unknown-field', `The policy has a field Conclave does not know: ${unknown.keys.map(quotedMemberName).join(', ')}${where ? ` in ${where}` : ''}. Remove it or check its spelling (docs/policy.md lists every field).`);
  }
  const issue = error.issues[0];
  const where = issue ? pathOf(issue.path) : '';
  return new PolicyError('policy-malformed', `The policy is not valid${where ? ` at ${where}` : ''}: ${issue?.message ?? 'unknown problem'}. docs/policy.md describes every field.`);
}

/**
 * Reads the policy's JSON text (from a file) and loads it; see loadPolicy.
 * `fileName` names the file in every message. No message quotes the text of
 * a file that is not a policy: it may be a private file someone named (issue 12).
 */
export async function loadPolicyText(text: string, digester: Digester, fileName?: string): Promise<Policy> {
  let value: unknown;
  try {
    value = parseJsonText(text, { maxBytes: 1024 * 1024, maxDepth: 16 });
  } catch (error) {
    if (error instanceof JsonError) throw new PolicyError('policy-not-json', error.about(fileName ?? 'The policy'));
    throw error;
  }
  try {
    return await loadPolicy(value, digester);
  } catch (error) {
    if (error instanceof PolicyError && fileName !== undefined) throw new PolicyError(error.code, `${fileName}: ${error.message}`);
    throw error;
  }
}

/** Validates a parsed policy document and refuses any policy that can never be satisfied. Throws PolicyError. */
export async function loadPolicy(value: unknown, digester: Digester): Promise<Policy> {
  // The version is checked first so that a future format gets this message, not a list of unknown fields.
  if (isObject(value) && 'version' in value && value.version !== policyVersion) {
    // Only a number is quoted: anything else is the file's content, not a version.
    const version = typeof value.version === 'number' ? `version ${value.version}` : 'of no version Conclave knows';
    throw new PolicyError('policy-version-unsupported', `This policy is ${version}; this Conclave reads version ${policyVersion} only. Use a Conclave that knows this version, or write the policy as version ${policyVersion}.`);
  }
  const parsed = policyDocumentSchema.safeParse(value);
  if (!parsed.success) throw schemaError(parsed.error);
  const document = parsed.data;
  const pem = await certificateReaderFor(document);

  const keys: PolicyKey[] = [];
  const people = new Map<string, PolicyPerson>();
  const keyOwners = new Map<string, { approverId: string; index: number }>();
  const certificateApprovers: CertificateApprover[] = [];
  for (const [index, entry] of document.approvers.entries()) {
    const where = `approvers[${index}] ("${entry.id}")`;
    if ((entry.publicKey === undefined) === (entry.certificate === undefined)) {
      throw new PolicyError(
        'policy-malformed',
        `${where} ${entry.publicKey === undefined ? 'gives neither a publicKey nor a certificate' : 'gives both a publicKey and a certificate'}. An entry names one key (publicKey) or one certificate identity (certificate); list a person's other key as another entry with the same id.`,
      );
    }
    const keyIdsOfEntry: string[] = [];
    const attestation = entry.attestation === undefined ? undefined : readAttestation(entry.attestation, where, pem!);
    if (entry.certificate !== undefined) {
      certificateApprovers.push({ ...readCertificateApprover(entry.certificate, entry.id, index, where, pem!), ...(attestation ? { attestation } : {}) });
    } else {
      const { reading, keyId } = await readListedKey(entry.publicKey!, where, digester);
      const earlier = keyOwners.get(keyId);
      if (earlier) {
        throw new PolicyError(
          'policy-key-duplicate',
          `The same ${describeKeyType(reading.type)} key is listed twice: in approvers[${earlier.index}] ("${earlier.approverId}") and in ${where}. A key belongs to one entry; remove one of them.`,
        );
      }
      keyOwners.set(keyId, { approverId: entry.id, index });
      keys.push({ keyId, spki: reading.spki, type: reading.type, approverId: entry.id, ...(attestation ? { attestation } : {}) });
      keyIdsOfEntry.push(keyId);
    }

    const person = people.get(entry.id);
    if (!person) {
      people.set(entry.id, { id: entry.id, ...(entry.name !== undefined ? { name: entry.name } : {}), ...(entry.role !== undefined ? { role: entry.role } : {}), keyIds: keyIdsOfEntry });
      continue;
    }
    // One person, several keys: the entries must describe the same person, or the role count would depend on which key signed.
    if (person.role !== entry.role) {
      throw new PolicyError(
        'policy-approver-conflict',
        `"${entry.id}" is listed with role ${person.role ? `"${person.role}"` : 'none'} and, in ${where}, with role ${entry.role ? `"${entry.role}"` : 'none'}. Entries with the same id are one person: give them the same role.`,
      );
    }
    if (entry.name !== undefined && person.name !== undefined && entry.name !== person.name) {
      throw new PolicyError('policy-approver-conflict', `"${entry.id}" is listed with the names "${person.name}" and "${entry.name}". Entries with the same id are one person: give them the same name.`);
    }
    if (person.name === undefined && entry.name !== undefined) person.name = entry.name;
    person.keyIds.push(...keyIdsOfEntry);
  }

  const releaseManagerKeys: PolicyKey[] = [];
  for (const [index, entry] of (document.releaseManagers ?? []).entries()) {
    const where = `releaseManagers[${index}] ("${entry.id}")`;
    const { reading, keyId } = await readListedKey(entry.publicKey, where, digester);
    const earlier = keyOwners.get(keyId);
    if (earlier) {
      throw new PolicyError(
        'policy-key-duplicate',
        `The same ${describeKeyType(reading.type)} key is listed twice: for "${earlier.approverId}" and in ${where}. An approver needs no release-manager entry; remove one of them.`,
      );
    }
    if (people.has(entry.id)) {
      throw new PolicyError('policy-approver-conflict', `"${entry.id}" is both an approver and, in ${where}, a release manager. Approvers may open and publish already: list each person once.`);
    }
    keyOwners.set(keyId, { approverId: entry.id, index });
    releaseManagerKeys.push({ keyId, spki: reading.spki, type: reading.type, approverId: entry.id });
  }

  const everyone = [...people.values()];
  if (document.threshold > everyone.length) {
    throw new PolicyError(
      'policy-threshold-unreachable',
      `The threshold is ${document.threshold}, but the policy lists only ${everyone.length} distinct ${everyone.length === 1 ? 'person' : 'people'} (${everyone.map((person) => person.id).join(', ')}). Lower the threshold or add approvers; several keys of one person count once.`,
    );
  }
  const roles = document.roles ?? {};
  for (const [role, minimum] of Object.entries(roles)) {
    const holders = everyone.filter((person) => person.role === role);
    if (minimum > holders.length) {
      throw new PolicyError(
        'policy-role-unreachable',
        `The policy asks for at least ${minimum} "${role}" ${minimum === 1 ? 'approval' : 'approvals'}, but ${holders.length === 0 ? 'nobody has that role' : `only ${holders.map((person) => person.id).join(', ')} ${holders.length === 1 ? 'has' : 'have'} that role`}. Lower the minimum or give the role to more approvers.`,
      );
    }
  }
  // Every requirement only grows easier with more approvals, so if all people together meet each one, they meet all at
  // once: checking the threshold and each role minimum against everyone, as above, is the whole feasibility check.

  return {
    version: 1,
    ...(document.name !== undefined ? { name: document.name } : {}),
    threshold: document.threshold,
    people: everyone,
    keys,
    certificateApprovers,
    releaseManagerKeys,
    roles,
    separationOfDuties: { openerMayApprove: document.separationOfDuties?.openerMayApprove ?? false },
    signing: { rsa: document.signing?.rsa ?? 'pkcs1-v1_5' },
    evidence: {
      ...(document.evidence?.builders ? { builders: document.evidence.builders } : {}),
      ...(document.evidence?.sourceRepositories ? { sourceRepositories: document.evidence.sourceRepositories } : {}),
      allowOverride: document.evidence?.allowOverride ?? false,
    },
    ceremony: { maxOpenHours: document.ceremony?.maxOpenHours ?? defaultMaxOpenHours },
    ...(document.timestamping ? { timestamping: readTimestamping(document.timestamping, pem!) } : {}),
    digest: await digestOfLoaded(value, digester),
    document,
  };
}

interface CertificateReader {
  certificatesFromPem: typeof certificatesFromPem;
}

/**
 * The certificate reader (asn1js and @peculiar's X.509, CMS and TSP schemas,
 * defined as the code loads) is loaded only for a policy that lists
 * certificates: a policy of public keys alone, most of them, is read without
 * it, and a command's start is some 15 ms shorter (issue 11).
 */
async function certificateReaderFor(document: PolicyDocument): Promise<CertificateReader | undefined> {
  const needed = document.timestamping !== undefined || document.approvers.some((entry) => entry.certificate !== undefined || entry.attestation !== undefined);
  if (!needed) return undefined;
  return import('../x509/certificate');
}

function readTimestamping(section: NonNullable<PolicyDocument['timestamping']>, pem: CertificateReader): NonNullable<Policy['timestamping']> {
  let roots: Uint8Array[];
  try {
    roots = pem.certificatesFromPem(section.certificates).map((certificate) => certificate.der);
  } catch (error) {
    throw new PolicyError('policy-certificate-malformed', `The TSA certificates in timestamping.certificates cannot be read: ${error instanceof Error ? error.message : String(error)} Give the TSA's CA certificate as PEM ("-----BEGIN CERTIFICATE-----").`);
  }
  if (roots.length === 0) throw new PolicyError('policy-certificate-malformed', 'timestamping.certificates holds no PEM "CERTIFICATE" block. Give the CA certificate the TSA chains to.');
  return { ...(section.url !== undefined ? { url: section.url } : {}), roots, required: section.required ?? false };
}

function readAttestation(section: NonNullable<PolicyDocument['approvers'][number]['attestation']>, where: string, pem: CertificateReader): AttestationRequirement {
  if (!section.required && (section.touch !== undefined || section.pin !== undefined)) {
    throw new PolicyError('policy-malformed', `The attestation of ${where} asks for a touch or PIN policy but does not require an attestation. Set "required": true, or leave touch and pin out.`);
  }
  const roots = section.roots === undefined ? [yubicoPivAttestationRoot()] : section.roots.flatMap((text) => readCertificates(text, 'attestation roots', where, pem));
  return { required: section.required, touch: section.touch ?? 'any', pin: section.pin ?? 'any', roots, ownRoots: section.roots !== undefined };
}

function readCertificates(text: string, what: string, where: string, pem: CertificateReader): Uint8Array[] {
  let certificates: Uint8Array[];
  try {
    certificates = pem.certificatesFromPem(text).map((certificate) => certificate.der);
  } catch (error) {
    throw new PolicyError('policy-certificate-malformed', `The ${what} of ${where} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (certificates.length === 0) throw new PolicyError('policy-certificate-malformed', `The ${what} of ${where} hold no PEM "CERTIFICATE" block. Give the CA certificates as PEM ("-----BEGIN CERTIFICATE-----").`);
  return certificates;
}

function readCertificateApprover(section: NonNullable<PolicyDocument['approvers'][number]['certificate']>, approverId: string, index: number, where: string, pem: CertificateReader): CertificateApprover {
  const { subject, email, uri, dns } = section;
  if (subject === undefined && email === undefined && uri === undefined && dns === undefined) {
    throw new PolicyError(
      'policy-certificate-identity-missing',
      `The certificate of ${where} names no identity, so any certificate its CA ever issued would count as ${approverId}. Give at least one of subject, email, uri or dns.`,
    );
  }
  if (subject !== undefined && subject.includes('=')) {
    try {
      parseRfc4514(subject);
    } catch (error) {
      const detail = error instanceof NameSyntaxError ? error.message : 'unreadable';
      throw new PolicyError(
        'policy-certificate-identity-malformed',
        `The certificate subject of ${where}, "${subject}", is not an RFC 4514 name (${detail}). Write it as openssl x509 -noout -subject -nameopt RFC2253 prints it, or give only the common name.`,
      );
    }
  }
  if (email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(email)) {
    throw new PolicyError('policy-certificate-identity-malformed', `The certificate email of ${where}, "${email}", is not an email address.`);
  }
  return {
    approverId,
    index,
    roots: readCertificates(section.roots, 'certificate roots', where, pem),
    intermediates: section.intermediates === undefined ? [] : readCertificates(section.intermediates, 'certificate intermediates', where, pem),
    identity: { ...(subject !== undefined ? { subject } : {}), ...(email !== undefined ? { email } : {}), ...(uri !== undefined ? { uri } : {}), ...(dns !== undefined ? { dns } : {}) },
    crls: section.crls ?? [],
  };
}

/** A public key as a policy lists it, read strictly, with its keyid; `where` names the entry in the message. */
async function readListedKey(pem: string, where: string, digester: Digester): Promise<{ reading: Extract<KeyReading, { ok: true }>; keyId: string }> {
  const reading = readPublicKeyPem(pem);
  if (!reading.ok) {
    throw new PolicyError(reading.problem === 'malformed' ? 'policy-key-malformed' : 'policy-key-unsupported', `The public key of ${where} cannot be used: ${reading.reason}.`);
  }
  return { reading, keyId: toHex(await digester.digest('SHA-256', reading.spki)) };
}

async function digestOfLoaded(value: unknown, digester: Digester): Promise<string> {
  try {
    return await policyDigest(value, digester);
  } catch (error) {
    if (error instanceof CanonicalJsonError) throw new PolicyError('policy-malformed', `The policy cannot be written as canonical JSON: ${error.message}`);
    throw error;
  }
}

/** Lowercase hex SHA-256 of the RFC 8785 canonical JSON of a policy document: any JCS tool reproduces it from the file. */
export async function policyDigest(document: unknown, digester: Digester): Promise<string> {
  return toHex(await digester.digest('SHA-256', canonicalJsonBytes(document)));
}

/**
 * Who signed a ceremony event with this key, by the policy: an approver or a
 * release manager. A key the policy does not know is nobody.
 */
export function eventSignerOf(policy: Policy, keyId: string): { id: string; spki: Uint8Array; as: 'approver' | 'release manager' } | undefined {
  const approver = policy.keys.find((key) => key.keyId === keyId);
  if (approver) return { id: approver.approverId, spki: approver.spki, as: 'approver' };
  const manager = policy.releaseManagerKeys.find((key) => key.keyId === keyId);
  return manager ? { id: manager.approverId, spki: manager.spki, as: 'release manager' } : undefined;
}

export function personOfKey(policy: Policy, keyId: string): PolicyPerson | undefined {
  const key = policy.keys.find((entry) => entry.keyId === keyId);
  return key ? policy.people.find((person) => person.id === key.approverId) : undefined;
}

export type AllowListAnswer = 'allowed' | 'not-allowed' | 'no-list';

function matchAllowList(list: string[] | undefined, value: string): AllowListAnswer {
  if (!list || list.length === 0) return 'no-list';
  const allowed = list.some((entry) => (entry.endsWith('*') ? value.startsWith(entry.slice(0, -1)) : value === entry));
  return allowed ? 'allowed' : 'not-allowed';
}

/** Whether the policy allows a provenance builder id; 'no-list' when the policy names none. */
export function builderAllowed(policy: Policy, builderId: string): AllowListAnswer {
  return matchAllowList(policy.evidence.builders, builderId);
}

/** Whether the policy allows a source repository; 'no-list' when the policy names none. */
export function sourceRepositoryAllowed(policy: Policy, repository: string): AllowListAnswer {
  return matchAllowList(policy.evidence.sourceRepositories, repository);
}
