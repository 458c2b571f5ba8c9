/** The user's settings in the data folder: the PKCS#11 modules they added by path, and the registries allowed plain HTTP. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from './atomic-file';

const SettingsSchema = z.object({
  version: z.literal(1),
  modules: z.array(
    z.object({
      path: z.string().min(1),
      /** The module's own C_Initialize parameters (NSS softokn: configdir='sql:DIR' …), for modules that need some (issue 13). */
      initParameters: z.string().max(4096).optional(),
    }),
  ),
  /** Registries (host or host:port) the window may reach over plain HTTP; files from before it have none. */
  insecureRegistries: z.array(z.string()).default([]),
});
export type Settings = z.infer<typeof SettingsSchema>;

const empty: Settings = { version: 1, modules: [], insecureRegistries: [] };

export class SettingsFile {
  constructor(private readonly dataDir: string) {}

  get path(): string {
    return join(this.dataDir, 'settings.json');
  }

  async read(): Promise<Settings> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return structuredClone(empty);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = SettingsSchema.safeParse(json);
    // A settings file from a newer or broken version is left alone, not overwritten blindly.
    if (!parsed.success) throw new Error(`The settings file ${this.path} is not readable by this version of Conclave. Fix or move it, then start again.`);
    return parsed.data;
  }

  async write(settings: Settings): Promise<void> {
    await writeFileAtomically(this.path, `${JSON.stringify(settings, null, 2)}\n`);
  }
}
