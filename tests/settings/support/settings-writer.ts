/**
 * A second program writing the same settings as the test (as the CLI does
 * beside the window): adds `count` modules and `count` registries, one update
 * each, through the settings service. Run with `node --import tsx`.
 * Arguments: the data folder, a name for this writer, the count.
 */
import { settingsOf } from '../../../electron/core/settings';

const [dataDir, name, count] = process.argv.slice(2);
const settings = settingsOf(dataDir!);
const updates: Promise<unknown>[] = [];
for (let index = 0; index < Number(count); index++) {
  updates.push(settings.update((current) => ({ ...current, modules: [...current.modules, { path: `/opt/${name}/module-${index}.so` }] })));
  updates.push(settings.update((current) => ({ ...current, insecureRegistries: [...current.insecureRegistries, `${name}-${index}.lan`] })));
}
await Promise.all(updates);
