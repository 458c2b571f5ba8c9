/** The settings room: the folders Conclave uses, and the registries allowed plain HTTP. */
import type { RoomHandlers } from '../handlers';
import type { SettingsService } from '../../settings';

export function settingsRoom(options: { dataDir: string; storeDir: string; publishDir: string; settings: SettingsService }): RoomHandlers<'settings'> {
  const { settings } = options;
  return {
    'settings.get': async () => ({ dataDir: options.dataDir, storeDir: options.storeDir, publishDir: options.publishDir }),
    'settings.registries': async () => ({ insecureRegistries: (await settings.read()).insecureRegistries }),
    'settings.setInsecureRegistries': async ({ hosts }) => {
      const insecureRegistries = [...new Set(hosts.map((host) => host.toLowerCase()))];
      await settings.update((current) => ({ ...current, insecureRegistries }));
      return { insecureRegistries };
    },
  };
}
