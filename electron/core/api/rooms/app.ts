/** The app room: which Conclave this is and where its data lives. */
import type { RoomHandlers } from '../handlers';

export function appRoom(options: { version: string; shell: 'electron' | 'browser' | 'cli'; dataDir: string }): RoomHandlers<'app'> {
  return {
    'app.info': async () => ({ version: options.version, shell: options.shell === 'electron' ? 'electron' : 'browser', dataDir: options.dataDir }),
  };
}
