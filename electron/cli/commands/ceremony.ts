/** `conclave ceremony …` and `conclave verify`: the ceremony engine on the command line. */
import { localCeremonyService } from '../../core/ceremony/local-service';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CeremonyView } from '../../../shared/ceremony/view';
import { ConclaveError } from '../../../shared/errors';
import { parsePkcs11Uri } from '../../../shared/pkcs11/uri';
import { loadPolicyText } from '../../../shared/policy/policy';
import { parseReleaseStatement } from '../../../shared/statement/statement';
import { formatReport } from '../../../shared/verify/format';
import { PolicyChainError, followPolicyChain, readPolicyChain } from '../../../shared/verify/policy-chain';
import { policyChainFromStore } from '../../core/policy-trust/policy-chain';
import { verifyRelease } from '../../../shared/verify/verify';
import { appDataDir, ceremonyStoreDir } from '../../core/app-paths';
import type { CeremonyService, CeremonySigner, LoadedCeremony } from '../../core/ceremony/ceremony-service';
import { describeLocations, ociScheme, parseOciTarget, verifyFromRegistry, type RegistryVerification } from '../../core/ceremony/verify-from-registry';
import type { OciOptions } from '../../core/oci';
import type { TokenService } from '../../core/tokens/token-service';
import { tokensFor, type CommandTokens } from '../command-tokens';
import { nodeAlgorithmSignatureVerifier, nodeDigester, nodeSignatureVerifier, nodeTrustedTimeDependencies } from '../../core/crypto/node-crypto';
import { hashFiles } from '../../core/hashing';
import { protectedAuthenticationPath } from '../../core/tokens/token-flags';
import { conclaveVersion } from '../../core/version';
import { UsageError, type CliIo } from '../io';
import { pinFor, promptHidden } from '../pin';
import { ceremonyBundleUsage, runExport, runImport } from './ceremony-bundle';
import { verificationMaterial } from '../../core/ceremony/verification-material';

export const ceremonyUsage = `  ceremony open --policy FILE --release NAME@VERSION (--artifact FILE... | --image REF...)
                [--provenance FILE...] [--sbom FILE] [--provenance-key PEM...] [--purl PURL] --key URI [--sha512]
                [--insecure-registry HOST...]
                                           open a ceremony (frozen at once when no finding fails); prints its id;
                                           an --image tag is resolved once, now, and its digest is what is signed
  ceremony list|show <id> [--json]         ceremonies in the store, or one with its findings and approvals
  ceremony freeze <id> --key URI [--override-reason TEXT]
  ceremony approve <id> --key URI [--statement SHA256]
                                           sign the frozen statement with your token; it is shown first, from its own
                                           bytes, and --statement makes sure it is the one you reviewed
  ceremony reject <id> --key URI --reason TEXT [--statement SHA256]
  ceremony withdraw <id> --key URI --reason TEXT
                                           take back your approval (until the ceremony is published)
  ceremony cancel <id> --key URI [--reason TEXT]
  ceremony publish <id> --out DIR --key URI [--insecure-registry HOST...]
                                           write the combined envelope, one Sigstore bundle per approver, a summary;
                                           attach the envelope to each image of the release in its registry
${ceremonyBundleUsage}  verify --policy FILE --envelope FILE [--artifact FILE...] [--bundle FILE...] [--crl FILE...] [--json]
         (or --policy-root FIRST.json --policy-chain FILE|--policy-chain-from-store instead of --policy: the policy
          the chain of published policy ceremonies leads to from the first policy you trust)
                                           exit 0 only when the policy is met and every artifact matches;
                                           --bundle: the approvers' Sigstore bundles (time stamps, certificates);
                                           --crl: CRL files to use instead of fetching the policy's CRL URLs (offline)
  verify --policy FILE oci://REGISTRY/REPOSITORY@sha256:DIGEST [--insecure-registry HOST...] [--bundle FILE...]
                [--crl FILE...] [--json]   exit 0 only when an envelope attached to the image meets the policy
                                           and names this digest (docs/verify.md)
  (ceremony commands take --store DIR, or CONCLAVE_STORE; --pin-env VARIABLE for the token PIN;
   registries use Docker's credentials: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)
`;

