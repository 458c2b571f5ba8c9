/**
 * The world the attacks happen in: a team with a policy, its members' SoftHSM2
 * tokens, the team's machine (a data folder that trusts the team's policy, and
 * the shared ceremony store), and the built `conclave` command run as a real
 * process. Each test file makes its own world in beforeAll.
 *
 * The team (policy "team", 2 of alice, bob, carol, dave; rita manages releases):
 * - alice, bob, carol: honest approvers; their keys live on their tokens and
 *   the tests never hold them;
 * - dave: an approver who is also an insider attacker: his token holds his key,
 *   and he has a copy of it to sign files by hand;
 * - rita: the release manager (a `releaseManagers` entry), also an insider
 *   attacker with a copy of her key;
 * - mallory: an outsider with push access to the shared store and a key of her
 *   own that no policy of the team lists.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CeremonyView } from '../../../shared/ceremony/view';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../../support/softhsm';
import { makeTestKey, type TestKey } from '../../support/test-keys';
import { eventOf, type EventJson } from './forge';
import { ceremonyFolder } from '../../../shared/ceremony/store-layout';

export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
// What bin/conclave.js loads.
const builtCli = join(projectRoot, 'out', 'main', 'cjs', 'cli-start.cjs');
const binConclave = join(projectRoot, 'bin', 'conclave.js');
export const fixture = (name: string): string => join(projectRoot, 'tests', 'fixtures', 'real', name);
/** A real release artifact whose real SLSA provenance (slsa-github-generator) names it: an honest opening freezes at once. */
export const artifactName = 'binary-linux-amd64-multi-subject-first';
export const provenanceName = `${artifactName}.intoto.jsonl`;

export const honestParties = ['alice', 'bob', 'carol'] as const;
export type Honest = (typeof honestParties)[number];
export type Party = Honest | 'dave' | 'rita';
export const pin = '1234';
export const keyUri = (token: string): string => `pkcs11:token=${token};object=release-signing`;

/** What a CLI run came to: its exit code (null when it had to be killed) and what it printed. */
export interface CliResult {
  code: number | null;
  out: string;
  err: string;
  timedOut: boolean;
}

export interface CliOptions {
  /** CONCLAVE_HOME: the machine it runs on (default: the team's machine). */
  home?: string;
  /** CONCLAVE_STORE (default: the team's shared store). */
  store?: string;
  timeoutMs?: number;
}

export function requireBuiltCli(): void {
  if (!existsSync(builtCli)) throw new Error(`The attacker suite drives the built CLI, and ${builtCli} does not exist: run "npm run build" first.`);
}

/**
 * Runs a process to its end, or kills its whole process group (token hosts
 * included) at the deadline: nothing a test starts outlives it.
 */
export function runProcess(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      // Whatever it forked (a token host) goes with it.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
      resolve({ code: timedOut ? null : code, out, err, timedOut });
    });
  });
}

/** `conclave ARGS` as a process: bin/conclave.js, which runs the built CLI (out/main/cjs/cli-start.cjs). */
export const conclaveArgv = (args: string[]): string[] => [binConclave, ...args];

export const binConclavePath = binConclave;

export interface StoredFile {
  name: string;
  text: string;
  event: EventJson;
}

export interface AttackWorld {
  dir: string;
  /** The team's machine: it trusts the team's policy. */
  home: string;
  /** The team's shared ceremony store. */
  store: string;
  /** Files: the artifact, policies, published output. */
  work: string;
  tokens: TokenFolder;
  /** Public keys and keyids of everyone in the team, and mallory's. */
  keyIds: Record<Party | 'mallory', string>;
  publicKeys: Record<Party | 'mallory', string>;
  /** The keys the attackers hold: dave's and rita's are also on their tokens. */
  attackers: { dave: TestKey; rita: TestKey; mallory: TestKey };
  /** The team's policy file and document. */
  policyPath: string;
  policy: Record<string, unknown>;
  artifactPath: string;
  cli(args: string[], options?: CliOptions): Promise<CliResult>;
  /** A machine of its own (a data folder), trusting the given policy files. */
  machine(name: string, trusted: string[]): Promise<string>;
  /** Opens a ceremony through the CLI with the real artifact and provenance; the opening freezes at once. */
  open(options?: OpenOptions): Promise<string>;
  show(id: string, options?: CliOptions): Promise<CeremonyView>;
  /** `ceremony approve` with the person's token. */
  approve(id: string, who: Party, options?: CliOptions): Promise<CliResult>;
  /** `conclave audit verify --json` on the team's store: its exit code and the findings about one ceremony. */
  audit(id: string): Promise<{ code: number | null; findings: { code: string; file?: string }[] }>;
  eventsDir(id: string, store?: string): string;
  /** The event files that read as events, by name. */
  files(id: string, store?: string): StoredFile[];
  /** The files of one event type, oldest name first. */
  filesOf(id: string, type: string, store?: string): StoredFile[];
  /** A token whose key object is one person's public key and whose private key is another key (a swapped or doctored token). */
  addSwappedToken(label: string, publicKeyOf: Party, privateKey: TestKey): void;
  cleanup(): void;
}

