/**
 * Which files of the store folder belong in the ceremony repository: event
 * files and evidence files, under the names the store gives them
 * (event-store.ts), in the ceremony's dated folder (shared/ceremony/store-layout.ts).
 * Nothing else is committed, and nothing else arriving from a remote is
 * written into the store folder.
 *
 * Paths of the legacy layout (`ceremonies/<id>/events/<file>`, before the
 * dated folders) are still recognised, marked `legacy`: a remote shared by an
 * older Conclave holds them, and the repository moves them (repository-service.ts).
 */
import { isEventFileName } from '../../../shared/ceremony/bundle-format';
import { ceremonyIdPattern } from '../../../shared/ceremony/events';
import { ceremonyFolder, ceremonySubfolder } from '../../../shared/ceremony/store-layout';

export type StorePath =
  | { kind: 'event'; ceremonyId: string; name: string; type: string; legacy?: true }
  | { kind: 'evidence'; ceremonyId: string; digest: string; legacy?: true }
  | { kind: 'repository'; name: string };

/** Files of the repository itself, written by Conclave when it makes the repository. */
export const repositoryFiles = {
  // Bytes stay exact: no line-ending conversion on any platform, whatever core.autocrlf says.
  '.gitattributes': '* -text\n',
  // Files are written under a hidden temporary name and renamed (atomic-file.ts); those are never shared.
  '.gitignore': '.*\n!.gitattributes\n!.gitignore\n',
} as const;

export function classifyPath(path: string): StorePath | undefined {
  if (path === '.gitattributes' || path === '.gitignore') return { kind: 'repository', name: path };
  const parts = path.split('/');
  if (parts[0] !== 'ceremonies') return undefined;
  let file: { ceremonyId: string; folder: string; name: string; legacy?: true };
  if (parts.length === 7) {
    const ceremonyId = parts[4]!;
    // The dated folders must be the id's own: one place per ceremony, whoever wrote it.
    if (!ceremonyIdPattern.test(ceremonyId) || parts.slice(0, 5).join('/') !== ceremonyFolder(ceremonyId)) return undefined;
    file = { ceremonyId, folder: parts[5]!, name: parts[6]! };
  } else if (parts.length === 4 && ceremonyIdPattern.test(parts[1]!)) {
    file = { ceremonyId: parts[1]!, folder: parts[2]!, name: parts[3]!, legacy: true };
  } else return undefined;
  const { ceremonyId, folder, name } = file;
  const legacy = file.legacy ? { legacy: true as const } : {};
  if (folder === 'events' && isEventFileName(name)) return { kind: 'event', ceremonyId, name, type: /-([a-z]+)-[0-9a-f]{16}\.json$/.exec(name)?.[1] ?? 'unknown', ...legacy };
  const digest = /^([0-9a-f]{64})\.json$/.exec(name)?.[1];
  if (folder === 'evidence' && digest) return { kind: 'evidence', ceremonyId, digest, ...legacy };
  return undefined;
}

/** Whether `path` is an event or evidence file where a Conclave before the dated folders kept it (`ceremonies/<id>/…`). */
export function isLegacyPath(path: string): boolean {
  const kind = classifyPath(path);
  return kind !== undefined && kind.kind !== 'repository' && kind.legacy === true;
}

/** Where an event or evidence file belongs in the dated layout, whichever layout `path` is in. */
export function currentPath(kind: Extract<StorePath, { ceremonyId: string }>): string {
  return kind.kind === 'event' ? `${ceremonySubfolder(kind.ceremonyId, 'events')}/${kind.name}` : `${ceremonySubfolder(kind.ceremonyId, 'evidence')}/${kind.digest}.json`;
}

/** "the approved event 2026…-approved-….json of ceremony c-…": how a path is named to a person. */
export function describePath(path: string): string {
  const kind = classifyPath(path);
  if (kind?.kind === 'event') return `the ${kind.type} event ${kind.name} of ceremony ${kind.ceremonyId}`;
  if (kind?.kind === 'evidence') return `the evidence file ${kind.digest.slice(0, 12)}… of ceremony ${kind.ceremonyId}`;
  return path;
}

/**
 * Of the removals in one diff (`git diff-tree -r`, a commit against a
 * parent), those that are the move to the dated folders: a legacy path
 * removed while the same diff adds the very same blob, as a regular file, at
 * the path the file has in the dated layout. Any other removal loses a file.
 */
export function layoutMoves(changes: readonly { status: string; mode: string; blob: string; oldBlob?: string; path: string }[]): Set<string> {
  const added = new Map<string, string>();
  for (const change of changes) if (change.status === 'A' && change.mode === '100644') added.set(change.path, change.blob);
  const moves = new Set<string>();
  for (const change of changes) {
    if (change.status !== 'D') continue;
    const kind = classifyPath(change.path);
    if (!kind || kind.kind === 'repository' || !kind.legacy) continue;
    const removedBlob = change.oldBlob ?? change.blob;
    if (added.get(currentPath(kind)) === removedBlob) moves.add(change.path);
  }
  return moves;
}
