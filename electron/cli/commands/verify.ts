/**
 * `conclave verify`: a published release checked against a policy, from
 * files or from an image's registry. It loads the verifier alone, not the
 * ceremony engine: deploy gates run it often (issue 11).
 */
import { readFile } from 'node:fs/promises';
import { ConclaveError } from '../../../shared/errors';
import { loadPolicyText } from '../../../shared/policy/policy';
import { formatReport } from '../../../shared/verify/format';
import { PolicyChainError, followPolicyChain, readPolicyChain } from '../../../shared/verify/policy-chain';
import { verifyRelease } from '../../../shared/verify/verify';
import { appDataDir, ceremonyStoreDir } from '../../core/app-paths';
import { verificationMaterial } from '../../core/ceremony/verification-material';
import { describeLocations, ociScheme, parseOciTarget, verifyFromRegistry, type RegistryVerification } from '../../core/ceremony/verify-from-registry';
import { nodeAlgorithmSignatureVerifier, nodeDigester, nodeSignatureVerifier, nodeTrustedTimeDependencies } from '../../core/crypto/node-crypto';
import { hashFiles } from '../../core/hashing';
import type { CommandInput } from '../command-spec';
import { exitCodes } from '../exit-codes';
import { UsageError, type CliIo } from '../io';
import { registryOptions } from '../registry-options';

export async function runVerify(input: CommandInput, io: CliIo): Promise<number> {
  const values = {
    policy: input.string('policy'),
    envelope: input.string('envelope'),
    artifact: input.strings('artifact'),
    bundle: input.strings('bundle'),
    crl: input.strings('crl'),
    'policy-root': input.string('policy-root'),
    'policy-chain': input.string('policy-chain'),
    'policy-chain-from-store': input.flag('policy-chain-from-store'),
    store: input.string('store'),
  };
  const positionals = input.positionals;
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch {
      throw new ConclaveError('invalid-input', `Conclave cannot read the ${what} ${path}.`);
    }
  };
  /**
   * The policy to verify with: --policy as given, or the last policy of a chain of policy ceremonies that starts at
   * --policy-root (issue 10), read from --policy-chain FILE or from the store.
   */
  const dependencies = { signatureVerifier: nodeSignatureVerifier, trustedTime: nodeTrustedTimeDependencies, certificates: { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier } };
  const policyToVerifyWith = async () => {
    const chained = values['policy-chain'] !== undefined || values['policy-chain-from-store'];
    if (values.policy && (values['policy-root'] || chained)) throw new UsageError('give either --policy FILE, or --policy-root FIRST.json with --policy-chain FILE (or --policy-chain-from-store).');
    if (values.policy) return loadPolicyText((await read(values.policy, 'policy file')).toString('utf8'), nodeDigester, values.policy);
    if (!values['policy-root'] || !chained) throw new UsageError('verify needs --policy FILE (the policy your team keeps), or --policy-root FIRST.json with --policy-chain FILE or --policy-chain-from-store.');
    const root = await loadPolicyText((await read(values['policy-root'], 'root policy file')).toString('utf8'), nodeDigester, values['policy-root']);
    const chain = values['policy-chain'] !== undefined ? readPolicyChain((await read(values['policy-chain'], 'policy chain file')).toString('utf8'), values['policy-chain']) : await chainFromStore(io, values.store);
    try {
      const followed = await followPolicyChain(root, chain, nodeDigester, dependencies);
      for (const step of followed.steps) io.err(`policy sha256:${step.from.slice(0, 12)}… → sha256:${step.to.slice(0, 12)}… (ceremony ${step.ceremonyId})\n`);
      return followed.policy;
    } catch (error) {
      if (error instanceof PolicyChainError) throw new ConclaveError('policy-invalid', `NOT verified: ${error.message}`);
      throw error;
    }
  };
  if (positionals.length > 0) {
    // An image in its registry (issue 6): the envelopes attached to it, checked against the policy with its digest as the artifact.
    if (!positionals[0]!.startsWith(ociScheme)) throw new UsageError(`takes one image, as oci://REGISTRY/REPOSITORY@sha256:DIGEST (not "${positionals.join(' ')}"); for files give --envelope FILE and --artifact FILE.`);
    if (values.envelope || values.artifact.length > 0) throw new UsageError('oci://… reads the envelopes attached to the image in its registry: leave out --envelope and --artifact.');
    const reference = parseOciTarget(positionals[0]!);
    if (reference.digest === undefined) {
      const given = positionals[0]!.slice(ociScheme.length);
      throw new UsageError(
        `give the digest: conclave verify checks what you deploy, not what a tag points to now. ${given} names the tag ${reference.tag ?? 'latest'}; deploy by digest and verify that digest: oci://${reference.registry}/${reference.repository}@sha256:<digest> (crane digest ${given}, or docker buildx imagetools inspect ${given}, prints it).`,
      );
    }
    const policy = await policyToVerifyWith();
    // The registry carries the combined envelope; approvers' time stamps and certificates come from their bundles, as for files.
    const material = await verificationMaterial(policy, { bundles: values.bundle, crls: values.crl });
    const result = await verifyFromRegistry({ ...reference, digest: reference.digest }, policy, registryOptions(io, input.strings('insecure-registry')), {
      material,
      dependencies: { signatureVerifier: nodeSignatureVerifier, trustedTime: nodeTrustedTimeDependencies, certificates: { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier } },
    });
    if (input.json) io.out(`${JSON.stringify(registryVerificationJson(result), null, 2)}\n`);
    else if (!input.quiet || !result.ok) io.out(describeRegistryVerification(result));
    return result.ok ? exitCodes.done : exitCodes.refused;
  }
  if (!values.envelope) throw new UsageError('needs --policy FILE and --envelope FILE, or --policy FILE and an image as oci://REGISTRY/REPOSITORY@sha256:DIGEST.');
  const policy = await policyToVerifyWith();
  const envelope = new Uint8Array(await read(values.envelope, 'envelope file'));
  const artifactPaths = values.artifact;
  const hashed = await hashFiles(artifactPaths, { algorithms: ['sha256'] });
  const artifacts = hashed.map((outcome, index) => {
    if (!outcome.ok) throw new ConclaveError('invalid-input', outcome.error.message);
    return { name: artifactPaths[index]!.split(/[/\\]/).pop()!, sha256: outcome.digest.digests.sha256! };
  });
  // The approvers' Sigstore bundles carry their time stamps and, for approvers identified by certificate, their certificates.
  const material = await verificationMaterial(policy, { bundles: values.bundle, crls: values.crl });
  const report = await verifyRelease(
    { envelope, policy, artifacts, ...material },
    { signatureVerifier: nodeSignatureVerifier, trustedTime: nodeTrustedTimeDependencies, certificates: { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier } },
  );
  if (input.json) io.out(`${JSON.stringify({ ok: report.ok, approvedBy: report.approvedBy, failures: report.failures, notes: report.notes, signatures: report.signatures, artifacts: report.artifacts }, null, 2)}\n`);
  else if (!input.quiet || !report.ok) io.out(`${formatReport(report)}\n`);
  return report.ok ? exitCodes.done : exitCodes.refused;
}

