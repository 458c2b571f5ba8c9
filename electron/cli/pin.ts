/**
 * Where the command line gets a PIN: the URI's pin-source, an environment
 * variable named with --pin-env, or a prompt that does not echo. Never from a
 * plain command-line value: it would sit in shell history and `ps` output.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConclaveError } from '../../shared/errors';
import type { Pkcs11Uri } from '../../shared/pkcs11/uri';

export interface PinOptions {
  uri: Pkcs11Uri;
  pinEnv?: string | undefined;
  tokenLabel: string;
  env?: NodeJS.ProcessEnv;
  /** Asks the person at the terminal; undefined when there is no terminal. */
  prompt?: ((question: string) => Promise<string>) | undefined;
}

const noPlainPin =
  'Conclave never takes a PIN as a plain value (it would stay in shell history and the process list). Use pin-source=file:/path in the URI, --pin-env VARIABLE, or type it at the prompt.';

export async function pinFor(options: PinOptions): Promise<string> {
  if (options.uri.pinValue !== undefined) throw new ConclaveError('pin-invalid', `The URI carries pin-value. ${noPlainPin}`);
  if (options.uri.pinSource !== undefined) {
    const source = options.uri.pinSource;
    const path = source.startsWith('file:') ? fileURLToPath(source.startsWith('file://') ? source : `file://${source.slice('file:'.length)}`) : source;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new ConclaveError('pin-required', `Conclave cannot read the PIN file named by pin-source (${path}). Check that it exists and that you may read it.`);
    }
    return text.replace(/\r?\n$/, '');
  }
  if (options.pinEnv !== undefined) {
    const value = (options.env ?? process.env)[options.pinEnv];
    if (value === undefined || value === '') throw new ConclaveError('pin-required', `--pin-env names ${options.pinEnv}, but that environment variable is not set.`);
    return value;
  }
  if (options.prompt) return options.prompt(`PIN for token ${options.tokenLabel}: `);
  throw new ConclaveError('pin-required', `Token "${options.tokenLabel}" needs its PIN and there is no terminal to ask. ${noPlainPin}`);
}

/**
 * The command's surroundings as token hosts get them: without the variable
 * --pin-env names, so the PIN is not copied into every process or thread a
 * command starts (issue 12). The command itself reads it from `io.env`.
 */
export function withoutPinVariable<T extends { env: NodeJS.ProcessEnv }>(io: T, pinEnv: string | undefined): T {
  if (pinEnv === undefined || !(pinEnv in io.env)) return io;
  const { [pinEnv]: _pin, ...rest } = io.env;
  return { ...io, env: rest };
}

/** Reads a line from the terminal without echoing it. */
export function promptHidden(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    input.setRawMode?.(true);
    input.resume();
    input.setEncoding('utf8');
    let entered = '';
    const finish = (error?: Error) => {
      input.setRawMode?.(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (error) reject(error);
      else resolve(entered);
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n') return finish();
        if (character === '\u0003') return finish(new ConclaveError('pin-required', 'Cancelled; nothing was changed.'));
        if (character === '\u007f' || character === '\b') entered = entered.slice(0, -1);
        else entered += character;
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