export interface OpenOptions {
  opener?: Party;
  release?: string;
  policyPath?: string;
  /** Provenance file (default: the artifact's real provenance, which passes). */
  provenance?: string;
  /** The state the opening must leave the ceremony in (default: frozen, as when nothing fails). */
  expect?: 'frozen' | 'open';
  store?: string;
  home?: string;
}

export interface WorldOptions {
  /** Changes to the team's policy document before it is written and trusted. */
  policy?: (document: Record<string, unknown>) => Record<string, unknown>;
}

export async function makeAttackWorld(options: WorldOptions = {}): Promise<AttackWorld> {
  requireBuiltCli();
  if (!softhsmModule) throw new Error('SoftHSM2 is not installed: apt-get install softhsm2');
  const root = makeDataDir();
  const dir = root.dir;
  const home = join(dir, 'home');
  const store = join(dir, 'store');
  const work = join(dir, 'work');
  for (const folder of [home, store, work]) mkdirSync(folder, { recursive: true });
  const tokens = makeTokenFolder();

  // Keys are made in software and imported into SoftHSM2, as an administrator provisions tokens;
  // only the attackers keep a copy, the honest parties' exist only on their tokens.
  const made: Record<Party | 'mallory', TestKey> = {
    alice: makeTestKey('ecdsa-p256'),
    bob: makeTestKey('ecdsa-p256'),
    carol: makeTestKey('ecdsa-p256'),
    dave: makeTestKey('ecdsa-p256'),
    rita: makeTestKey('ecdsa-p256'),
    mallory: makeTestKey('ecdsa-p256'),
  };
  const util = (args: string[]) => execFileSync('softhsm2-util', args, { env: { ...process.env, ...tokens.env }, stdio: 'pipe' });
  const importKey = (token: string, key: TestKey) => {
    const pemPath = join(tokens.dir, `${token}.p8.pem`);
    writeFileSync(pemPath, key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    util(['--import', pemPath, '--token', token, '--label', 'release-signing', '--id', '01', '--pin', pin]);
    rmSync(pemPath);
  };
  for (const who of ['alice', 'bob', 'carol', 'dave', 'rita'] as const) {
    tokens.addToken(who, pin);
    importKey(who, made[who]);
  }
  const keyIds = Object.fromEntries(Object.entries(made).map(([who, key]) => [who, key.keyId])) as AttackWorld['keyIds'];
  const publicKeys = Object.fromEntries(Object.entries(made).map(([who, key]) => [who, key.publicKeyPem])) as AttackWorld['publicKeys'];

  let policy: Record<string, unknown> = {
    version: 1,
    name: 'team',
    threshold: 2,
    approvers: (['alice', 'bob', 'carol', 'dave'] as const).map((id) => ({ id, publicKey: publicKeys[id] })),
    releaseManagers: [{ id: 'rita', name: 'Rita Release', publicKey: publicKeys.rita }],
  };
  if (options.policy) policy = options.policy(policy);
  const policyPath = join(work, 'team.json');
  writeFileSync(policyPath, `${JSON.stringify(policy, null, 2)}\n`);
  const artifactPath = join(work, artifactName);
  copyFileSync(fixture(artifactName), artifactPath);

  const envFor = (options: CliOptions = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    ...tokens.env,
    CONCLAVE_HOME: options.home ?? home,
    CONCLAVE_STORE: options.store ?? store,
    CONCLAVE_PKCS11_MODULES: softhsmModule,
    PIN: pin,
  });
  const cli = (args: string[], options: CliOptions = {}) => runProcess(conclaveArgv(args), envFor(options), options.timeoutMs ?? 90_000);
  const must = async (args: string[], options: CliOptions = {}, expectedCode = 0) => {
    const result = await cli(args, options);
    if (result.timedOut || result.code !== expectedCode) throw new Error(`conclave ${args.join(' ')} failed (${result.timedOut ? 'timed out' : `exit ${result.code}`}): ${result.err}${result.out}`);
    return result;
  };
  const machine = async (name: string, trusted: string[]) => {
    const machineHome = join(dir, `home-${name}`);
    mkdirSync(machineHome, { recursive: true });
    for (const path of trusted) await must(['policy', 'trust', path, '--yes'], { home: machineHome });
    return machineHome;
  };
  await must(['policy', 'trust', policyPath, '--yes']);

  const eventsDir = (id: string, inStore = store) => join(inStore, ceremonyFolder(id), 'events');
  /** The ceremony's event files that read as events (files planted to be unreadable are left out). */
  const files = (id: string, inStore = store): StoredFile[] => {
    const folder = eventsDir(id, inStore);
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .filter((name) => name.endsWith('.json') && statSync(join(folder, name)).size < 1024 * 1024)
      .sort()
      .flatMap((name) => {
        const text = readFileSync(join(folder, name), 'utf8');
        try {
          return [{ name, text, event: eventOf(text) }];
        } catch {
          return [];
        }
      });
  };

  const world: AttackWorld = {
    dir,
    home,
    store,
    work,
    tokens,
    keyIds,
    publicKeys,
    attackers: { dave: made.dave, rita: made.rita, mallory: made.mallory },
    policyPath,
    policy,
    artifactPath,
    cli,
    machine,
    async open(openOptions = {}) {
      const cliOptions = { ...(openOptions.home ? { home: openOptions.home } : {}), ...(openOptions.store ? { store: openOptions.store } : {}) };
      const opened = await must(
        [
          'ceremony', 'open', '--policy', openOptions.policyPath ?? policyPath, '--release', openOptions.release ?? 'app@1.0.0',
          '--artifact', artifactPath, '--provenance', openOptions.provenance ?? fixture(provenanceName), '--key', keyUri(openOptions.opener ?? 'rita'), '--pin-env', 'PIN', '--json',
        ],
        cliOptions,
        // Exit 3: opened, but blocked by a failed finding.
        openOptions.expect === 'open' ? 3 : 0,
      );
      const view = JSON.parse(opened.out) as CeremonyView;
      if (view.state !== (openOptions.expect ?? 'frozen')) throw new Error(`The opening left the ceremony ${view.state}, not ${openOptions.expect ?? 'frozen'}: ${opened.out}`);
      return view.id;
    },
    async show(id, cliOptions = {}) {
      return JSON.parse((await must(['ceremony', 'show', id, '--json'], cliOptions)).out) as CeremonyView;
    },
    async audit(id) {
      const result = await cli(['audit', 'verify', '--json']);
      if (result.timedOut) throw new Error('conclave audit verify did not finish.');
      const report = JSON.parse(result.out) as { findings: { code: string; ceremonyId?: string; file?: string }[] };
      return { code: result.code, findings: report.findings.filter((finding) => finding.ceremonyId === id).map(({ code, file }) => ({ code, ...(file ? { file } : {}) })) };
    },
    approve: (id, who, cliOptions = {}) => cli(['ceremony', 'approve', id, '--key', keyUri(who), '--pin-env', 'PIN'], cliOptions),
    eventsDir,
    files,
    filesOf: (id, type, inStore) => files(id, inStore).filter((file) => file.event.type === type),
    addSwappedToken(label, publicKeyOf, privateKey) {
      // The private key goes in as a key pair; its public half is then replaced by the other person's, under the same CKA_ID.
      tokens.addToken(label, pin);
      importKey(label, privateKey);
      const tool = (args: string[]) => execFileSync('pkcs11-tool', ['--module', softhsmModule!, '--token-label', label, '--login', '--pin', pin, ...args], { env: { ...process.env, ...tokens.env }, stdio: 'pipe' });
      tool(['--delete-object', '--type', 'pubkey', '--id', '01']);
      const derPath = join(tokens.dir, `${label}.pub.der`);
      writeFileSync(derPath, made[publicKeyOf].spki);
      tool(['--write-object', derPath, '--type', 'pubkey', '--id', '01', '--label', 'release-signing']);
    },
    cleanup() {
      tokens.cleanup();
      root.cleanup();
    },
  };
  return world;
}

/** The statement a view's freeze names, parsed: its subjects and predicate. */
export function statementOf(view: Pick<CeremonyView, 'frozen'>): { subject: { name: string; digest: { sha256: string } }[]; predicate: Record<string, unknown> } {
  if (!view.frozen) throw new Error('The ceremony has no frozen statement.');
  return JSON.parse(Buffer.from(view.frozen.statement, 'base64').toString('utf8')) as never;
}

/** The codes of a view's problems about one file. */
export const codesFor = (view: Pick<CeremonyView, 'problems'>, source: string): string[] => view.problems.filter((problem) => problem.source === source).map((problem) => problem.code);