/** For people: the verdict first, then which envelope verified (or each that did not, and why) and where it was found. */
function describeRegistryVerification(result: RegistryVerification): string {
  if (result.candidates.length === 0) return `NOT verified: ${result.problem}\n`;
  const lines: string[] = [];
  if (result.verified) {
    lines.push(formatReport(result.verified.report));
    lines.push(`envelope sha256:${result.verified.envelopeDigest.replace(/^sha256:/, '')} attached to ${result.image} (${describeLocations(result.verified.locations)})`);
    const others = result.candidates.length - 1;
    if (others > 0) lines.push(`note: ${others} other Conclave envelope${others === 1 ? ' is' : 's are'} attached to this image; one that verifies is enough.`);
  } else {
    lines.push(`NOT verified: none of the ${result.candidates.length} Conclave envelope${result.candidates.length === 1 ? '' : 's'} attached to ${result.image} meets the policy for this image.`);
    for (const candidate of result.candidates) {
      lines.push('', `envelope sha256:${candidate.envelopeDigest.replace(/^sha256:/, '')} (${describeLocations(candidate.locations)}):`);
      lines.push(...formatReport(candidate.report).split('\n').map((line) => `  ${line}`));
    }
  }
  lines.push('', ...describeOtherVerifiers(result));
  return `${lines.join('\n')}\n`;
}

/**
 * What the cluster's verifiers will find attached (issue 14): the publisher's Verification Summary, which the
 * documented Kyverno policies require, and the approvers' Notary Project signatures, which notation reads.
 */
function describeOtherVerifiers(result: RegistryVerification): string[] {
  const short = (digest: string) => `sha256:${digest.replace(/^sha256:/, '').slice(0, 12)}…`;
  const lines: string[] = [];
  const confirmed = result.summaries.find((summary) => summary.ok);
  if (result.summaries.length === 0) lines.push('Verification Summary: none attached; Kyverno with the policies of docs/verify.md refuses this image.');
  else if (confirmed) lines.push(`Verification Summary: ${short(confirmed.envelopeDigest)} signed by ${confirmed.signedBy} (release manager), PASSED under this policy, names the envelope that verified.`);
  else lines.push('Verification Summary: none that counts; Kyverno with the policies of docs/verify.md refuses this image.');
  for (const summary of result.summaries) if (!summary.ok) lines.push(`  refused ${short(summary.envelopeDigest)}: ${summary.problem}`);
  if (result.notarySignatures.length === 0) lines.push('Notary signatures: none attached.');
  for (const notary of result.notarySignatures) {
    const by = notary.approverId ? ` by ${notary.approverId}` : '';
    lines.push(notary.ok ? `Notary signature ${short(notary.artifact)}${by}: checks out.` : `Notary signature ${short(notary.artifact)}${by}: refused: ${notary.problem}`);
  }
  return lines;
}

function registryVerificationJson(result: RegistryVerification) {
  return {
    ok: result.ok,
    image: result.image,
    ...(result.problem ? { problem: result.problem } : {}),
    ...(result.verified ? { verifiedEnvelope: result.verified.envelopeDigest, approvedBy: result.verified.report.approvedBy } : {}),
    envelopes: result.candidates.map((candidate) => ({
      digest: candidate.envelopeDigest,
      locations: candidate.locations,
      ok: candidate.report.ok,
      approvedBy: candidate.report.approvedBy,
      failures: candidate.report.failures,
      notes: candidate.report.notes,
      artifacts: candidate.report.artifacts,
    })),
    otherAttestations: result.others,
    verificationSummaries: result.summaries,
    notarySignatures: result.notarySignatures,
  };
}

/** The chain of policy ceremonies in the store: the ceremony engine, loaded only for --policy-chain-from-store. */
async function chainFromStore(io: CliIo, store: string | undefined) {
  const [{ policyChainFromStore }, { localCeremonyService }] = await Promise.all([import('../../core/policy-trust/policy-chain'), import('../../core/ceremony/local-service')]);
  return policyChainFromStore(localCeremonyService({ dataDir: appDataDir(io.env), storeDir: ceremonyStoreDir(io.env, store) }));
}
