/**
 * Every command's overall deadline (issue 12): each network call has its own
 * (a registry or TSA that stops answering, git's low-speed limit), but a
 * command made of many calls, or one waiting for a token that never answers,
 * could still run for ever in a pipeline. When the deadline passes, the
 * command's signal aborts what listens to it (registry requests, time
 * stamping, git, hashing) and the command ends with exit 5. Events are
 * written whole or not at all (atomic-file.ts), so giving up loses nothing
 * already written.
 */
import { ConclaveError } from '../../shared/errors';
import { UsageError } from './io';

/** Long enough for a person to find and touch a token and for a large artifact to hash; short enough that a stuck CI job ends. */
export const defaultDeadlineSeconds = 900;

/** The deadline in seconds from --timeout, else CONCLAVE_COMMAND_TIMEOUT, else the default; undefined for none (0). */
export function deadlineSeconds(option: string | undefined, env: NodeJS.ProcessEnv): number | undefined {
  const given = option ?? env.CONCLAVE_COMMAND_TIMEOUT;
  if (given === undefined || given.trim() === '') return defaultDeadlineSeconds;
  const seconds = Number(given);
  if (!Number.isFinite(seconds) || seconds < 0) {
    const where = option !== undefined ? '--timeout' : 'CONCLAVE_COMMAND_TIMEOUT';
    throw new UsageError(`${where} takes a number of seconds (0 for no deadline); got "${given}".`);
  }
  return seconds === 0 ? undefined : seconds;
}

/** The error a command ends with when its deadline passes. */
export function deadlineError(seconds: number): ConclaveError {
  return new ConclaveError(
    'unavailable',
    `gave up after ${seconds} s, the command's deadline. What it had written before is whole; nothing was half-written. ` +
      'Check the network, the token (is it waiting for a touch?) and the services it reaches, then run it again; --timeout SECONDS or CONCLAVE_COMMAND_TIMEOUT sets another deadline (0 for none).',
    { cause: 'command-deadline' },
  );
}

export interface CommandDeadline {
  /** Aborted when the deadline passes: what the command started listens to it. */
  signal: AbortSignal;
  /** Settles with the deadline's error when it passes; never settles otherwise. */
  passed: Promise<never>;
  clear(): void;
}

export function startDeadline(seconds: number | undefined): CommandDeadline {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const passed = new Promise<never>((_resolve, reject) => {
    if (seconds === undefined) return;
    timer = setTimeout(() => {
      const error = deadlineError(seconds);
      controller.abort(error);
      reject(error);
    }, seconds * 1000);
    // The deadline alone never keeps a finished command alive.
    timer.unref?.();
  });
  passed.catch(() => undefined);
  return { signal: controller.signal, passed, clear: () => clearTimeout(timer) };
}