const options = {
  json: { type: 'boolean', default: false },
  store: { type: 'string' },
  policy: { type: 'string' },
  release: { type: 'string' },
  purl: { type: 'string' },
  artifact: { type: 'string', multiple: true },
  provenance: { type: 'string', multiple: true },
  'provenance-key': { type: 'string', multiple: true },
  sbom: { type: 'string' },
  sha512: { type: 'boolean', default: false },
  key: { type: 'string' },
  'pin-env': { type: 'string' },
  reason: { type: 'string' },
  'override-reason': { type: 'string' },
  statement: { type: 'string' },
  out: { type: 'string' },
  envelope: { type: 'string' },
  image: { type: 'string', multiple: true },
  'insecure-registry': { type: 'string', multiple: true },
} as const;

/** How the CLI reaches registries: Docker's config from this environment (DOCKER_CONFIG, else $HOME/.docker), and plain HTTP where asked. */
function registryOptions(io: CliIo, insecure: readonly string[] | undefined): OciOptions {
  return {
    env: io.env,
    ...(io.env.HOME ? { homeDir: io.env.HOME } : {}),
    ...(insecure && insecure.length > 0 ? { insecureRegistries: insecure } : {}),
    userAgent: `conclave/${conclaveVersion}`,
  };
}

/** Token signing for the ceremony, with the PIN asked for (or read) only when a signature is made. */
function tokenSigner(io: CliIo, pinEnv: string | undefined, tokensOf: (keyUri: string) => Promise<TokenService>): CeremonySigner {
  // An approval signs twice (the statement, then its event): ask once per command. The PIN lives only as long as the command.
  const pins = new Map<string, string>();
  return {
    async keyId(keyUri) {
      return (await (await tokensOf(keyUri)).resolveKey(keyUri)).key.keyId;
    },
    async certificate(keyUri) {
      return (await (await tokensOf(keyUri)).resolveKey(keyUri)).key.certificatePem;
    },
    async sign(keyUri, messages) {
      const tokens = await tokensOf(keyUri);
      return (await tokens.signMany(keyUri, messages, await pinOf(keyUri))).signatures;
    },
    async unlock(keyUri) {
      const pin = await pinOf(keyUri);
      if (pin !== null) await (await tokensOf(keyUri)).login(keyUri, pin);
    },
  };

  /** The PIN for the key's token: asked (or read from --pin-env) once per command; null for a PIN pad. */
  async function pinOf(keyUri: string): Promise<string | null> {
    const { token } = await (await tokensOf(keyUri)).resolveToken(keyUri);
    if ((token.flags & protectedAuthenticationPath) !== 0) return null;
    const pin = pins.get(token.serial) ?? (await pinFor({ uri: parsePkcs11Uri(keyUri), pinEnv, tokenLabel: token.label, env: io.env, prompt: io.interactive ? (question) => promptHidden(question) : undefined }));
    pins.set(token.serial, pin);
    return pin;
  }
}

