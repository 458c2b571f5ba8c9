/**
 * A PKCS#11 module is native code: Conclave loads it into a token host, where
 * it runs as the person using Conclave. Before a module is added (`conclave
 * modules add`, Settings → Modules), the person is shown what the file is
 * (its path, owner and permissions), and a library that somebody else could
 * have changed, or could still change, is refused (issue 12): one writable
 * by its group or by others, one owned by another user (not root), one in a
 * folder others may write to. Only looks at the file; nothing here loads it.
 */
import { readFileSync } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConclaveError } from '../../../shared/errors';

export interface ModuleFileFacts {
  /** The path as given, made absolute. */
  path: string;
  /** The file that would be loaded, once links are followed. */
  realPath: string;
  /** Its owner, as a person reads it: "root (uid 0)", "alice (uid 1000)". */
  owner: string;
  /** Its permissions, as ls shows them, with the octal: "-rwxr-xr-x (0755)". */
  permissions: string;
  /** What identifies this very file, so a file replaced after it was shown is not loaded in its place. */
  identity: string;
  /** Why it must not be loaded; undefined when nothing is wrong with it. */
  problem?: string;
}

/** Owners that may own a module: root (system packages) and the person running Conclave. */
function trustedOwner(uid: number): boolean {
  const self = process.getuid?.();
  return uid === 0 || uid === self;
}

let userNames: Map<number, string> | undefined;

/** The user name of a uid, from /etc/passwd; best effort (a directory service may know names this file does not). */
function userName(uid: number): string | undefined {
  if (!userNames) {
    userNames = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id && /^\d+$/.test(id) && !userNames.has(Number(id))) userNames.set(Number(id), name);
      }
    } catch {
      // No passwd file (Windows, a minimal container): uids alone.
    }
  }
  return userNames.get(uid);
}

export function describeOwner(uid: number): string {
  const name = userName(uid);
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

/** "-rwxr-xr-x (0755)", as ls shows a regular file, plus the octal that chmod takes. */
export function describePermissions(mode: number): string {
  const bits = 'rwxrwxrwx'.split('').map((letter, index) => ((mode >> (8 - index)) & 1 ? letter : '-')).join('');
  return `-${bits} (${(mode & 0o7777).toString(8).padStart(4, '0')})`;
}

const groupOrOthers = (mode: number) => [mode & 0o020 ? 'its group' : '', mode & 0o002 ? 'every user' : ''].filter(Boolean).join(' and ');

/**
 * The facts about a module file that a person decides on, and the problem
 * (if any) that makes Conclave refuse it whatever the person decides.
 * Throws ConclaveError when there is no such file, or it is not a file.
 */
export async function inspectModuleFile(given: string): Promise<ModuleFileFacts> {
  const path = resolve(given);
  let real: string;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    real = await realpath(path);
    info = await stat(real);
  } catch {
    throw new ConclaveError('module-not-found', `There is no file at ${path}. Check the path: a PKCS#11 module is a library (.so, .dylib or .dll) that your token's software installs.`);
  }
  if (!info.isFile()) throw new ConclaveError('module-not-found', `${path} is not a file. A PKCS#11 module is a library (.so, .dylib or .dll) that your token's software installs.`);
  const facts: ModuleFileFacts = {
    path,
    realPath: real,
    owner: process.platform === 'win32' ? 'not checked on Windows' : describeOwner(info.uid),
    permissions: process.platform === 'win32' ? 'not checked on Windows' : describePermissions(info.mode),
    identity: `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`,
  };
  // Windows has neither owners by uid nor these permission bits: its ACLs are the installer's business.
  if (process.platform === 'win32') return facts;
  const problem = await problemOf(path, real, info.uid, info.mode);
  return problem ? { ...facts, problem } : facts;
}

async function problemOf(path: string, real: string, uid: number, mode: number): Promise<string | undefined> {
  const file = real === path ? path : `${real} (where ${path} leads)`;
  if (mode & 0o022) {
    return `${file} is writable by ${groupOrOthers(mode)} (${describePermissions(mode)}), so someone else could replace the code Conclave would run as you. Make it writable by its owner only (chmod go-w ${real}), or install the module from your system's packages.`;
  }
  if (!trustedOwner(uid)) {
    return `${file} belongs to ${describeOwner(uid)}, another user, who could replace the code Conclave would run as you. Use a module installed by your system (owned by root) or one you own.`;
  }
  // The folder: whoever may write to it may put another file in this one's place.
  const folder = dirname(real);
  const folderInfo = await stat(folder);
  const sticky = (folderInfo.mode & 0o1000) !== 0;
  if ((folderInfo.mode & 0o022 && !sticky) || !trustedOwner(folderInfo.uid)) {
    return `${file} is in ${folder}, a folder ${trustedOwner(folderInfo.uid) ? `writable by ${groupOrOthers(folderInfo.mode)}` : `that belongs to ${describeOwner(folderInfo.uid)}`}, so someone else could put other code in its place. Move it to a folder only you (or root) can write to.`;
  }
  // A link someone else owns (in a sticky folder such as /tmp) could be pointed elsewhere later.
  if (real !== path) {
    const link = await lstat(path);
    if (link.isSymbolicLink() && !trustedOwner(link.uid)) {
      return `${path} is a link that belongs to ${describeOwner(link.uid)}, another user, who could point it at other code. Give the path of the library itself: ${real}.`;
    }
  }
  return undefined;
}

/** The facts as the terminal and the confirmation show them, one per line. */
export function describeModuleFile(facts: ModuleFileFacts): string[] {
  return [
    `Module      ${facts.path}`,
    ...(facts.realPath !== facts.path ? [`Leads to    ${facts.realPath}`] : []),
    `Owner       ${facts.owner}`,
    `Permissions ${facts.permissions}`,
  ];
}
