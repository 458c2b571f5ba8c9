/**
 * How the browser gets the one-time launch address without it ever being on
 * a command line (which every local user can read): a page in a folder only
 * this user may enter (0700), readable only by this user (0600), that sends
 * the browser on to the address. Chromium is started with the page's path,
 * which names no secret. The page is removed once the browser has had time to
 * read it, and when the shell stops.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LaunchFile {
  /** The file:// address to open. */
  url: string;
  remove(): Promise<void>;
}

export async function writeLaunchFile(dataDir: string, launchAddress: string): Promise<LaunchFile> {
  const folder = join(dataDir, 'launch');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  // The folder may have been made earlier with other rights: make sure.
  await chmod(folder, 0o700);
  const path = join(folder, `${randomBytes(16).toString('hex')}.html`);
  const escaped = launchAddress.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  await writeFile(path, `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${escaped}"><title>Opening Conclave…</title>\n`, { mode: 0o600, flag: 'wx' });
  let removed: Promise<void> | undefined;
  const remove = () => (removed ??= rm(path, { force: true }));
  // Long enough for a browser to start and read it; the address inside works once anyway.
  setTimeout(() => void remove(), 60_000).unref();
  return { url: pathToFileURL(path).href, remove };
}
