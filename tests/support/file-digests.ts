import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every file under `root` (none if it does not exist) with the SHA-256 of its
 * bytes, by relative path: two snapshots equal means nothing was written,
 * changed or removed. `except` names folders (relative) left out, such as the
 * command line's compiled-code cache (cache/compiled: code, not data, written
 * for any code a command loads first).
 */
export function fileDigests(root: string, except: readonly string[] = []): Record<string, string> {
  const files: Record<string, string> = {};
  if (!existsSync(root)) return files;
  const skipped = new Set(except.map((folder) => join(folder)));
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (skipped.has(relative(root, path))) continue;
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return files;
}
