/**
 * The PKCS#11 module families the conformance suite runs against (issue 13),
 * each a real module from Debian with tokens made the way its administrator
 * makes them, in folders of the test's own wherever the module allows it.
 * Services a family needs (swtpm for tpm2-pkcs11, pkcsslotd for openCryptoki)
 * are started by the test and stopped by it; nothing is left running.
 *
 * A family whose packages are missing reports why and the apt-get command
 * that installs them (unavailable()); the suite then skips it, by name, or,
 * with CONCLAVE_TOKEN_FAMILIES=required (CI), fails.
 */
import { execFileSync, fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyAlgorithm } from '../../../shared/keys/algorithms';
import { tokenHostEntry, type HostLauncher } from '../../../electron/core/tokens/host-process';
import { forkHostLauncher } from '../../../electron/core/tokens/host-process';
import type { ModuleSource } from '../../../electron/core/tokens/token-service';
import { makeTokenFolder, softhsmModule } from '../../support/softhsm';
import { inheritedEnvironment } from '../../support/environment';

const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
const firstExisting = (paths: string[]) => paths.find((path) => existsSync(path));
const inLibDirs = (name: string) => firstExisting(libDirs.map((dir) => join(dir, name)));
const hasCommand = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
const isRoot = process.getuid?.() === 0;

/** The user an unprivileged run uses when the tests run as root: Debian's nobody. */
const nobody = { uid: 65534, gid: 65534 };

export interface FamilyToken {
  label: string;
  pin: string;
}

export interface RunningFamily {
  module: ModuleSource;
  /** How token hosts start (a process of another user, where the module needs it). */
  launcher: HostLauncher;
  /** Tokens to make keys on; the first is the one the cases use. */
  tokens: FamilyToken[];
  /** What C_GetInfo's manufacturer says: the family is recognised by it. */
  libraryManufacturer: RegExp;
  /** For the command line: environment, the user to run as, and the data folder (with its settings file, if any). */
  cli: { env: Record<string, string>; user?: { uid: number; gid: number }; dataDir: string };
  /** When the family needs a service: it is stopped after the tokens are made, and the suite starts it (startService) once the module has said it is missing. */
  service?: { name: RegExp; startService(): Promise<void>; /** Takes the service away mid-session, where the suite checks that the module recovers by itself. */ stopService?(): Promise<void> };
  /**
   * Takes a token away as a person would while Conclave waits for them (SoftHSM2: softhsm2-util --delete-token),
   * for the families where a token can go away; absent where it cannot (a database, a TPM's store).
   */
  removeToken?(label: string): void;
  /** Stops what the family started and removes what it made. */
  stop(): Promise<void>;
}

export interface Family {
  name: string;
  /** Debian packages it needs. */
  packages: string[];
  /** Why it cannot run here, with what to do; undefined when it can. */
  unavailable(): string | undefined;
  /** Key algorithms the family's tokens make and sign with, and those they refuse. */
  algorithms: KeyAlgorithm[];
  unsupported: KeyAlgorithm[];
  /** Whether two of its tokens report the same serial (told apart by label and slot). */
  repeatsSerials: boolean;
  start(): Promise<RunningFamily>;
}

function missingPackages(family: { packages: string[] }, what: string): string {
  return `${what} is not installed: apt-get install -y ${family.packages.join(' ')}`;
}

/** A folder of the test's own, owned by `user` when one is given. */
function folder(prefix: string, user?: { uid: number; gid: number }): string {
  const dir = mkdtempSync(join(tmpdir(), `conclave-${prefix}-`));
  if (user) chownSync(dir, user.uid, user.gid);
  return dir;
}

function chownTree(path: string, user: { uid: number; gid: number }): void {
  execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, path]);
}

/** The environment of the test process without Conclave's own variables, plus `extra`. */
function baseEnvironment(extra: Record<string, string>): Record<string, string> {
  const inherited = inheritedEnvironment();
  return { ...inherited, ...extra };
}

