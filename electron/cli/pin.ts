/**
 * Where the command line gets a PIN: the URI's pin-source, an environment
 * variable named with --pin-env, or a prompt that does not echo. Never from a
 * plain command-line value: it would sit in shell history and `ps` output.
 *
 * A PIN is held as bytes, in buffers of its own that the command overwrites
 * when it is done with them (issue 12), never as a JavaScript string, which
 * nothing can overwrite. A variable named with --pin-env is taken out of the
 * command's environment as soon as its arguments are read (takePinVariable),
 * before anything else of the command runs. What stays beyond the command's
 * reach: the variable in the shell that set it, and the terminal driver and
 * libuv's read buffer, which see each typed key.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConclaveError } from '../../shared/errors';
import { excludeMemoryFromCoreDumps } from '../core/core-dumps';
import { takeFromInitialEnvironment } from '../core/initial-environment';
import { pinBuffer, pinBytesOf } from '../core/pin-bytes';
import type { Pkcs11Uri } from '../../shared/pkcs11/uri';

export interface PinOptions {
  uri: Pkcs11Uri;
  /** The variable named with --pin-env, taken out of the environment when the command started (takePinVariable). */
  pinVariable?: PinVariable | undefined;
  tokenLabel: string;
  /** Asks the person at the terminal, when there is one (terminalPinPrompt). */
  prompt?: PinPrompt | undefined;
}

/** The terminal, asked whether it is one only when no other source gave the PIN (finding out loads Node's tty module). */
export interface PinPrompt {
  available(): boolean;
  ask(question: string): Promise<Buffer>;
}

export function terminalPinPrompt(io: { interactive: () => boolean }): PinPrompt {
  return { available: () => io.interactive(), ask: (question) => promptHidden(question) };
}

/** A variable named with --pin-env, as the command holds it once taken out of its environment. */
export interface PinVariable {
  readonly name: string;
  /** A copy of the PIN's bytes, which the caller overwrites; undefined when the variable was not set (or empty). */
  copy(): Buffer | undefined;
  /** Overwrites the PIN's bytes: the command calls it when it ends. */
  forget(): void;
}

/**
 * Takes the variable `name` out of `env` (issue 12): the PIN is kept as
 * bytes, and the environment the command goes on with, which every process
 * and thread it starts inherits (token hosts, hashing, git), no longer has
 * it. When `env` is the process's own environment, the variable is removed
 * from it (unsetenv) and its value overwritten in the environment block the
 * process started with (initial-environment.ts), which is where exec put it
 * and where it would otherwise stay, readable in the process's memory and
 * its core dumps, for as long as the command runs. Where that block cannot be
 * written (not Linux), the variable is still removed, read the usual way:
 * the block keeps its copy, as before. Another environment (an object a
 * caller made, as tests do) is left as it is: the command gets a copy
 * without the variable.
 */
export function takePinVariable(name: string, env: NodeJS.ProcessEnv): { pinVariable: PinVariable; env: NodeJS.ProcessEnv } {
  let pin: Buffer | undefined;
  let rest: NodeJS.ProcessEnv = env;
  if (env === process.env) {
    // `in` asks libc whether the variable is set without making a string of its value.
    if (name in process.env) {
      const fromBlock = takeFromInitialEnvironment(name);
      // Overwritten in the block, the variable reads as empty, unless something set it again since the process
      // started (then its value lives elsewhere, and is read the usual way).
      if (fromBlock !== undefined && process.env[name] === '') pin = fromBlock;
      else {
        fromBlock?.fill(0);
        const value = process.env[name];
        pin = value ? pinBytesOf(value) : undefined;
      }
      delete process.env[name];
    }
  } else if (name in env) {
    const value = env[name];
    pin = value ? pinBytesOf(value) : undefined;
    const { [name]: _pin, ...others } = env;
    rest = others;
  }
  if (pin?.length === 0) pin = undefined;
  return {
    env: rest,
    pinVariable: {
      name,
      copy: () => (pin === undefined ? undefined : pinBytesOf(pin)),
      forget: () => pin?.fill(0),
    },
  };
}

