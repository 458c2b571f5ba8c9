/** `conclave ceremony …`: the ceremony engine on the command line. */
import { localCeremonyService } from '../../core/ceremony/local-service';
import { resolve } from 'node:path';
import type { CeremonyView } from '../../../shared/ceremony/view';
import { parsePkcs11Uri } from '../../../shared/pkcs11/uri';
import { parseReleaseStatement } from '../../../shared/statement/statement';
import { formatReport } from '../../../shared/verify/format';
import { formatForecast } from '../../../shared/verify/forecast';
import { escapeControlCharacters } from '../../../shared/text/control-characters';
import { appDataDir, ceremonyStoreDir } from '../../core/app-paths';
import type { CeremonyService, CeremonySigner, LoadedCeremony } from '../../core/ceremony/ceremony-service';
import { ArtifactLocations, publishedVerifyCommand } from '../../core/ceremony/artifact-locations';
import type { LoginHold, TokenService } from '../../core/tokens/token-service';
import { tokensFor, type CommandTokens } from '../command-tokens';
import { takeStartedHashing, takeStartedTokens } from '../ahead';
import { protectedAuthenticationPath } from '../../core/tokens/token-flags';
import { UsageError, type CliIo } from '../io';
import { registryOptions } from '../registry-options';
import { pinFor, terminalPinPrompt } from '../pin';
import { noticeWhileWaiting, waitingMessage } from '../waiting';
import { runExport, runImport } from './ceremony-bundle';
import type { CommandInput } from '../command-spec';
import { exitCodes } from '../exit-codes';
import { nextStep, type NextStepContext } from '../next-step';
import type { OpeningPreflightInput } from '../../core/ceremony/preflight';
import { personOfKey, type Policy } from '../../../shared/policy/policy';

/**
 * Token signing for the ceremony, with the PIN asked for (or read) only when
 * a signature is made; `forget` overwrites the PINs when the command ends.
 */
