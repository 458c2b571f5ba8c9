/** Paths and sizes as the window handles them: the core owns the file system, the window only names files. */

/** The separator a path uses: backslash for Windows paths (C:\…, \\server\…), slash otherwise. */
function separatorOf(path: string): '/' | '\\' {
  return /^[A-Za-z]:\\|^\\\\/.test(path) || (path.includes('\\') && !path.includes('/')) ? '\\' : '/';
}

export function joinPath(dir: string, name: string): string {
  const separator = separatorOf(dir);
  return dir.endsWith(separator) ? `${dir}${name}` : `${dir}${separator}${name}`;
}

/** The last part of a path: what a person recognises a file by. */
export function fileNameOf(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const parts = trimmed.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** Whether a typed path is absolute (the core only takes absolute paths). */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

/**
 * The path of a dropped file, where the shell tells it. A browser never does
 * (a web page must not learn where files live); the desktop app's preload
 * adds it. Anything that is not a non-empty absolute path counts as unknown.
 */
export function pathOfDroppedFile(file: unknown): string | undefined {
  if (typeof file !== 'object' || file === null) return undefined;
  const path = (file as { path?: unknown }).path;
  return typeof path === 'string' && path.length > 0 && isAbsolutePath(path) ? path : undefined;
}

const units = ['bytes', 'KB', 'MB', 'GB', 'TB'] as const;

/** Between a number and its unit: a no-break space, so "1.4 MB" never wraps between the two. */
const nbsp = '\u00a0';

/** 1536 → "1.5 KB"; decimal units, as file managers show them. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1000) return `${bytes}${nbsp}${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)}${nbsp}${units[unit]}`;
}

/** Adds paths to a list, keeping its order and leaving out any already there. */
export function addPaths(list: readonly string[], added: readonly string[]): string[] {
  const result = [...list];
  for (const path of added) if (!result.includes(path)) result.push(path);
  return result;
}