/** A statement digest as given on the command line: bare hex or sha256:HEX. */
function normalizedDigest(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const hex = text.replace(/^sha256:/, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new UsageError(`--statement takes the statement's SHA-256 (64 hex digits, optionally after "sha256:"), not "${text}".`);
  return hex;
}

function parseRelease(text: string): { name: string; version: string } {
  // The last "@" splits, so scoped names such as @acme/app@1.2.3 work.
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw new UsageError(`--release takes NAME@VERSION, e.g. app@1.2.3, not "${text}".`);
  return { name: text.slice(0, at), version: text.slice(at + 1) };
}

function describe(view: CeremonyView): string {
  const lines = [
    `${view.id}  ${view.release.name} ${view.release.version}  ${view.state.toUpperCase()}${view.policyTrusted === false ? '  UNTRUSTED POLICY' : ''}`,
    `  opened ${view.openedAt} by ${view.openedBy ?? 'unknown'}; expires ${view.expiresAt}`,
    ...view.artifacts.map((artifact) => `  artifact sha256:${artifact.digest.sha256}  ${artifact.name}`),
    ...view.findings.map((finding) => `  ${finding.status.padEnd(4)}  ${finding.message}`),
  ];
  if (view.frozen) lines.push(`  statement sha256:${view.frozen.statementDigest}`);
  if (view.tally) lines.push(`  ${view.tally}`);
  for (const rejection of view.rejections) lines.push(`  rejected by key ${rejection.keyId.slice(0, 16)}…: ${rejection.reason}`);
  lines.push(view.actions.length > 0 ? `  next: ${view.actions.join(', ')}` : '  next: nothing; this ceremony takes no more actions here');
  for (const problem of view.problems) lines.push(`  ! [${problem.code}] ${problem.message}`);
  return `${lines.join('\n')}\n`;
}

/**
 * What the approver is about to sign, read from the statement's own bytes
 * (never from the opening): the release, every subject, the policy and the
 * statement's digest, which the approval then binds.
 */
export function describeStatementToSign(statement: Uint8Array, digest: string): string {
  const { subject, predicate } = parseReleaseStatement(statement);
  return [
    `You are signing statement sha256:${digest}:`,
    `  release ${predicate.release.name} ${predicate.release.version} (${predicate.release.purl})`,
    ...subject.map((entry) => `  subject sha256:${entry.digest.sha256}  ${JSON.stringify(entry.name)}`),
    `  policy sha256:${predicate.policy.digest.sha256} (threshold ${predicate.policy.threshold})`,
    `  ceremony ${predicate.ceremony.id}, opened by ${predicate.ceremony.openedBy}, expires ${predicate.ceremony.expiresAt}`,
    '',
  ].join('\n');
}

export async function runCeremonyCommand(rest: string[], io: CliIo): Promise<number> {
  const [action, ...args] = rest;
  // Bundles for air-gapped signing have their own options and need no token.
  if (action === 'export') return runExport(args, io);
  if (action === 'import') return runImport(args, io);
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
  const storeDir = ceremonyStoreDir(io.env, values.store);
  return withCeremonyService(io, { store: values.store, pinEnv: values['pin-env'] }, (service) => runWithService(service));

  async function runWithService(service: CeremonyService): Promise<number> {
    const id = () => {
      if (positionals.length !== 1) throw new UsageError(`ceremony ${action} takes a ceremony id.`);
      return positionals[0]!;
    };
    const requireKey = () => {
      if (!values.key) throw new UsageError(`ceremony ${action} needs --key with your key's PKCS#11 URI.`);
      return values.key;
    };
    const show = (ceremony: LoadedCeremony) => io.out(values.json ? `${JSON.stringify(ceremony.view, null, 2)}\n` : describe(ceremony.view));
    switch (action) {
      case 'open': {
        if (!values.policy || !values.release || (!values.artifact?.length && !values.image?.length)) throw new UsageError('ceremony open needs --policy, --release, at least one --artifact or --image, and --key.');
        const release = parseRelease(values.release);
        const opened = await service.open({
          policyPath: values.policy,
          release: { ...release, ...(values.purl ? { purl: values.purl } : {}) },
          artifactPaths: values.artifact ?? [],
          ...(values.image?.length ? { imageReferences: values.image, registry: registryOptions(io, values['insecure-registry']) } : {}),
          provenancePaths: values.provenance ?? [],
          ...(values.sbom ? { sbomPath: values.sbom } : {}),
          ...(values['provenance-key'] ? { provenanceKeyPaths: values['provenance-key'] } : {}),
          openerKeyUri: requireKey(),
          sha512: values.sha512,
        });
        if (values.json) show(opened);
        else io.out(`${opened.view.id}\n${describe(opened.view)}`);
        return 0;
      }
      case 'list': {
        const views = await service.list();
        if (values.json) io.out(`${JSON.stringify(views, null, 2)}\n`);
        else io.out(views.length === 0 ? `No ceremonies in ${storeDir}.\n` : views.map((view) => `${view.id}  ${view.state.padEnd(9)}  ${view.release.name} ${view.release.version}  ${view.tally ?? ''}\n`).join(''));
        return 0;
      }
      case 'show':
        show(await service.load(id()));
        return 0;
      case 'freeze':
        show(await service.freeze(id(), { keyUri: requireKey(), ...(values['override-reason'] ? { overrideReason: values['override-reason'] } : {}) }));
        return 0;
      case 'approve':
      case 'reject':
      case 'withdraw': {
        const ceremonyId = id();
        const keyUri = requireKey();
        if (action !== 'approve' && !values.reason) throw new UsageError(`ceremony ${action} needs --reason: a ${action === 'reject' ? 'rejection' : 'withdrawal'} says why.`);
        // What you review is what you sign: the statement is shown from its own bytes, and the decision binds that digest.
        const shown = await service.load(ceremonyId);
        const shownDigest = normalizedDigest(values.statement) ?? shown.view.frozen?.statementDigest;
        if (shown.statement && shown.view.frozen) io.err(describeStatementToSign(shown.statement, shown.view.frozen.statementDigest));
        const bound = shownDigest ? { statementDigest: shownDigest } : {};
        if (action === 'approve') show(await service.approve(ceremonyId, keyUri, bound));
        else if (action === 'reject') show(await service.reject(ceremonyId, keyUri, values.reason!, bound));
        else show(await service.withdraw(ceremonyId, keyUri, values.reason!, bound));
        return 0;
      }
      case 'cancel':
        show(await service.cancel(id(), { ...(values.reason ? { reason: values.reason } : {}), keyUri: requireKey() }));
        return 0;
      case 'publish': {
        if (!values.out) throw new UsageError('ceremony publish needs --out DIR.');
        const published = await service.publish(id(), values.out, requireKey(), { registry: registryOptions(io, values['insecure-registry']) });
        if (values.json) io.out(`${JSON.stringify({ ...published, report: undefined, ok: published.report.ok, approvedBy: published.report.approvedBy }, null, 2)}\n`);
        else {
          const attached = published.registry.map((entry) => `image    ${entry.image}  ${entry.alreadyPresent ? 'already attached' : 'attached'} (${entry.via === 'referrers-api' ? 'referrers API' : 'referrers tag'}, artifact ${entry.artifactDigest}; cosign tag ${entry.cosignTag})\n`);
          io.out(`${formatReport(published.report)}\nenvelope ${published.envelopePath}\n${published.bundlePaths.map((path) => `bundle   ${path}`).join('\n')}\nsummary  ${published.summaryPath}\n${attached.join('')}`);
        }
        return 0;
      }
      default:
        throw new UsageError(`"ceremony ${action ?? ''}" is not a ceremony command.`);
    }
  }
}

/**
 * The ceremony engine of this machine for one command, signing with tokens
 * (the token host starts only when a key is first used) and judging with the
 * policies this machine trusts; the token host is stopped when `run` ends.
 */
export async function withCeremonyService<T>(io: CliIo, options: { store?: string | undefined; pinEnv?: string | undefined }, run: (service: CeremonyService) => Promise<T>): Promise<T> {
  // One command signs with one key (an opening and its freeze, an approval and its event): the tokens are opened once, for the first key used.
  let session: Promise<CommandTokens> | undefined;
  const tokensOf = async (keyUri: string) => (await (session ??= tokensFor(io, keyUri))).tokens;
  const service = localCeremonyService({ dataDir: appDataDir(io.env), storeDir: ceremonyStoreDir(io.env, options.store), signer: tokenSigner(io, options.pinEnv, tokensOf) });
  try {
    return await run(service);
  } finally {
    await (await session?.catch(() => undefined))?.dispose();
  }
}

export async function runVerify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      policy: options.policy,
      envelope: options.envelope,
      artifact: options.artifact,
      json: options.json,
      'insecure-registry': options['insecure-registry'],
      bundle: { type: 'string', multiple: true },
      crl: { type: 'string', multiple: true },
      'policy-root': { type: 'string' },
      'policy-chain': { type: 'string' },
      'policy-chain-from-store': { type: 'boolean', default: false },
      store: options.store,
    },
  });
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
    if (values.policy) return loadPolicyText((await read(values.policy, 'policy file')).toString('utf8'), nodeDigester);
    if (!values['policy-root'] || !chained) throw new UsageError('verify needs --policy FILE (the policy your team keeps), or --policy-root FIRST.json with --policy-chain FILE or --policy-chain-from-store.');
    const root = await loadPolicyText((await read(values['policy-root'], 'root policy file')).toString('utf8'), nodeDigester);
    const chain = values['policy-chain'] !== undefined ? readPolicyChain((await read(values['policy-chain'], 'policy chain file')).toString('utf8')) : await policyChainFromStore(localCeremonyService({ dataDir: appDataDir(io.env), storeDir: ceremonyStoreDir(io.env, values.store) }));
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
    if (positionals.length > 1 || !positionals[0]!.startsWith(ociScheme)) throw new UsageError(`verify takes one image, as oci://REGISTRY/REPOSITORY@sha256:DIGEST (not "${positionals.join(' ')}"); for files give --envelope FILE and --artifact FILE.`);
    if (values.envelope || values.artifact) throw new UsageError('verify oci://… reads the envelopes attached to the image in its registry: leave out --envelope and --artifact.');
    const reference = parseOciTarget(positionals[0]!);
    if (reference.digest === undefined) {
      const given = positionals[0]!.slice(ociScheme.length);
      throw new UsageError(
        `give the digest: conclave verify checks what you deploy, not what a tag points to now. ${given} names the tag ${reference.tag ?? 'latest'}; deploy by digest and verify that digest: oci://${reference.registry}/${reference.repository}@sha256:<digest> (crane digest ${given}, or docker buildx imagetools inspect ${given}, prints it).`,
      );
    }
    const policy = await policyToVerifyWith();
    // The registry carries the combined envelope; approvers' time stamps and certificates come from their bundles, as for files.
    const material = await verificationMaterial(policy, { bundles: values.bundle ?? [], crls: values.crl ?? [] });
    const result = await verifyFromRegistry({ ...reference, digest: reference.digest }, policy, registryOptions(io, values['insecure-registry']), {
      material,
      dependencies: { signatureVerifier: nodeSignatureVerifier, trustedTime: nodeTrustedTimeDependencies, certificates: { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier } },
    });
    io.out(values.json ? `${JSON.stringify(registryVerificationJson(result), null, 2)}\n` : describeRegistryVerification(result));
    return result.ok ? 0 : 1;
  }
  if (!values.envelope) throw new UsageError('verify needs --policy FILE and --envelope FILE, or --policy FILE and an image as oci://REGISTRY/REPOSITORY@sha256:DIGEST.');
  const policy = await policyToVerifyWith();
  const envelope = new Uint8Array(await read(values.envelope, 'envelope file'));
  const artifactPaths = values.artifact ?? [];
  const hashed = await hashFiles(artifactPaths, { algorithms: ['sha256'] });
  const artifacts = hashed.map((outcome, index) => {
    if (!outcome.ok) throw new ConclaveError('invalid-input', outcome.error.message);
    return { name: artifactPaths[index]!.split(/[/\\]/).pop()!, sha256: outcome.digest.digests.sha256! };
  });
  // The approvers' Sigstore bundles carry their time stamps and, for approvers identified by certificate, their certificates.
  const material = await verificationMaterial(policy, { bundles: values.bundle ?? [], crls: values.crl ?? [] });
  const report = await verifyRelease(
    { envelope, policy, artifacts, ...material },
    { signatureVerifier: nodeSignatureVerifier, trustedTime: nodeTrustedTimeDependencies, certificates: { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier } },
  );
  io.out(values.json ? `${JSON.stringify({ ok: report.ok, approvedBy: report.approvedBy, failures: report.failures, notes: report.notes, signatures: report.signatures, artifacts: report.artifacts }, null, 2)}\n` : `${formatReport(report)}\n`);
  return report.ok ? 0 : 1;
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
  return `${lines.join('\n')}\n`;
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
  };
}
