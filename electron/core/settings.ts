/**
 * The user's settings in the data folder: the PKCS#11 modules they added by
 * path, and the registries allowed plain HTTP. One service per settings file
 * in a process, and every change goes through its `update`:
 *
 * - In this process, updates run one after another (one writer queue), each
 *   reading the file afresh, so adding a module while the registries change
 *   keeps both.
 * - Across processes (the CLI beside the window), each update holds a lock
 *   file next to settings.json (settings.json.lock, proper-lockfile: an
 *   atomic mkdir, refreshed while held, taken over when its holder died and
 *   left it stale). A lock rather than re-reading and comparing before the
 *   rename: a compare and a rename are two steps, and another process can
 *   write between them; under the lock nobody can.
 *
 * Reading needs no lock: the file is replaced by a rename (atomic-file.ts),
 * so a reader sees the old settings or the new, never half of them.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { lock } from 'proper-lockfile';
import { z } from 'zod';
import { ConclaveError } from '../../shared/errors';
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
export type AddedModule = Settings['modules'][number];

const empty: Settings = { version: 1, modules: [], insecureRegistries: [] };

/** How long an update waits for another process's: far longer than any update holds the lock (a read and a rename). */
const lockRetries = { retries: 60, factor: 1.3, minTimeout: 5, maxTimeout: 500, randomize: true };

export class SettingsService {
  /** The tail of this process's writer queue. */
  private queue: Promise<unknown> = Promise.resolve();

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
    if (!parsed.success) throw new ConclaveError('invalid-input', `The settings file ${this.path} is not readable by this version of Conclave. Fix or move it, then start again.`);
    return parsed.data;
  }

  /**
   * Changes the settings as `change` says, given the settings as they are now
   * (read under the lock, after every earlier update): returns them as
   * written. When `change` returns its argument unchanged, nothing is written.
   */
  update(change: (current: Settings) => Settings): Promise<Settings> {
    const run = this.queue.then(() => this.underLock(change));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async underLock(change: (current: Settings) => Settings): Promise<Settings> {
    await mkdir(this.dataDir, { recursive: true });
    let lost: Error | undefined;
    let release: () => Promise<void>;
    try {
      release = await lock(this.path, { realpath: false, retries: lockRetries, onCompromised: (error) => (lost = error) });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ELOCKED') throw error;
      throw new ConclaveError('conflict', `Another Conclave is changing the settings and has not finished (${this.path}.lock). Nothing was changed; try again in a moment.`);
    }
    try {
      const current = await this.read();
      const next = change(structuredClone(current));
      if (JSON.stringify(next) === JSON.stringify(current)) return current;
      const checked = SettingsSchema.parse(next);
      // A lock taken over while this update ran (held past its staleness) no longer keeps others out: write nothing.
      if (lost) throw new ConclaveError('conflict', `The settings were not changed: another Conclave took over ${this.path}.lock. Try again.`);
      await writeFileAtomically(this.path, `${JSON.stringify(checked, null, 2)}\n`);
      return checked;
    } finally {
      await release().catch(() => undefined);
    }
  }
}

const services = new Map<string, SettingsService>();

/** The one settings service of this data folder in this process, so that every writer here shares its queue. */
export function settingsOf(dataDir: string): SettingsService {
  const key = resolve(dataDir);
  let service = services.get(key);
  if (!service) {
    service = new SettingsService(key);
    services.set(key, service);
  }
  return service;
}
