import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes a file so that a crash at any moment leaves either the old content
 * or the new, never half of it: a temporary name, fsync, then rename. Text
 * may come in pieces (an iterable of strings), written as they come.
 */
export async function writeFileAtomically(path: string, content: string | Uint8Array | Iterable<string>, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', mode);
  try {
    try {
      if (typeof content === 'string' || content instanceof Uint8Array) await handle.writeFile(content);
      else await writePieces(handle, content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    // A write that failed halfway (a full disk) leaves no part-written file behind to take more space at every retry.
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Text given piece by piece (a cache of 100,000 lines): written a megabyte at
 * a time, so that the whole never has to be one string in memory. A file
 * handle's writeFile continues from where the last one ended.
 */
async function writePieces(handle: FileHandle, pieces: Iterable<string>): Promise<void> {
  let batch: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    batch.push(piece);
    length += piece.length;
    if (length >= 1024 * 1024) {
      await handle.writeFile(batch.join(''));
      [batch, length] = [[], 0];
    }
  }
  if (batch.length > 0) await handle.writeFile(batch.join(''));
}

/** After a rename, the folder entry itself must reach the disk for the file to survive a power cut. */
export async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return; // folders cannot be opened for fsync there
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
