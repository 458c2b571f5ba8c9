/**
 * What `conclave verify --envelope` reads besides the envelope and the policy:
 * the approvers' Sigstore bundles, for their RFC 3161 time stamps and, for
 * approvers identified by certificate (issue 6), their certificates; and the
 * CRLs those certificates are checked with: the policy's CRL URLs, fetched,
 * or CRL files given with --crl for an offline check (used instead of the URLs).
 */
import { readFile } from 'node:fs/promises';
import { ConclaveError } from '../../../shared/errors';
import { JsonError, parseJsonText } from '../../../shared/json/parse';
import type { Policy } from '../../../shared/policy/policy';
import { SigstoreBundleError, readApprovalBundle } from '../../../shared/sigstore/bundle';
import type { VerificationInput } from '../../../shared/verify/verify';
import { fetchingCrlProvider, fileCrlProvider, policyCrlUrls } from '../../core/x509/crl-provider';
import { CrlLoadError } from '../../core/x509/load-crl';

export type VerificationMaterial = Pick<VerificationInput, 'timestamps' | 'certificates' | 'crls' | 'crlProblems'>;

async function readBundle(path: string) {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConclaveError('invalid-input', `Conclave cannot read the bundle file ${path}.`);
  }
  try {
    return readApprovalBundle(parseJsonText(text, { maxBytes: 16 * 1024 * 1024, maxDepth: 16 }));
  } catch (error) {
    if (error instanceof JsonError || error instanceof SigstoreBundleError) throw new ConclaveError('invalid-input', `${path}: ${error.message}`);
    throw error;
  }
}

export async function verificationMaterial(policy: Policy, options: { bundles: readonly string[]; crls: readonly string[] }): Promise<VerificationMaterial> {
  const timestamps: Record<string, string> = {};
  const certificates: Record<string, Uint8Array[]> = {};
  for (const path of options.bundles) {
    const bundle = await readBundle(path);
    if (bundle.timestamps[0] !== undefined) timestamps[bundle.keyId] = bundle.timestamps[0];
    if (bundle.certificate) certificates[bundle.keyId] = [bundle.certificate];
  }
  const material: VerificationMaterial = { timestamps, certificates };
  // CRLs matter only for certificates; a check of raw keys fetches nothing.
  if (Object.keys(certificates).length === 0 && options.crls.length === 0) return material;
  try {
    const set = options.crls.length > 0 ? await fileCrlProvider(options.crls).crlsFor([]) : await fetchingCrlProvider().crlsFor(policyCrlUrls(policy));
    const offline = options.crls.length > 0 ? [] : set.problems.map((problem) => `${problem} For an offline check, download the CRL and give it with --crl FILE.`);
    return { ...material, crls: set.crls, crlProblems: offline };
  } catch (error) {
    if (error instanceof CrlLoadError) throw new ConclaveError('invalid-input', error.message);
    throw error;
  }
}