/** Whether a TCP port of 127.0.0.1 can be listened on now; the server is closed again at once. */
function listenable(port: number): Promise<ReturnType<typeof createServer> | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Two consecutive free TCP ports of 127.0.0.1: the swtpm TCTI reaches the
 * control channel at the server's port + 1 (tpm2-tss tcti-swtpm.c), whatever
 * swtpm was told. Asked of the kernel, then released for swtpm to take.
 */
async function consecutiveFreePorts(): Promise<[number, number]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await listenable(0);
    const port = (first!.address() as { port: number }).port;
    const second = port < 65535 ? await listenable(port + 1) : undefined;
    await Promise.all([first, second].map((server) => server && new Promise((resolve) => server.close(resolve))));
    if (second) return [port, port + 1];
  }
  throw new Error('no two consecutive free TCP ports on 127.0.0.1');
}

/** Resolves once something accepts connections on the port; a generous bound only catches a service that never starts. */
async function untilListening(port: number, what: string): Promise<void> {
  const bound = Date.now() + 30_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > bound) throw new Error(`${what} did not start listening on 127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves once the process has exited (a zombie has: its state is Z). */
async function untilGone(pid: number, what: string): Promise<void> {
  const bound = Date.now() + 30_000;
  for (;;) {
    let state: string | undefined;
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    } catch {
      return;
    }
    if (state === 'Z' || state === 'X') return;
    if (Date.now() > bound) throw new Error(`${what} (pid ${pid}) did not end`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Ends a child the family started and waits for it. */
async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * A token host started as another user: p11-kit ignores the per-user module
 * configuration in a program running as root (p11-kit/conf.c), so a test
 * running as root loads p11-kit-proxy as nobody. Like forkHostLauncher,
 * without the PIN pipe (PINs then travel with the request).
 */
function forkHostAs(user: { uid: number; gid: number }): HostLauncher {
  return ({ env, serviceName }) => {
    const entry = tokenHostEntry();
    const child = fork(entry.path, [], { env: { ...env, CONCLAVE_SERVICE_NAME: serviceName }, execArgv: entry.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', uid: user.uid, gid: user.gid });
    return {
      postMessage: (message) => {
        if (child.connected) child.send(message as never);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.once('exit', listener),
      kill: (force) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(force ? 'SIGKILL' : 'SIGTERM');
      },
    };
  };
}

// ---- SoftHSM2 -------------------------------------------------------------

export const softhsm2: Family = {
  name: 'SoftHSM2',
  packages: ['softhsm2'],
  unavailable: () => (softhsmModule ? undefined : missingPackages(softhsm2, 'SoftHSM2')),
  algorithms: ['ecdsa-p256', 'ecdsa-p384', 'rsa-3072', 'ed25519'],
  unsupported: [],
  repeatsSerials: false,
  async start() {
    const tokens = makeTokenFolder();
    tokens.addToken('alice', '1234');
    tokens.addToken('bob', '5678');
    const data = folder('softhsm-home');
    return {
      module: { path: softhsmModule!, origin: 'added', env: tokens.env },
      launcher: forkHostLauncher,
      tokens: [
        { label: 'alice', pin: '1234' },
        { label: 'bob', pin: '5678' },
      ],
      libraryManufacturer: /^SoftHSM/,
      cli: { env: baseEnvironment({ ...tokens.env, CONCLAVE_PKCS11_MODULES: softhsmModule! }), dataDir: data },
      removeToken(label) {
        tokens.deleteToken(label);
      },
      async stop() {
        tokens.cleanup();
        rmSync(data, { recursive: true, force: true });
      },
    };
  },
};

// ---- NSS softokn ----------------------------------------------------------

const softokn = inLibDirs('libsoftokn3.so');
const nssPin = 'nss-pin-1234';

/** An NSS database made with certutil, as a person makes one, with a password (the token's PIN). */
function makeNssDatabase(user?: { uid: number; gid: number }): { dir: string; initParameters: string } {
  const dir = folder('nssdb');
  writeFileSync(join(dir, 'password'), `${nssPin}\n`);
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '-f', join(dir, 'password')], { stdio: 'pipe' });
  rmSync(join(dir, 'password'));
  if (user) chownTree(dir, user);
  // nss lib/softoken/sftkpars.c: the parameters NSS itself passes its softoken.
  return { dir, initParameters: `configdir='sql:${dir}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=` };
}

