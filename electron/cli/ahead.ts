/**
 * What a ceremony command starts before its own code has loaded (issue 11).
 * Loading the ceremony engine keeps the command's thread busy for a good
 * part of the command; meanwhile, on the machine's other cores, the token its
 * --key names starts in its own thread (library loaded, token found), and an
 * opening's artifacts are hashed. The three then overlap instead of following
 * each other. (The command line's first file, start.ts, has already started
 * the host's thread and the hashing where it could read them from the
 * arguments; what it started is taken here instead of starting again.)
 *
 * Nothing here decides anything: the command takes what was started when it
 * gets to it (withCeremonyService the token, the opening its hashing) and
 * does with it exactly what it would have done with a token or hashing it
 * started itself. Whatever it does not take (it stopped before it needed
 * it) is stopped when the command ends.
 */
import type { CommandInput, CommandRunner } from './command-spec';
import type { CommandTokens } from './command-tokens';
import type { CliIo } from './io';
import type { DigestAlgorithm } from '../core/hashing';
import type { StartedHashing } from '../core/hashing/hash-thread';

/** Token sessions started for a key URI, until the command takes them. */
const startedTokens = new Map<string, Promise<CommandTokens>>();
/** Artifacts being hashed, until the opening takes them. */
let startedHashing: StartedHashing<DigestAlgorithm> | undefined;

/**
 * The runner of a ceremony command, loaded by `load` while its key's token
 * starts (and, with `hashArtifacts`, its --artifact files are hashed).
 */
export function startingAhead(load: () => Promise<CommandRunner>, options: { hashArtifacts?: boolean } = {}): CommandRunner {
  return async (input, io) => {
    try {
      // Their threads first: they then start while this thread loads the command (what fails to start, the command starts itself).
      await Promise.all([startTokens(input, io), options.hashArtifacts ? startHashing(input) : undefined]).catch(() => undefined);
      const run = await load();
      return await run(input, io);
    } finally {
      await stopWhatWasNotTaken();
    }
  };
}

/** The token session started for this key URI, if any: the caller owns it from now on (and disposes it). */
export function takeStartedTokens(keyUri: string): Promise<CommandTokens> | undefined {
  const session = startedTokens.get(keyUri);
  startedTokens.delete(keyUri);
  return session;
}

/** The artifacts' hashing started for this command, if any: the caller owns it from now on (and stops it). */
export function takeStartedHashing(): StartedHashing<DigestAlgorithm> | undefined {
  const hashing = startedHashing;
  startedHashing = undefined;
  return hashing;
}

async function startTokens(input: CommandInput, io: CliIo): Promise<void> {
  const keyUri = input.string('key');
  if (!keyUri) return;
  const { prestartHostThread, nextHostLaunch } = await import('../core/tokens/host-thread');
  // The environment withCeremonyService gives token hosts: the command's (which no longer has a --pin-env variable, runCli took it).
  // The host's thread first, before the token service and what it loads: its module is loaded once the service admits it.
  prestartHostThread(io.env);
  const launched = nextHostLaunch();
  const { tokensFor } = await import('./command-tokens');
  // As withCeremonyService would start them: a ceremony command's tokens list their keys once.
  const session = tokensFor(io, keyUri, { keysListedOnce: true });
  session.catch(() => undefined); // a failure is reported when the key is used, or not at all
  startedTokens.set(keyUri, session);
  // The command's code loads in one go, holding this thread: first let the token service admit the key's module and
  // launch its host (a few turns of the event loop), so that the module starts in its thread meanwhile. A key that
  // resolves to nothing (or fails) launches no host: then its resolution settling is enough.
  const settled = session.then((tokens) => tokens.tokens.resolveToken(keyUri));
  // Then the key's listing, while this thread loads the command: the service keeps it (keysListedOnce), and the command
  // finds it there once it has judged the ceremony. A token that shows its keys only after login refuses this at once,
  // without asking its host (no PIN yet): the command then lists them itself, logged in.
  void settled.then(() => session.then(({ tokens }) => tokens.resolveKey(keyUri))).catch(noop);
  await Promise.race([launched, settled.then(noop, noop)]);
}

const noop = () => undefined;

async function startHashing(input: CommandInput): Promise<void> {
  const paths = input.strings('artifact');
  if (paths.length === 0) return;
  const { startHashingThread } = await import('../core/hashing/hash-thread');
  // SHA-512 too when asked for; an opening whose provenance turns out to need it hashes again itself.
  startedHashing = startHashingThread<DigestAlgorithm>(paths, input.flag('sha512') ? ['sha256', 'sha512'] : ['sha256']);
}

async function stopWhatWasNotTaken(): Promise<void> {
  const sessions = [...startedTokens.values()];
  startedTokens.clear();
  const hashing = takeStartedHashing();
  const { stopSpareHostThread } = await import('../core/tokens/host-thread');
  await Promise.all([...sessions.map(async (session) => (await session.catch(() => undefined))?.dispose()), hashing?.stop(), stopSpareHostThread()]);
}
