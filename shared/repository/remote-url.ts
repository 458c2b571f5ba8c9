/**
 * What kind of git remote a URL is, by git's own rule (connect.c,
 * url_is_local_not_ssh): with no "://", a URL is a path on this machine when
 * it has no colon, a slash comes before its first colon, or it starts with a
 * drive letter; otherwise it is `[user@]host:path` over SSH.
 *
 * git reads a relative path from where it runs, which for Conclave is the
 * store folder: `conclave remote add ../shared.git` typed in the folder above
 * the store pointed one level too high. Such a path is made absolute from
 * where the person typed it (the command line), or refused where there is no
 * such place (the window).
 *
 * A shell expands an unquoted `~/team.git`; quoted, or from a script, it
 * arrives as typed, and made absolute it became `<folder>/~/team.git`. The
 * command line expands it as the shell would (homePathOf).
 */

/** Whether git takes `url` as a path on this machine (not a URL with a scheme, not SSH's host:path). */
export function isLocalPath(url: string): boolean {
  if (url.includes('://')) return false;
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  return colon < 0 || (slash >= 0 && slash < colon) || hasDrivePrefix(url);
}

/** A local path that git would read from the store folder rather than from where it was typed. */
export function isRelativeLocalPath(url: string): boolean {
  return isLocalPath(url) && !url.startsWith('/') && !url.startsWith('\\') && !hasDrivePrefix(url);
}

function hasDrivePrefix(url: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(url);
}

/**
 * `~` or `~/…` as a shell expands it: the same path under `home`. Undefined for anything else, and for `~name/…`
 * (another account's home), which a shell looks up in the system's accounts (namesOtherAccountsHome says so).
 */
export function homePathOf(url: string, home: string): string | undefined {
  if (url === '~') return home;
  if (!url.startsWith('~/')) return undefined;
  return `${home.replace(/\/+$/, '')}/${url.slice(2)}`;
}

/** Whether `url` starts with `~name`, a shell's way to name another account's home folder. */
export function namesOtherAccountsHome(url: string): boolean {
  return /^~[^/\\]+/.test(url) && isLocalPath(url);
}