export const nssSoftokn: Family = {
  name: 'NSS softokn, loaded directly',
  packages: ['libnss3', 'libnss3-tools'],
  unavailable: () => (softokn && hasCommand('certutil') ? undefined : missingPackages(nssSoftokn, 'NSS softokn or certutil')),
  // NSS 3.87's softoken has no CKM_EC_EDWARDS_KEY_PAIR_GEN.
  algorithms: ['ecdsa-p256', 'ecdsa-p384', 'rsa-3072'],
  unsupported: ['ed25519'],
  repeatsSerials: true,
  async start() {
    const database = makeNssDatabase();
    const data = folder('nss-home');
    // The command line finds the module among those the person added, with its init parameters (settings.json).
    writeFileSync(join(data, 'settings.json'), JSON.stringify({ version: 1, modules: [{ path: softokn!, initParameters: database.initParameters }], insecureRegistries: [] }));
    return {
      module: { path: softokn!, origin: 'added', initParameters: database.initParameters },
      launcher: forkHostLauncher,
      tokens: [{ label: 'NSS Certificate DB', pin: nssPin }],
      libraryManufacturer: /^Mozilla Foundation/,
      cli: { env: baseEnvironment({}), dataDir: data },
      async stop() {
        rmSync(database.dir, { recursive: true, force: true });
        rmSync(data, { recursive: true, force: true });
      },
    };
  },
};

// ---- NSS softokn through p11-kit-proxy ------------------------------------

const p11KitProxy = inLibDirs('p11-kit-proxy.so');

export const nssThroughP11Kit: Family = {
  name: 'NSS softokn through p11-kit-proxy',
  packages: ['libnss3', 'libnss3-tools', 'p11-kit', 'p11-kit-modules'],
  unavailable: () => (softokn && p11KitProxy && hasCommand('certutil') ? undefined : missingPackages(nssThroughP11Kit, 'NSS softokn, certutil or p11-kit-proxy')),
  algorithms: ['ecdsa-p256', 'ecdsa-p384', 'rsa-3072'],
  unsupported: ['ed25519'],
  repeatsSerials: true,
  async start() {
    const user = isRoot ? nobody : undefined;
    const database = makeNssDatabase(user);
    // p11-kit reads ~/.config/pkcs11/modules (pkcs11.conf(5)); x-init-reserved is what it passes as pReserved, NSS's init parameters.
    const home = folder('p11kit-home');
    const modules = join(home, '.config', 'pkcs11', 'modules');
    mkdirSync(modules, { recursive: true });
    writeFileSync(join(modules, 'conclave-nss.module'), `module: ${softokn}\nx-init-reserved: ${database.initParameters}\n`);
    // The machine's own module configurations (SoftHSM2, tpm2-pkcs11, OpenSC…) are overridden by name, so the proxy shows this token alone.
    for (const dir of ['/usr/share/p11-kit/modules', '/etc/pkcs11/modules']) {
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).filter((file) => file.endsWith('.module'))) writeFileSync(join(modules, name), 'module: none\ndisable-in: p11-kit-proxy\n');
    }
    if (user) chownTree(home, user);
    const data = folder('p11kit-data', user);
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
    return {
      module: { path: p11KitProxy!, origin: 'added', env },
      launcher: user ? forkHostAs(user) : forkHostLauncher,
      tokens: [{ label: 'NSS Certificate DB', pin: nssPin }],
      libraryManufacturer: /^PKCS#11 Kit/,
      cli: { env: baseEnvironment({ ...env, CONCLAVE_PKCS11_MODULES: p11KitProxy! }), ...(user ? { user } : {}), dataDir: data },
      async stop() {
        for (const dir of [database.dir, home, data]) rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

// ---- openCryptoki soft token ----------------------------------------------

const openCryptoki = firstExisting(libDirs.map((dir) => join(dir, 'pkcs11', 'libopencryptoki.so')).concat(libDirs.map((dir) => join(dir, 'opencryptoki', 'libopencryptoki.so'))));
const pkcsslotd = firstExisting(['/usr/sbin/pkcsslotd', '/sbin/pkcsslotd']);
const slotdPidFiles = ['/run/opencryptoki/pkcsslotd.pid', '/var/run/pkcsslotd.pid'];
const softTokenDir = '/var/lib/opencryptoki/swtok';
const ockLabel = 'conclave-conformance';

function runningSlotDaemon(): number | undefined {
  for (const file of slotdPidFiles) {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state && state !== 'Z') return pid;
    } catch {
      // no such file or process
    }
  }
  return undefined;
}

