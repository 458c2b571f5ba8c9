/**
 * The files room, for the browser shell, which has no native dialogs: a
 * folder's entries to browse. The desktop shell replaces files.pick and
 * files.reveal with its own dialogs and file manager.
 */
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConclaveError } from '../../../../shared/errors';
import type { RoomHandlers } from '../handlers';

/** Entries shown of one folder: a folder with more is not one anybody browses for a release's files. */
const maxEntries = 5000;

export function filesRoom(): RoomHandlers<'files'> {
  return {
    'files.pick': async () => null,
    'files.list': async ({ dir }) => {
      const folder = resolve(dir ?? homedir());
      if (!isAbsolute(folder)) throw new ConclaveError('invalid-input', 'Give a full path.');
      let names: string[];
      try {
        names = await readdir(folder);
      } catch {
        throw new ConclaveError('invalid-input', `Conclave cannot open the folder ${folder}.`);
      }
      const entries = [];
      for (const name of names.filter((candidate) => !candidate.startsWith('.')).slice(0, maxEntries)) {
        try {
          const info = await stat(join(folder, name));
          if (info.isDirectory()) entries.push({ name, kind: 'folder' as const });
          else if (info.isFile()) entries.push({ name, kind: 'file' as const, size: info.size });
        } catch {
          // Unreadable or vanished: not offered.
        }
      }
      entries.sort((a, b) => Number(b.kind === 'folder') - Number(a.kind === 'folder') || a.name.localeCompare(b.name));
      return { dir: folder, ...(dirname(folder) !== folder ? { parent: dirname(folder) } : {}), entries };
    },
    'files.reveal': async () => ({ shown: false }),
  };
}
