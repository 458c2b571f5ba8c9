/**
 * `conclave digest FILE...`: the digests Conclave will put in a release
 * statement, printed exactly as sha256sum (or sha512sum) prints them, so that
 * anyone can check Conclave against a tool they already trust:
 *   diff <(conclave digest *.tar.gz) <(sha256sum *.tar.gz)
 */
import { hashFiles, type DigestAlgorithm, type FileHashOutcome, type FilesProgress } from '../../core/hashing';
import type { CommandInput } from '../command-spec';
import { exitCodes } from '../exit-codes';
import type { CliIo } from '../io';

export async function runDigest(input: CommandInput, io: CliIo): Promise<number> {
  const files = input.positionals;
  const algorithm: DigestAlgorithm = input.flag('sha512') ? 'sha512' : 'sha256';
  const progress = io.interactive() && !input.quiet && !input.json ? terminalProgress(io) : undefined;
  const digests: { path: string; [algorithm: string]: string }[] = [];

  // Lines go out in the order the files were named, each as soon as it and every file before it are done.
  const settled: (FileHashOutcome<DigestAlgorithm> | undefined)[] = new Array(files.length);
  let printed = 0;
  let failures = 0;
  const flush = () => {
    while (printed < files.length && settled[printed]) {
      const outcome = settled[printed]!;
      progress?.clear();
      if (outcome.ok) {
        if (input.json) digests.push({ path: outcome.path, [algorithm]: outcome.digest.digests[algorithm]! });
        else io.out(checksumLine(outcome.digest.digests[algorithm]!, outcome.path));
      } else {
        failures += 1;
        io.err(`conclave digest: ${outcome.error.message}\n`);
      }
      printed += 1;
    }
  };
  await hashFiles<DigestAlgorithm>(files, {
    algorithms: [algorithm],
    onFileSettled: (outcome, index) => {
      settled[index] = outcome;
      flush();
    },
    ...(progress ? { onProgress: progress.show } : {}),
  });
  progress?.clear();
  if (failures > 0) io.err(`conclave digest: ${failures} of ${files.length} ${files.length === 1 ? 'file' : 'files'} could not be hashed.\n`);
  if (input.json) io.out(`${JSON.stringify({ ok: failures === 0, algorithm, files: digests }, null, 2)}\n`);
  return failures > 0 ? exitCodes.refused : exitCodes.done;
}

/**
 * One line as GNU coreutils writes it: digest, two spaces (text mode), name.
 * A name with a backslash, newline or carriage return is escaped and the line
 * starts with a backslash, so that `sha256sum --check` can read it back
 * (coreutils 9: `\\`, `\n`, `\r`).
 */
export function checksumLine(hexDigest: string, name: string): string {
  if (!/[\\\n\r]/.test(name)) return `${hexDigest}  ${name}\n`;
  const escaped = name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return `\\${hexDigest}  ${escaped}\n`;
}

/** A one-line progress figure on stderr, for people at a terminal; scripts (not a TTY) get none. */
function terminalProgress(io: CliIo): { show: (progress: FilesProgress) => void; clear: () => void } {
  const status = io.status ?? io.err;
  let shown = false;
  return {
    show: ({ bytesDone, bytesTotal, filesDone, filesTotal }) => {
      // Small jobs finish before a figure would be readable.
      if (bytesTotal < 64 * 1024 * 1024) return;
      const percent = Math.floor((bytesDone / bytesTotal) * 100);
      status(`\r\x1b[Khashing: ${percent}%  ${formatBytes(bytesDone)} of ${formatBytes(bytesTotal)}  (${filesDone} of ${filesTotal} files)`);
      shown = true;
    },
    clear: () => {
      if (shown) status('\r\x1b[K');
      shown = false;
    },
  };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}