const noPlainPin =
  'Conclave never takes a PIN as a plain value (it would stay in shell history and the process list). Use pin-source=file:/path in the URI, --pin-env VARIABLE, or type it at the prompt.';

/** The PIN's UTF-8 bytes, in a buffer of their own: the caller overwrites it (fill(0)) when the command no longer needs it. */
export async function pinFor(options: PinOptions): Promise<Buffer> {
  if (options.uri.pinValue !== undefined) throw new ConclaveError('pin-invalid', `The URI carries pin-value. ${noPlainPin}`);
  // From here on this process holds a PIN: no core dump of it holds its memory (see core-dumps.ts).
  excludeMemoryFromCoreDumps();
  if (options.uri.pinSource !== undefined) {
    const source = options.uri.pinSource;
    const path = source.startsWith('file:') ? fileURLToPath(source.startsWith('file://') ? source : `file://${source.slice('file:'.length)}`) : source;
    let read: Buffer;
    try {
      read = await readFile(path);
    } catch {
      throw new ConclaveError('pin-required', `Conclave cannot read the PIN file named by pin-source (${path}). Check that it exists and that you may read it.`);
    }
    // Without the line end an editor leaves, as a copy of its own; the buffer read is overwritten.
    let length = read.length;
    if (read[length - 1] === 0x0a) length -= read[length - 2] === 0x0d ? 2 : 1;
    const pin = pinBytesOf(read.subarray(0, length));
    read.fill(0);
    return pin;
  }
  if (options.pinVariable !== undefined) {
    const pin = options.pinVariable.copy();
    if (pin === undefined) throw new ConclaveError('pin-required', `--pin-env names ${options.pinVariable.name}, but that environment variable is not set.`);
    return pin;
  }
  if (options.prompt?.available()) return options.prompt.ask(`PIN for token ${options.tokenLabel}: `);
  throw new ConclaveError('pin-required', `Token "${options.tokenLabel}" needs its PIN and there is no terminal to ask. ${noPlainPin}`);
}

/** The longest secret the prompt takes, in bytes (PKCS#11 tokens take far shorter PINs). */
const maxPinBytes = 256;

/**
 * Reads a line from the terminal without echoing it, as bytes: each chunk
 * read is overwritten once taken, and the answer is a buffer the caller
 * overwrites. Backspace takes back a whole UTF-8 character.
 */
export function promptHidden(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    output.write(question);
    input.setRawMode?.(true);
    input.resume();
    const entered = pinBuffer(maxPinBytes);
    let length = 0;
    const finish = (error?: Error) => {
      input.setRawMode?.(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      const pin = pinBytesOf(entered.subarray(0, error ? 0 : length));
      entered.fill(0);
      if (error) reject(error);
      else resolve(pin);
    };
    const onData = (chunk: Buffer | string) => {
      // A stream someone set to text gives strings, which cannot be overwritten; a terminal gives bytes.
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      try {
        for (const byte of bytes) {
          if (byte === 0x0d || byte === 0x0a) return finish();
          if (byte === 0x03) return finish(new ConclaveError('pin-required', 'Cancelled; nothing was changed.'));
          if (byte === 0x7f || byte === 0x08) {
            // Back over continuation bytes (10xxxxxx) to the character's first byte.
            while (length > 0 && (entered[length - 1]! & 0xc0) === 0x80) length--;
            if (length > 0) length--;
            entered.fill(0, length);
          } else if (length < maxPinBytes) {
            entered[length++] = byte;
          } else {
            return finish(new ConclaveError('pin-invalid', `That is longer than any PIN (${maxPinBytes} bytes); nothing was changed.`));
          }
        }
      } finally {
        bytes.fill(0);
      }
    };
    input.on('data', onData);
  });
}

/** Reads one line from the terminal as typed (a confirmation, never a secret). */
export async function promptLine(input: NodeJS.ReadStream = process.stdin): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const lines = createInterface({ input, terminal: false });
  try {
    return await lines.question('');
  } finally {
    lines.close();
    input.pause();
  }
}
