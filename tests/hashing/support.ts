/** Files on disk for hashing tests, and the tools whose output Conclave must match. */
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Scratch {
  dir: string;
  /** Writes `size` random bytes to `name` and returns the path. */
  file(name: string, size: number): string;
  cleanup(): void;
}

export function makeScratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-hashing-'));
  return {
    dir,
    file(name, size) {
      const path = join(dir, name);
      writeFileSync(path, randomFillSync(Buffer.alloc(size)));
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `sha256sum`'s (or sha512sum's) digest of one file. */
export function coreutilsDigest(algorithm: 'sha256' | 'sha512', path: string): string {
  return execFileSync(`${algorithm}sum`, ['--', path], { encoding: 'utf8' }).slice(0, algorithm === 'sha256' ? 64 : 128);
}

/** `openssl dgst`'s digest of one file. */
export function opensslDigest(algorithm: 'sha256' | 'sha512', path: string): string {
  return execFileSync('openssl', ['dgst', `-${algorithm}`, '-r', path], { encoding: 'utf8' }).split(' ')[0]!;
}

/** File descriptors this process holds open on `path` (Linux: /proc/self/fd). */
export function openDescriptorsOn(path: string): number {
  const target = resolve(path);
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === target) count += 1;
    } catch {
      // The descriptor closed between listing and reading it (readdir's own, for one).
    }
  }
  return count;
}
