/**
 * What `conclave verify --envelope` reads besides the envelope and the policy:
 * the approvers' Sigstore bundles, for their RFC 3161 time stamps and, for
 * approvers identified by certificate (issue 6), their certificates; and the
 * CRLs those certificates are checked with: the policy's CRL URLs, fetched,
 * or CRL files given with --crl for an offline check (used instead of the URLs).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConclaveError } from '../../../shared/errors';
import { JsonError, parseJsonText } from '../../../shared/json/parse';
import type { Policy } from '../../../shared/policy/policy';
import { SigstoreBundleError, readApprovalBundle, type ApprovalBundleMaterial } from '../../../shared/sigstore/bundle';
import type { VerificationInput } from '../../../shared/verify/verify';
import { fetchingCrlProvider, fileCrlProvider, policyCrlUrls } from '../x509/crl-provider';
import { CrlLoadError } from '../x509/load-crl';

export type VerificationMaterial = Pick<VerificationInput, 'timestamps' | 'certificates' | 'crls' | 'crlProblems'>;

/** An approver's bundle as `conclave verify` reads it, and the DSSE payload it signs (to match it with an envelope). */
export interface ReadBundle {
  material: ApprovalBundleMaterial;
  payloadType: string | undefined;
  /** base64, as in the bundle. */
  payload: string | undefined;
}

/** DSSE keyid of a DER SubjectPublicKeyInfo: lowercase hex SHA-256. */
const keyIdOfPublicKeyInfo = (publicKeyInfo: Uint8Array): string => createHash('sha256').update(publicKeyInfo).digest('hex');

/** Reads one approver's Sigstore bundle (JSON text); `what` names it in the message of the ConclaveError thrown when it is not one. */
export function readBundleText(text: string, what: string): ReadBundle {
  try {
    const value = parseJsonText(text, { maxBytes: 16 * 1024 * 1024, maxDepth: 16 });
    const material = readApprovalBundle(value, keyIdOfPublicKeyInfo);
    const dsse = (value as { dsseEnvelope?: { payload?: unknown; payloadType?: unknown } }).dsseEnvelope;
    return { material, payloadType: typeof dsse?.payloadType === 'string' ? dsse.payloadType : undefined, payload: typeof dsse?.payload === 'string' ? dsse.payload : undefined };
  } catch (error) {
    if (error instanceof JsonError) throw new ConclaveError('invalid-input', error.about(what));
    if (error instanceof SigstoreBundleError) throw new ConclaveError('invalid-input', `${what}: ${error.message}`);
    throw error;
  }
}

async function readBundle(path: string): Promise<ReadBundle> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConclaveError('invalid-input', `Conclave cannot read the bundle file ${path}.`);
  }
  return readBundleText(text, path);
}

/** The time stamps and certificates of these bundles, keyed by the approver's keyid (a later bundle of the same keyid wins). */
export function bundleMaterial(bundles: readonly ApprovalBundleMaterial[], into: Pick<VerificationMaterial, 'timestamps' | 'certificates'> = {}): { timestamps: Record<string, string>; certificates: Record<string, Uint8Array[]> } {
  const timestamps: Record<string, string> = { ...into.timestamps };
  const certificates: Record<string, Uint8Array[]> = { ...into.certificates };
  for (const bundle of bundles) {
    if (bundle.timestamps[0] !== undefined) timestamps[bundle.keyId] = bundle.timestamps[0];
    if (bundle.certificate) certificates[bundle.keyId] = [bundle.certificate];
  }
  return { timestamps, certificates };
}

/**
 * The CRLs the certificates are checked with: the files given (--crl), else the policy's CRL URLs, fetched.
 * A check of raw keys fetches nothing.
 */
export async function withRevocation(policy: Policy, material: VerificationMaterial, crlFiles: readonly string[]): Promise<VerificationMaterial> {
  if (Object.keys(material.certificates ?? {}).length === 0 && crlFiles.length === 0) return material;
  try {
    const set = crlFiles.length > 0 ? await fileCrlProvider(crlFiles).crlsFor([]) : await fetchingCrlProvider().crlsFor(policyCrlUrls(policy));
    const offline = crlFiles.length > 0 ? [] : set.problems.map((problem) => `${problem} For an offline check, download the CRL and give it with --crl FILE.`);
    return { ...material, crls: set.crls, crlProblems: offline };
  } catch (error) {
    if (error instanceof CrlLoadError) throw new ConclaveError('invalid-input', error.message);
    throw error;
  }
}

export async function verificationMaterial(policy: Policy, options: { bundles: readonly string[]; crls: readonly string[] }): Promise<VerificationMaterial> {
  const bundles: ApprovalBundleMaterial[] = [];
  for (const path of options.bundles) bundles.push((await readBundle(path)).material);
  return withRevocation(policy, bundleMaterial(bundles), options.crls);
}
