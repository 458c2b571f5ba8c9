/**
 * Which files of the store folder belong in the ceremony repository: event
 * files and evidence files, under the names the store gives them
 * (event-store.ts). Nothing else is committed, and nothing else arriving from
 * a remote is written into the store folder.
 */
import { isEventFileName } from '../../../shared/ceremony/bundle-format';
import { ceremonyIdPattern } from '../../../shared/ceremony/events';

export type StorePath =
  | { kind: 'event'; ceremonyId: string; name: string; type: string }
  | { kind: 'evidence'; ceremonyId: string; digest: string }
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
  if (parts.length !== 4 || parts[0] !== 'ceremonies' || !ceremonyIdPattern.test(parts[1]!)) return undefined;
  const [, ceremonyId, folder, name] = parts as [string, string, string, string];
  if (folder === 'events' && isEventFileName(name)) return { kind: 'event', ceremonyId, name, type: /-([a-z]+)-[0-9a-f]{16}\.json$/.exec(name)?.[1] ?? 'unknown' };
  const digest = /^([0-9a-f]{64})\.json$/.exec(name)?.[1];
  if (folder === 'evidence' && digest) return { kind: 'evidence', ceremonyId, digest };
  return undefined;
}

/** "the approved event 2026…-approved-….json of ceremony c-…": how a path is named to a person. */
export function describePath(path: string): string {
  const kind = classifyPath(path);
  if (kind?.kind === 'event') return `the ${kind.type} event ${kind.name} of ceremony ${kind.ceremonyId}`;
  if (kind?.kind === 'evidence') return `the evidence file ${kind.digest.slice(0, 12)}… of ceremony ${kind.ceremonyId}`;
  return path;
}
