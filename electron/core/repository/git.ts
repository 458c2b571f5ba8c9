/**
 * The system `git`, run as a program (execFile, never a shell string), so the
 * user's SSH keys, credential helpers and configuration apply (issue 5: git is
 * the distributed engine; there is no server of our own).
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ConclaveError } from '../../../shared/errors';
import { idleTimeoutFrom } from '../http/idle-deadline';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
  /** A git that talked to the remote and was stopped on purpose (the window's Stop, a command's deadline). */
  stopped?: true;
}

export interface GitOptions {
  cwd: string;
  /** Extra environment for this call (e.g. GIT_INDEX_FILE for a private index). */
  env?: NodeJS.ProcessEnv;
  /** Written to git's standard input (bytes as they are: a tree object). */
  input?: string | Buffer;
}

/** `git --version` 2.25 (January 2020) is the oldest we try: it has every plumbing command used here. */
export const minimumGitVersion = [2, 25] as const;

const repositoryVariables = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX', 'GIT_QUARANTINE_PATH'];

export class GitRunner {
  private checked: Promise<string> | undefined;

  /**
   * @param env the environment of the person's shell (CliIo.env): HOME, SSH_AUTH_SOCK, GIT_* and the rest apply as they would in a terminal.
   * @param interactive whether git may ask on the terminal (a passphrase, a password); never in the app, where no one would see it.
   * @param signal stops (kills) the git this runner started that talks to the remote: a CLI command's deadline, or
   *   (read at each start) the window's Stop. Local commands are quick and are left to finish, so no lock is left behind.
   */
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly interactive = false,
    private readonly executable = 'git',
    private readonly signal?: AbortSignal | (() => AbortSignal | undefined),
    /** The most a buffered answer (run, ok, bytes) may hold; answers that grow with the tree go through records() instead. */
    private readonly outputLimitBytes = 64 * 1024 * 1024,
  ) {}

  /** The version string; throws a clear error when git is missing or older than 2.25. */
  version(): Promise<string> {
    this.checked ??= this.checkVersion();
    return this.checked;
  }

  private async checkVersion(): Promise<string> {
    let result: GitResult;
    try {
      result = await this.spawn(['--version'], { cwd: process.cwd() });
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : '';
      if (code === 'ENOENT') {
        throw new ConclaveError('invalid-input', 'Conclave shares ceremonies through git, and git is not installed (or not on the PATH). Install git 2.25 or newer and try again.', { cause: 'git-missing' });
      }
      throw new ConclaveError('invalid-input', `Conclave cannot run git (${error instanceof Error ? error.message : String(error)}). Check that git 2.25 or newer is installed.`, { cause: 'git-missing' });
    }
    const match = /git version (\d+)\.(\d+)/.exec(result.stdout);
    if (result.code !== 0 || !match) {
      throw new ConclaveError('invalid-input', `"git --version" did not answer as git does (${(result.stderr || result.stdout).trim()}). Install git 2.25 or newer.`, { cause: 'git-missing' });
    }
    const [major, minor] = [Number(match[1]), Number(match[2])];
    if (major < minimumGitVersion[0] || (major === minimumGitVersion[0] && minor < minimumGitVersion[1])) {
      throw new ConclaveError('invalid-input', `Conclave needs git ${minimumGitVersion.join('.')} or newer to share ceremonies; this machine has ${match[1]}.${match[2]}. Update git and try again.`, { cause: 'git-too-old' });
    }
    return `${major}.${minor}`;
  }

  /** Runs git; resolves with the exit code whatever it is (callers decide what a failure means). */
  async run(args: string[], options: GitOptions): Promise<GitResult> {
    await this.version();
    return this.spawn(args, options);
  }

  /** Runs git and throws, with git's own words, unless it exits 0. */
  async ok(args: string[], options: GitOptions): Promise<string> {
    const result = await this.run(args, options);
    if (result.code !== 0) throw gitFailed(args, result);
    return result.stdout;
  }

  /** Raw bytes of standard output (a blob), or throws. */
  async bytes(args: string[], options: GitOptions): Promise<Buffer> {
    await this.version();
    return new Promise((resolve, reject) => {
      execFile(this.executable, args, { cwd: options.cwd, env: this.environment(options.env), encoding: 'buffer', maxBuffer: this.outputLimitBytes }, (error, stdout, stderr) => {
        if (error) reject(gitFailed(args, { code: typeof error.code === 'number' ? error.code : 1, stdout: '', stderr: stderr.toString('utf8') }));
        else resolve(stdout);
      });
    });
  }

  /**
   * Runs a local git whose answer may be as large as the whole tree (`ls-tree -r`,
   * `diff-tree` from an empty tree): its standard output is read as it comes,
   * one record (ended by `separator`) at a time, so no buffer limit applies and
   * the whole answer is never held as one string. Throws, with git's words,
   * unless git exits 0.
   */
  async records(args: string[], options: GitOptions, onRecord: (record: string) => void, separator = '\0'): Promise<void> {
    await this.version();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(this.executable, args, { cwd: options.cwd, env: this.environment(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
      let rest = '';
      let stderr = '';
      let failure: unknown;
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        if (failure !== undefined) return;
        const parts = (rest + chunk).split(separator);
        rest = parts.pop()!;
        try {
          for (const part of parts) onRecord(part);
        } catch (error) {
          // The caller refused a record: stop reading, and say why once git is gone.
          failure = error;
          child.kill();
        }
      });
      child.stderr.setEncoding('utf8');
      // Only the end of git's complaint is ever shown (gitReason), so a chatty git cannot fill memory.
      child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-64 * 1024)));
      child.once('error', reject);
      child.once('close', (code) => {
        if (failure !== undefined) reject(failure);
        else if (code !== 0) reject(gitFailed(args, { code: code ?? 1, stdout: '', stderr }));
        else {
          if (rest) onRecord(rest);
          resolve();
        }
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
    });
  }

  /**
   * A local git that stays up to answer one request after another on its
   * standard input (`cat-file --batch`): the caller ends its input when done
   * and waits for it to close, so nothing is left running.
   */
  async process(args: string[], options: GitOptions): Promise<ChildProcessWithoutNullStreams> {
    await this.version();
    return spawn(this.executable, args, { cwd: options.cwd, env: this.environment(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  }

  private stopOn(): { signal?: AbortSignal } {
    const signal = typeof this.signal === 'function' ? this.signal() : this.signal;
    return signal ? { signal } : {};
  }

  private environment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    // The repository is the store folder (the working directory); a GIT_DIR inherited from a hook or a terminal must not point elsewhere.
    const inherited = Object.fromEntries(Object.entries(this.env).filter(([name]) => !repositoryVariables.includes(name)));
    return {
      ...inherited,
      // Git's messages are parsed (a rejected push, an empty remote), so they must be in one language.
      LC_ALL: 'C',
      LANGUAGE: 'C',
      // A prompt no one can see would hang the app; on a terminal, git may ask as it always does.
      ...(this.interactive ? {} : { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: this.env.GIT_ASKPASS ?? '', SSH_ASKPASS_REQUIRE: 'never' }),
      // Paths given to git are file names, never patterns.
      GIT_LITERAL_PATHSPECS: '1',
      ...extra,
    };
  }

  private spawn(args: string[], options: GitOptions): Promise<GitResult> {
    // A command that talks to the remote has a deadline (issue 12): a remote that accepts and never answers must not hang a sync.
    const command = subcommandOf(args);
    const network = networkCommands.has(command);
    const deadlineMs = network ? gitDeadlineMs(this.env) : 0;
    // Over HTTP, git itself gives up on a transfer that stalls (under 1 byte/s for the idle deadline).
    const argv = network ? ['-c', 'http.lowSpeedLimit=1', '-c', `http.lowSpeedTime=${Math.max(1, Math.round(idleTimeoutFrom(this.env) / 1000))}`, ...args] : args;
    return new Promise((resolve, reject) => {
      const child = execFile(this.executable, argv, { cwd: options.cwd, env: this.environment(options.env), encoding: 'utf8', maxBuffer: this.outputLimitBytes, timeout: deadlineMs, killSignal: 'SIGKILL', ...(network ? this.stopOn() : {}) }, (error, stdout, stderr) => {
        if (error && network && error.name === 'AbortError') {
          // Stopped by the person (or a command's deadline): reported as a sync that did not reach the remote, everything kept.
          resolve({ code: 124, stdout, stderr: `${stderr}fatal: git ${command} was stopped before it finished.\n`, stopped: true });
          return;
        }
        if (error && network && error.killed) {
          // Worded as git words a timeout, so the sync reports it as offline and keeps everything committed.
          resolve({ code: 124, stdout, stderr: `${stderr}fatal: the remote timed out: git ${command} did not finish within ${deadlineMs / 1000} s.\n` });
          return;
        }
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
      if (options.input !== undefined) child.stdin?.end(options.input);
      else child.stdin?.end();
    });
  }
}

/** The git command among global options (`-c name=value`, `-C dir`, `--no-pager`…). */
function subcommandOf(args: readonly string[]): string {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '-c' || arg === '-C') index += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return '';
}

/** One record of `git ls-tree -z` (without --name-only): a blob's mode, id and path; undefined for a folder or a submodule link. */
export function blobEntryOf(record: string): { mode: string; blob: string; path: string } | undefined {
  const entry = /^(\d+) blob ([0-9a-f]+)\t(.+)$/s.exec(record);
  return entry ? { mode: entry[1]!, blob: entry[2]!, path: entry[3]! } : undefined;
}

/** The git commands that reach the remote. */
const networkCommands = new Set(['fetch', 'push', 'ls-remote', 'clone', 'pull']);

/** How long a git command that reaches the remote may take in all: CONCLAVE_GIT_TIMEOUT seconds, default 5 minutes. */
export function gitDeadlineMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.CONCLAVE_GIT_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 300_000;
}

/** The last lines git wrote, which say why: what a person needs to act. */
export function gitReason(result: GitResult): string {
  const lines = (result.stderr || result.stdout)
    .split('\n')
    .map((line) => line.trim())
    // git's boilerplate after a failed connection says nothing the first line did not.
    .filter((line) => line && !/^hint:/.test(line) && !/^(Please make sure you have the correct access rights|and the repository exists\.)$/.test(line));
  return lines.slice(-3).join(' ') || `git exited with code ${result.code}`;
}

function gitFailed(args: string[], result: GitResult): ConclaveError {
  return new ConclaveError('internal', `git ${args[0]} failed: ${gitReason(result)}`, { cause: 'git-failed' });
}
