/** `conclave ceremony …` and `conclave verify`: the ceremony engine on the command line. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CeremonyView } from '../../../shared/ceremony/reducer';
import { ConclaveError } from '../../../shared/errors';
import { parsePkcs11Uri } from '../../../shared/pkcs11/uri';
import { loadPolicyText } from '../../../shared/policy/policy';
import { formatReport } from '../../../shared/verify/format';
import { verifyRelease } from '../../../shared/verify/verify';
import { appDataDir, ceremonyStoreDir } from '../../core/app-paths';
import { CeremonyService, type CeremonySigner, type LoadedCeremony } from '../../core/ceremony/ceremony-service';
import { CeremonyStore } from '../../core/ceremony/event-store';
import { createCore, modulesFromEnvironment } from '../../core/create-core';
import type { Core } from '../../core';
import { nodeDigester, nodeSignatureVerifier } from '../../core/crypto/node-crypto';
import { hashFiles } from '../../core/hashing';
import { protectedAuthenticationPath } from '../../core/tokens/token-flags';
import { conclaveVersion } from '../../core/version';
import { UsageError, type CliIo } from '../io';
import { pinFor, promptHidden } from '../pin';
import { ceremonyBundleUsage, runExport, runImport } from './ceremony-bundle';

export const ceremonyUsage = `  ceremony open --policy FILE --release NAME@VERSION --artifact FILE...
                [--provenance FILE...] [--sbom FILE] [--provenance-key PEM...] [--purl PURL] [--key URI] [--sha512]
                                           open a ceremony (frozen at once when no finding fails); prints its id
  ceremony list|show <id> [--json]         ceremonies in the store, or one with its findings and approvals
  ceremony freeze <id> [--key URI] [--override-reason TEXT]
  ceremony approve <id> --key URI          sign the frozen statement with your token
  ceremony reject <id> --key URI --reason TEXT
  ceremony cancel <id> [--reason TEXT] [--key URI]
  ceremony publish <id> --out DIR          write the combined envelope, one Sigstore bundle per approver, a summary
${ceremonyBundleUsage}  verify --policy FILE --envelope FILE [--artifact FILE...] [--json]
                                           exit 0 only when the policy is met and every artifact matches
  (ceremony commands take --store DIR, or CONCLAVE_STORE; --pin-env VARIABLE for the token PIN)
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
  out: { type: 'string' },
  envelope: { type: 'string' },
} as const;

/** Token signing for the ceremony, with the PIN asked for (or read) only when a signature is made. */
function tokenSigner(io: CliIo, pinEnv: string | undefined, core: () => Promise<Core>): CeremonySigner {
  return {
    async keyId(keyUri) {
      return (await (await core()).tokens.resolveKey(keyUri)).key.keyId;
    },
    async sign(keyUri, messages) {
      const tokens = (await core()).tokens;
      const { token } = await tokens.resolveToken(keyUri);
      const needsPin = (token.flags & protectedAuthenticationPath) === 0;
      const pin = needsPin
        ? await pinFor({ uri: parsePkcs11Uri(keyUri), pinEnv, tokenLabel: token.label, env: io.env, prompt: io.interactive ? (question) => promptHidden(question) : undefined })
        : null;
      return (await tokens.signMany(keyUri, messages, pin)).signatures;
    },
  };
}

function parseRelease(text: string): { name: string; version: string } {
  // The last "@" splits, so scoped names such as @acme/app@1.2.3 work.
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw new UsageError(`--release takes NAME@VERSION, e.g. app@1.2.3, not "${text}".`);
  return { name: text.slice(0, at), version: text.slice(at + 1) };
}

function describe(view: CeremonyView): string {
  const lines = [
    `${view.id}  ${view.release.name} ${view.release.version}  ${view.state.toUpperCase()}`,
    `  opened ${view.openedAt} by ${view.openedBy ?? 'unknown'}; expires ${view.expiresAt}`,
    ...view.artifacts.map((artifact) => `  artifact sha256:${artifact.digest.sha256}  ${artifact.name}`),
    ...view.findings.map((finding) => `  ${finding.status.padEnd(4)}  ${finding.message}`),
  ];
  if (view.frozen) lines.push(`  statement sha256:${view.frozen.statementDigest}`);
  if (view.tally) lines.push(`  ${view.tally}`);
  for (const rejection of view.rejections) lines.push(`  rejected by key ${rejection.keyId.slice(0, 16)}…: ${rejection.reason}`);
  for (const problem of view.problems) lines.push(`  ! ${problem}`);
  return `${lines.join('\n')}\n`;
}

