/**
 * Whether a file or folder is this user's alone: owned by this user, and
 * neither its group nor other users may write it. What Conclave keeps for
 * itself and later believes (the code cache it runs, the signatures it
 * checked) must be. Its folders are made 0700, so failing this takes a folder
 * made or moved by hand, or another user's doing. Windows has no such bits;
 * a profile folder there is its user's own.
 */
export function writableByThisUserAlone(info: { uid: number; mode: number }): boolean {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return true;
  return info.uid === process.getuid() && (info.mode & 0o022) === 0;
}