/**
 * The label of the machine's soft token when somebody initialised it (not
 * this suite): its NVTOK.DAT begins with the token's CK_TOKEN_INFO, label
 * (32 bytes) first and its flags at offset 96 (openCryptoki usr/lib/common/
 * h_extern.h, TOKEN_DATA).
 */
function softTokenInUse(): string | undefined {
  let data: Buffer;
  try {
    data = readFileSync(join(softTokenDir, 'NVTOK.DAT'));
  } catch {
    return undefined;
  }
  if (data.length < 100) return undefined;
  const label = data.subarray(0, 32).toString('utf8').trim();
  const initialised = (data.readUInt32LE(96) & 0x400) !== 0; // CKF_TOKEN_INITIALIZED
  return initialised && label !== ockLabel ? label : undefined;
}

/** The soft token's slot, by its model (IBM SoftTok), from openCryptoki's own pkcsconf -t (pkcs11-tool shows no model for a blank token). */
function softTokenSlot(): string | undefined {
  const listing = execFileSync('pkcsconf', ['-t'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  for (const block of listing.split(/^Token #/m).slice(1)) {
    if (/^\s*Model:\s*IBM SoftTok/m.test(block)) return /^(\d+)/.exec(block)?.[1];
  }
  return undefined;
}

/**
 * openCryptoki keeps its configuration, its daemon's socket and its tokens
 * at paths built in (/etc/opencryptoki, /var/run/pkcsslotd.socket,
 * /var/lib/opencryptoki): it cannot be given a folder of the test's own. So
 * the suite uses the machine's soft token, and only when nobody else does:
 * pkcsslotd not running, and the soft token blank or made by this suite. It
 * starts pkcsslotd (as root: the daemon makes its socket and shared memory
 * for the pkcs11 group), stops it afterwards, and leaves the soft token blank
 * again (its files removed).
 */
export const openCryptokiSoftToken: Family = {
  name: 'openCryptoki soft token',
  packages: ['opencryptoki', 'opensc'],
  unavailable: () => {
    if (!openCryptoki || !pkcsslotd || !hasCommand('pkcsconf') || !hasCommand('pkcs11-tool')) return missingPackages(openCryptokiSoftToken, 'openCryptoki (or pkcs11-tool)');
    if (!isRoot) return 'openCryptoki needs its daemon pkcsslotd, which only root can start (its socket and shared memory are system-wide): run the suite as root';
    if (runningSlotDaemon() !== undefined) return 'pkcsslotd already runs on this machine: the suite does not touch an openCryptoki in use (stop it with systemctl stop pkcsslotd to run these)';
    const inUse = softTokenInUse();
    if (inUse) return `the openCryptoki soft token in ${softTokenDir} is in use (initialised as "${inUse}"): the suite does not re-initialise it`;
    return undefined;
  },
  // Debian 12's openCryptoki 3.8.1 soft token lists no CKM_EC_KEY_PAIR_GEN: RSA only.
  algorithms: ['rsa-3072'],
  unsupported: ['ecdsa-p256', 'ecdsa-p384', 'ed25519'],
  repeatsSerials: false,
  async start() {
    let daemon: number | undefined;
    const startDaemon = async () => {
      // pkcsslotd puts itself in the background and writes its pid file.
      execFileSync(pkcsslotd!, [], { stdio: 'ignore' });
      const bound = Date.now() + 30_000;
      while ((daemon = runningSlotDaemon()) === undefined) {
        if (Date.now() > bound) throw new Error('pkcsslotd did not start');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const stopDaemon = async () => {
      if (daemon === undefined) return;
      process.kill(daemon, 'SIGTERM');
      await untilGone(daemon, 'pkcsslotd');
      // pkcsslotd leaves its pid file behind: the machine is left as the suite found it.
      for (const file of slotdPidFiles) if (existsSync(file) && readFileSync(file, 'utf8').trim() === String(daemon)) rmSync(file, { force: true });
      daemon = undefined;
    };
    const removeToken = () => {
      for (const name of ['NVTOK.DAT', 'MK_SO', 'MK_USER']) rmSync(join(softTokenDir, name), { force: true });
      for (const name of existsSync(join(softTokenDir, 'TOK_OBJ')) ? readdirSync(join(softTokenDir, 'TOK_OBJ')) : []) rmSync(join(softTokenDir, 'TOK_OBJ', name), { force: true });
    };
    await startDaemon();
    const data = folder('ock-home');
    try {
      const soft = softTokenSlot();
      if (!soft) throw new Error('openCryptoki lists no soft token (IBM SoftTok): check /etc/opencryptoki/opencryptoki.conf');
      // Made as its administrator makes it: C_InitToken (the default SO PIN of a blank soft token is 87654321), then the user PIN.
      const tool = (args: string[]) => execFileSync('pkcs11-tool', ['--module', openCryptoki!, '--slot', soft, ...args], { stdio: 'pipe' });
      tool(['--init-token', '--label', ockLabel, '--so-pin', '87654321']);
      tool(['--login', '--login-type', 'so', '--so-pin', '87654321', '--init-pin', '--pin', '12345678']);
      // The module is to meet a machine without its daemon first.
      await stopDaemon();
    } catch (error) {
      await stopDaemon();
      removeToken();
      throw error;
    }
    return {
      module: { path: openCryptoki!, origin: 'added' },
      launcher: forkHostLauncher,
      tokens: [{ label: ockLabel, pin: '12345678' }],
      libraryManufacturer: /^IBM/,
      cli: { env: baseEnvironment({ CONCLAVE_PKCS11_MODULES: openCryptoki! }), dataDir: data },
      service: { name: /pkcsslotd/, startService: startDaemon },
      async stop() {
        await stopDaemon();
        removeToken();
        rmSync(data, { recursive: true, force: true });
      },
    };
  },
};

// ---- tpm2-pkcs11 on swtpm -------------------------------------------------

const tpm2Pkcs11 = firstExisting(libDirs.map((dir) => join(dir, 'pkcs11', 'libtpm2_pkcs11.so')).concat(libDirs.map((dir) => join(dir, 'libtpm2_pkcs11.so.1'))));

/**
 * tpm2-pkcs11 with its store in a folder of the test's own
 * (TPM2_PKCS11_STORE) on a software TPM (swtpm) that the test starts on free
 * ports of 127.0.0.1 and stops. Tokens are made with C_InitToken through
 * pkcs11-tool: tpm2_ptool, run against a TPM without a resource manager,
 * runs out of TPM object slots ("out of memory for object contexts").
 */
export const tpm2OnSwtpm: Family = {
  name: 'tpm2-pkcs11 on swtpm',
  packages: ['libtpm2-pkcs11-1', 'swtpm', 'swtpm-tools', 'tpm2-tools', 'opensc'],
  unavailable: () => (tpm2Pkcs11 && hasCommand('swtpm') && hasCommand('pkcs11-tool') && hasCommand('tpm2_dictionarylockout') ? undefined : missingPackages(tpm2OnSwtpm, 'tpm2-pkcs11, swtpm, tpm2-tools or pkcs11-tool')),
  // No CKM_EC_EDWARDS_KEY_PAIR_GEN on a TPM 2.0; RSA 3072 takes swtpm a few seconds.
  algorithms: ['ecdsa-p256', 'ecdsa-p384', 'rsa-3072'],
  unsupported: ['ed25519'],
  repeatsSerials: true,
  async start() {
    const state = folder('swtpm-state');
    const store = folder('tpm2-store');
    const data = folder('tpm2-home');
    const [server, control] = await consecutiveFreePorts();
    const env = {
      TPM2_PKCS11_STORE: store,
      TPM2_PKCS11_TCTI: `swtpm:host=127.0.0.1,port=${server}`,
      // The TSS and the module write warnings to standard error when the TPM is away; the test reads the errors Conclave makes of it.
      TPM2_PKCS11_LOG_LEVEL: '0',
      TSS2_LOG: 'all+none',
    };
    let swtpm: ChildProcess | undefined;
    const startTpm = async () => {
      swtpm = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${state}`, '--server', `type=tcp,port=${server},bindaddr=127.0.0.1`, '--ctrl', `type=tcp,port=${control},bindaddr=127.0.0.1`, '--flags', 'not-need-init,startup-clear'], {
        stdio: 'ignore',
      });
      await untilListening(server!, 'swtpm');
    };
    await startTpm();
    try {
      const tool = (args: string[]) => execFileSync('pkcs11-tool', ['--module', tpm2Pkcs11!, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
      for (const [index, label, pin] of [
        [0, 'alice', '1234'],
        [1, 'bob', '5678'],
      ] as const) {
        tool(['--slot-index', String(index), '--init-token', '--label', label, '--so-pin', '87654321']);
        tool(['--token-label', label, '--login', '--login-type', 'so', '--so-pin', '87654321', '--init-pin', '--pin', pin]);
      }
      // The suite tries wrong PINs on purpose: swtpm's dictionary-attack protection would lock every key after two (TPM 2.0 Part 1 §19.8.6).
      execFileSync('tpm2_dictionarylockout', ['--setup-parameters', '--max-tries=1000', '--recovery-time=1', '--lockout-recovery-time=1'], {
        env: { ...process.env, TPM2TOOLS_TCTI: env.TPM2_PKCS11_TCTI, TSS2_LOG: 'all+none' },
        stdio: 'pipe',
      });
      // The module is to meet a machine whose TPM does not answer first; swtpm keeps its state in its folder.
      await stopChild(swtpm);
    } catch (error) {
      await stopChild(swtpm);
      throw error;
    }
    return {
      module: { path: tpm2Pkcs11!, origin: 'added', env },
      launcher: forkHostLauncher,
      tokens: [
        { label: 'alice', pin: '1234' },
        { label: 'bob', pin: '5678' },
      ],
      libraryManufacturer: /tpm2-software/,
      cli: { env: baseEnvironment({ ...env, CONCLAVE_PKCS11_MODULES: tpm2Pkcs11! }), dataDir: data },
      service: { name: /TPM/, startService: startTpm, stopService: () => stopChild(swtpm) },
      async stop() {
        await stopChild(swtpm);
        for (const dir of [state, store, data]) rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