export async function runCeremonyCommand(rest: string[], io: CliIo): Promise<number> {
  const [action, ...args] = rest;
  // Bundles for air-gapped signing have their own options and need no token.
  if (action === 'export') return runExport(args, io);
  if (action === 'import') return runImport(args, io);
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
  let core: Core | undefined;
  const startCore = async () => {
    if (!core) {
      const modules = modulesFromEnvironment(io.env);
      core = createCore({ dataDir: appDataDir(io.env), shell: 'cli', version: conclaveVersion, env: io.env, ...(modules ? { modules } : {}) });
      await core.ready;
    }
    return core;
  };
  const storeDir = ceremonyStoreDir(io.env, values.store);
  const service = new CeremonyService(new CeremonyStore(storeDir), tokenSigner(io, values['pin-env'], startCore));
  const id = () => {
    if (positionals.length !== 1) throw new UsageError(`ceremony ${action} takes a ceremony id.`);
    return positionals[0]!;
  };
  const requireKey = () => {
    if (!values.key) throw new UsageError(`ceremony ${action} needs --key with your key's PKCS#11 URI.`);
    return values.key;
  };
  const show = (ceremony: LoadedCeremony) => io.out(values.json ? `${JSON.stringify(ceremony.view, null, 2)}\n` : describe(ceremony.view));
  try {
    switch (action) {
      case 'open': {
        if (!values.policy || !values.release || !values.artifact?.length) throw new UsageError('ceremony open needs --policy, --release and at least one --artifact.');
        const release = parseRelease(values.release);
        const opened = await service.open({
          policyPath: values.policy,
          release: { ...release, ...(values.purl ? { purl: values.purl } : {}) },
          artifactPaths: values.artifact,
          provenancePaths: values.provenance ?? [],
          ...(values.sbom ? { sbomPath: values.sbom } : {}),
          ...(values['provenance-key'] ? { provenanceKeyPaths: values['provenance-key'] } : {}),
          ...(values.key ? { openerKeyUri: values.key } : {}),
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
        show(await service.freeze(id(), { keyUri: values.key, ...(values['override-reason'] ? { overrideReason: values['override-reason'] } : {}) }));
        return 0;
      case 'approve':
        show(await service.approve(id(), requireKey()));
        return 0;
      case 'reject':
        if (!values.reason) throw new UsageError('ceremony reject needs --reason: a rejection says why.');
        show(await service.reject(id(), requireKey(), values.reason));
        return 0;
      case 'cancel':
        show(await service.cancel(id(), { ...(values.reason ? { reason: values.reason } : {}), ...(values.key ? { keyUri: values.key } : {}) }));
        return 0;
      case 'publish': {
        if (!values.out) throw new UsageError('ceremony publish needs --out DIR.');
        const published = await service.publish(id(), values.out);
        if (values.json) io.out(`${JSON.stringify({ ...published, report: undefined, ok: published.report.ok, approvedBy: published.report.approvedBy }, null, 2)}\n`);
        else io.out(`${formatReport(published.report)}\nenvelope ${published.envelopePath}\n${published.bundlePaths.map((path) => `bundle   ${path}`).join('\n')}\nsummary  ${published.summaryPath}\n`);
        return 0;
      }
      default:
        throw new UsageError(`"ceremony ${action ?? ''}" is not a ceremony command.`);
    }
  } finally {
    await core?.dispose();
  }
}

export async function runVerify(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { policy: options.policy, envelope: options.envelope, artifact: options.artifact, json: options.json } });
  if (!values.policy || !values.envelope) throw new UsageError('verify needs --policy FILE and --envelope FILE.');
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch {
      throw new ConclaveError('invalid-input', `Conclave cannot read the ${what} ${path}.`);
    }
  };
  const policy = await loadPolicyText((await read(values.policy, 'policy file')).toString('utf8'), nodeDigester);
  const envelope = new Uint8Array(await read(values.envelope, 'envelope file'));
  const artifactPaths = values.artifact ?? [];
  const hashed = await hashFiles(artifactPaths, { algorithms: ['sha256'] });
  const artifacts = hashed.map((outcome, index) => {
    if (!outcome.ok) throw new ConclaveError('invalid-input', outcome.error.message);
    return { name: artifactPaths[index]!.split(/[/\\]/).pop()!, sha256: outcome.digest.digests.sha256! };
  });
  const report = await verifyRelease({ envelope, policy, artifacts }, { signatureVerifier: nodeSignatureVerifier });
  io.out(values.json ? `${JSON.stringify({ ok: report.ok, approvedBy: report.approvedBy, failures: report.failures, notes: report.notes, signatures: report.signatures, artifacts: report.artifacts }, null, 2)}\n` : `${formatReport(report)}\n`);
  return report.ok ? 0 : 1;
}