function tokenSigner(io: CliIo, tokensOf: (keyUri: string) => Promise<TokenService>): CeremonySigner & { forget(): void; logOut(): Promise<void> } {
  // An approval signs twice (the statement, then its event): ask once per command. The PIN lives, as bytes, only as long as the command.
  const pins = new Map<string, Buffer>();
  // One login for the command's signatures (a PIN pad asks once per approval), ended when the command is done.
  let hold: LoginHold | undefined;
  return {
    forget() {
      for (const pin of pins.values()) pin.fill(0);
      pins.clear();
    },
    /** Ends the kept login before the token hosts stop: a module should not be left with a logged-in session when its thread ends. */
    async logOut() {
      const held = hold;
      hold = undefined;
      await held?.release();
    },
    async keyId(keyUri) {
      const tokens = await tokensOf(keyUri);
      return (await tokens.resolveKey(keyUri, await lookupPin(tokens, keyUri))).key.keyId;
    },
    async certificate(keyUri) {
      const tokens = await tokensOf(keyUri);
      return (await tokens.resolveKey(keyUri, await lookupPin(tokens, keyUri))).key.certificatePem;
    },
    async attestation(keyUri) {
      return (await tokensOf(keyUri)).attestation(keyUri);
    },
    async sign(keyUri, messages, rsaScheme) {
      const tokens = await tokensOf(keyUri);
      const pin = await pinOf(keyUri);
      hold ??= tokens.holdLogin();
      const held = hold;
      return (await waitingFor(tokens, keyUri, 'sign', () => tokens.signMany(keyUri, messages, pin, rsaScheme, held))).signatures;
    },
    async unlock(keyUri) {
      const pin = await pinOf(keyUri);
      const tokens = await tokensOf(keyUri);
      if (pin !== null) await waitingFor(tokens, keyUri, 'log in', () => tokens.login(keyUri, pin));
    },
  };

  /** A token that takes long is waiting for its person: say so (once) after about two seconds. */
  async function waitingFor<T>(tokens: TokenService, keyUri: string, doing: string, work: () => Promise<T>): Promise<T> {
    const { token } = await tokens.resolveToken(keyUri);
    return noticeWhileWaiting(work, () => io.err(waitingMessage({ tokenLabel: token.label, pinPad: (token.flags & protectedAuthenticationPath) !== 0, doing })));
  }

  /** A token that shows its keys only after login (a YubiHSM 2) needs the PIN to find one; others are looked up without. */
  async function lookupPin(tokens: TokenService, keyUri: string): Promise<Buffer | null | undefined> {
    return (await tokens.keysNeedLogin(keyUri)) ? pinOf(keyUri) : undefined;
  }

  /** The PIN for the key's token: asked (or read from --pin-env) once per command; null for a PIN pad. */
  async function pinOf(keyUri: string): Promise<Buffer | null> {
    const { token } = await (await tokensOf(keyUri)).resolveToken(keyUri);
    if ((token.flags & protectedAuthenticationPath) !== 0) return null;
    const pin = pins.get(token.serial) ?? (await pinFor({ uri: parsePkcs11Uri(keyUri), pinVariable: io.pinVariable, tokenLabel: token.label, prompt: terminalPinPrompt(io) }));
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

function describe(view: CeremonyView, policy: Policy | undefined, context: NextStepContext): string {
  const lines = [
    `${view.id}  ${view.release.name} ${view.release.version}  ${view.state.toUpperCase()}${view.policyTrusted === false ? '  UNTRUSTED POLICY' : ''}`,
    `  opened ${view.openedAt} by ${view.openedBy ?? 'unknown'}; expires ${view.expiresAt}`,
    ...view.artifacts.map((artifact) => `  artifact sha256:${artifact.digest.sha256}  ${artifact.name}`),
    ...view.findings.map((finding) => `  ${finding.status.padEnd(4)}  ${finding.message}`),
  ];
  if (view.frozen) lines.push(`  statement sha256:${view.frozen.statementDigest}`);
  if (view.tally) lines.push(`  ${view.tally}`);
  for (const rejection of view.rejections) lines.push(`  rejected by key ${rejection.keyId.slice(0, 16)}…: ${rejection.reason}`);
  for (const problem of view.problems) lines.push(`  ! [${problem.code}] ${problem.message}`);
  lines.push(nextStep(view, policy, context));
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

/** The store a command names, made absolute, so the commands it prints reach the same store from any folder. */
function storeContext(input: CommandInput): NextStepContext {
  const store = input.string('store');
  return store ? { store: resolve(store) } : {};
}

/** A ceremony for people (the whole description), for programs (--json: the view), or nothing (--quiet). */
function report(io: CliIo, input: CommandInput, ceremony: LoadedCeremony, summary?: string): void {
  if (input.json) io.out(`${JSON.stringify(ceremony.view, null, 2)}\n`);
  else if (input.quiet) return;
  else if (summary) io.out(`${summary}\n${nextStep(ceremony.view, ceremony.policy, storeContext(input))}\n`);
  else io.out(describe(ceremony.view, ceremony.policy, storeContext(input)));
}

/** Who the policy says a key is: "alice", or the key's short id when the policy does not name it. */
function personOf(ceremony: LoadedCeremony, keyId: string | undefined): string {
  if (!keyId) return 'you';
  return (ceremony.policy ? personOfKey(ceremony.policy, keyId)?.id : undefined) ?? `key ${keyId.slice(0, 16)}…`;
}

const ceremonyId = (input: CommandInput) => input.positionals[0]!;
const requireKey = (input: CommandInput) => {
  const key = input.string('key');
  if (!key) throw new UsageError("needs --key with your key's PKCS#11 URI.");
  return key;
};
const serviceOptions = (input: CommandInput) => ({ store: input.string('store'), keyUri: input.string('key') });

/** A decision (approve, reject, withdraw): the statement shown from its own bytes first, then signed bound to its digest. */
async function decide(action: 'approve' | 'reject' | 'withdraw', input: CommandInput, io: CliIo): Promise<number> {
  const id = ceremonyId(input);
  const keyUri = requireKey(input);
  const reason = input.string('reason');
  if (action !== 'approve' && !reason) throw new UsageError(`needs --reason: a ${action === 'reject' ? 'rejection' : 'withdrawal'} says why.`);
  return withCeremonyService(io, serviceOptions(input), async (service) => {
    // What you review is what you sign: the statement is shown from its own bytes, and the decision binds that digest.
    const shown = await service.load(id);
    const shownDigest = normalizedDigest(input.string('statement')) ?? shown.view.frozen?.statementDigest;
    if (shown.statement && shown.view.frozen && !input.quiet && !input.json) io.err(describeStatementToSign(shown.statement, shown.view.frozen.statementDigest));
    // Decided on the ceremony as shown: it is not read and judged again (issue 11).
    // Approving reads the images' registries for their Notary signatures (issue 14): --insecure-registry reaches a plain-HTTP one.
    const bound = { ...(shownDigest ? { statementDigest: shownDigest } : {}), loaded: shown, ...(action === 'approve' ? { registry: registryOptions(io, input.strings('insecure-registry')) } : {}) };
    const before = new Set([...shown.view.approvals, ...shown.view.rejections].map((decision) => `${decision.type}:${decision.keyId}:${decision.at}`));
    const decided = action === 'approve' ? await service.approve(id, keyUri, bound) : action === 'reject' ? await service.reject(id, keyUri, reason!, bound) : await service.withdraw(id, keyUri, reason!, bound);
    const mine = [...decided.view.approvals, ...decided.view.rejections].find((decision) => !before.has(`${decision.type}:${decision.keyId}:${decision.at}`));
    const withdrawnBy = action === 'withdraw' ? shown.view.approvals.find((approval) => !decided.view.approvals.some((still) => still.keyId === approval.keyId))?.keyId : undefined;
    const who = personOf(decided, mine?.keyId ?? withdrawnBy);
    const verb = { approve: 'Approved', reject: 'Rejected', withdraw: 'Withdrew the approval of' }[action];
    const subject = action === 'withdraw' ? `${verb} ${who} from ${id}` : `${verb} ${id} as ${who}`;
    report(io, input, decided, `${subject} (${decided.view.tally ?? decided.view.state}).`);
    return exitCodes.done;
  });
}

/** The runner of each ceremony command, by the name the catalog loads it with. */
/**
 * A ceremony in `conclave ceremony list`: its state and tally, and, as `show` says it, when this machine does not
 * trust its policy. Under such a policy the tally counts keys the policy itself names: anyone who can push to the
 * store can write one, so the list must not read as a release the team approved.
 */
function listLine(view: CeremonyView): string {
  const untrusted = view.policyTrusted === false ? '  UNTRUSTED POLICY' : '';
  return `${view.id}  ${view.state.padEnd(9)}  ${view.release.name} ${view.release.version}  ${view.tally ?? ''}${untrusted}\n`;
}

export const ceremonyRunners = {
  async open(input: CommandInput, io: CliIo): Promise<number> {
    const policyPath = input.string('policy');
    const releaseText = input.string('release');
    const artifacts = input.strings('artifact');
    const images = input.strings('image');
    if (!policyPath || !releaseText || (artifacts.length === 0 && images.length === 0)) throw new UsageError('needs --policy, --release, at least one --artifact or --image, and --key.');
    const release = parseRelease(releaseText);
    const purl = input.string('purl');
    const sbom = input.string('sbom');
    const provenanceKeys = input.strings('provenance-key');
    // What the ceremony is opened with; --check judges exactly this without opening anything.
    const evidence = {
      policyPath,
      release: { ...release, ...(purl ? { purl } : {}) },
      artifactPaths: artifacts,
      ...(images.length > 0 ? { imageReferences: images, registry: registryOptions(io, input.strings('insecure-registry')) } : {}),
      provenancePaths: input.strings('provenance'),
      ...(sbom ? { sbomPath: sbom } : {}),
      ...(provenanceKeys.length > 0 ? { provenanceKeyPaths: provenanceKeys } : {}),
    };
    if (input.flag('check')) return checkOpening(input, io, evidence);
    const keyUri = requireKey(input);
    return withCeremonyService(io, serviceOptions(input), async (service) => {
      // Hashing the artifacts began with the command, in a thread of its own (ahead.ts): the opening takes it, and ends it.
      const hashingStarted = takeStartedHashing();
      const opened = await service.open({
        ...evidence,
        openerKeyUri: keyUri,
        sha512: input.flag('sha512'),
        ...(hashingStarted ? { hashingStarted } : {}),
        ...(io.signal ? { signal: io.signal } : {}),
      });
      // The id first, always: scripts take the first line (or the only one, with --quiet).
      if (input.json) io.out(`${JSON.stringify(opened.view, null, 2)}\n`);
      else if (input.quiet) io.out(`${opened.view.id}\n`);
      else io.out(`${opened.view.id}\n${describe(opened.view, opened.policy, storeContext(input))}`);
      // Opened but not frozen: a finding failed, and the ceremony takes no approvals until someone decides (exit 3).
      return opened.view.state === 'open' ? exitCodes.blocked : exitCodes.done;
    });
  },

  async list(input: CommandInput, io: CliIo): Promise<number> {
    const storeDir = ceremonyStoreDir(io.env, input.string('store'));
    return withCeremonyService(io, serviceOptions(input), async (service) => {
      const views = await service.list();
      if (input.json) io.out(`${JSON.stringify(views, null, 2)}\n`);
      else if (input.quiet) io.out(views.map((view) => `${view.id}\n`).join(''));
      else io.out(views.length === 0 ? `No ceremonies in ${storeDir}. Open one with: conclave ceremony open --help\n` : views.map(listLine).join(''));
      return exitCodes.done;
    });
  },

  async show(input: CommandInput, io: CliIo): Promise<number> {
    return withCeremonyService(io, serviceOptions(input), async (service) => {
      report(io, input, await service.load(ceremonyId(input)));
      return exitCodes.done;
    });
  },

  async freeze(input: CommandInput, io: CliIo): Promise<number> {
    const overrideReason = input.string('override-reason');
    const keyUri = requireKey(input);
    return withCeremonyService(io, serviceOptions(input), async (service) => {
      const frozen = await service.freeze(ceremonyId(input), { keyUri, ...(overrideReason ? { overrideReason } : {}) });
      const overrides = frozen.view.frozen?.overrides.length ?? 0;
      report(io, input, frozen, `Froze ${frozen.view.id}: statement sha256:${frozen.view.frozen?.statementDigest ?? '?'}${overrides > 0 ? `, ${overrides} failed finding${overrides === 1 ? '' : 's'} overridden` : ''}.`);
      return exitCodes.done;
    });
  },

  approve: (input: CommandInput, io: CliIo) => decide('approve', input, io),
  reject: (input: CommandInput, io: CliIo) => decide('reject', input, io),
  withdraw: (input: CommandInput, io: CliIo) => decide('withdraw', input, io),

  async cancel(input: CommandInput, io: CliIo): Promise<number> {
    const reason = input.string('reason');
    const keyUri = requireKey(input);
    return withCeremonyService(io, serviceOptions(input), async (service) => {
      const cancelled = await service.cancel(ceremonyId(input), { ...(reason ? { reason } : {}), keyUri });
      report(io, input, cancelled, `Cancelled ${cancelled.view.id}${reason ? `: ${reason}` : ''}.`);
      return exitCodes.done;
    });
  },

  async publish(input: CommandInput, io: CliIo): Promise<number> {
    if (input.flag('dry-run')) return publishDryRun(input, io);
    const out = input.string('out');
    if (!out) throw new UsageError('needs --out DIR: where to write the envelope, bundles and summary.');
    const keyUri = requireKey(input);
    return withCeremonyService(io, serviceOptions(input), async (service) => {
      const id = ceremonyId(input);
      const published = await service.publish(id, out, keyUri, { registry: registryOptions(io, input.strings('insecure-registry')) });
      const { command: verify, unlocated } = await publishedVerifyCommand(new ArtifactLocations(appDataDir(io.env)), id, published.artifacts, published);
      if (input.json) io.out(`${JSON.stringify({ ...published, report: undefined, ok: published.report.ok, approvedBy: published.report.approvedBy, artifacts: undefined, verifyCommand: verify, ...(unlocated.length > 0 ? { unlocatedArtifacts: unlocated } : {}) }, null, 2)}\n`);
      else if (input.quiet) io.out(`${published.envelopePath}\n`);
      else {
        const attached = published.registry.map((entry) => `image    ${entry.image}  ${entry.alreadyPresent ? 'already attached' : 'attached'} (${entry.via === 'referrers-api' ? 'referrers API' : 'referrers tag'}, artifact ${entry.artifactDigest}; cosign tag ${entry.cosignTag})\n`);
        io.out(
          `${formatReport(published.report)}\nenvelope ${published.envelopePath}\n${published.bundlePaths.map((path) => `bundle   ${path}`).join('\n')}\nsummary  ${published.summaryPath}\nvsa      ${published.verificationSummary.envelopePath}\n${attached.join('')}` +
            `Published ${id}. Next: consumers check it with\n  ${verify}\n${unlocated.length > 0 ? `(replace <path of …> with where ${unlocated.join(', ')} ${unlocated.length === 1 ? 'is' : 'are'}: ${unlocated.length === 1 ? 'it was' : 'they were'} opened on another machine or moved)\n` : ''}`,
        );
      }
      return exitCodes.done;
    });
  },

  export: (input: CommandInput, io: CliIo) => runExport(input, io),
  import: (input: CommandInput, io: CliIo) => runImport(input, io),
};


/** `ceremony open --check` (issue 16): the opening's findings and verdict; opens, signs and writes nothing, so no key. */
async function checkOpening(input: CommandInput, io: CliIo, evidence: Omit<OpeningPreflightInput, 'hashingStarted' | 'signal' | 'sha512'>): Promise<number> {
  // A --key given anyway started its token with the command (ahead.ts): nothing here signs, so it is ended unused.
  const key = input.string('key');
  const startedTokens = key ? takeStartedTokens(key) : undefined;
  await (await startedTokens?.catch(() => undefined))?.dispose();
  return withCeremonyService(io, { store: input.string('store') }, async (service) => {
    const hashingStarted = takeStartedHashing();
    // Loaded for --check alone: every other ceremony command starts without it (issue 11).
    const { formatOpeningPreflight, preflightOpening } = await import('../../core/ceremony/preflight');
    const preflight = await preflightOpening(service, { ...evidence, sha512: input.flag('sha512'), ...(hashingStarted ? { hashingStarted } : {}), ...(io.signal ? { signal: io.signal } : {}) });
    if (input.json) io.out(`${JSON.stringify(preflight, null, 2)}\n`);
    else if (!input.quiet) io.out(escapeControlCharacters(formatOpeningPreflight(preflight)));
    return preflight.blocked ? exitCodes.blocked : exitCodes.done;
  });
}

/** `ceremony publish --dry-run` (issue 14): what each verifier will say; signs, writes and pushes nothing, so no PIN. */
async function publishDryRun(input: CommandInput, io: CliIo): Promise<number> {
  if (input.string('out') !== undefined) throw new UsageError('--dry-run writes nothing: leave out --out.');
  const keyUri = input.string('key');
  return withCeremonyService(io, serviceOptions(input), async (service) => {
    const forecast = await service.forecastPublish(ceremonyId(input), keyUri);
    if (input.json) io.out(`${JSON.stringify(forecast, null, 2)}\n`);
    // Approver ids and reasons come from the policy and the store: shown, never applied by the terminal (issue 12).
    else io.out(escapeControlCharacters(`What each verifier will say about ${forecast.ceremonyId} once published${forecast.publisher ? ` by ${forecast.publisher}` : ''} (nothing was written or pushed):\n${formatForecast(forecast)}`) + '\n');
    return exitCodes.done;
  });
}

/**
 * The ceremony engine of this machine for one command, signing with tokens
 * (the token host starts only when a key is first used) and judging with the
 * policies this machine trusts; the token host is stopped when `run` ends.
 */
export async function withCeremonyService<T>(io: CliIo, options: { store?: string | undefined; keyUri?: string | undefined }, run: (service: CeremonyService) => Promise<T>): Promise<T> {
  // One command signs with one key (an opening and its freeze, an approval and its event): the tokens are opened once, for the first key used.
  // The key is known from the start: its token starts while the ceremony is read and judged (issue 11).
  // Token hosts get the command's environment, which has no --pin-env variable (runCli took it into io.pinVariable).
  // A ceremony command signs and never makes keys: each token's keys are listed once for the command (command-tokens.ts).
  let session: Promise<CommandTokens> | undefined = options.keyUri ? (takeStartedTokens(options.keyUri) ?? tokensFor(io, options.keyUri, { keysListedOnce: true })) : undefined;
  session?.catch(() => undefined); // a failure is reported when the key is used, or not at all
  const tokensOf = async (keyUri: string) => (await (session ??= tokensFor(io, keyUri, { keysListedOnce: true }))).tokens;
  const signer = tokenSigner(io, tokensOf);
  const service = localCeremonyService({ dataDir: appDataDir(io.env), storeDir: ceremonyStoreDir(io.env, options.store), signer, signal: io.signal });
  try {
    return await run(service);
  } finally {
    signer.forget();
    await signer.logOut();
    await (await session?.catch(() => undefined))?.dispose();
  }
}
