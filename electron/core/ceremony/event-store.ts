/**
 * The ceremony store on disk: one folder per ceremony, one file per event,
 * each written once and never rewritten (temporary name, fsync, rename, fsync
 * of the folder). File names carry the time, the event type and 64 random
 * bits, so two machines never pick the same name and their stores merge as a
 * plain union of files (issue 5 shares this folder through git).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CeremonyEvent, ceremonyIdPattern, eventPayloadType } from '../../../shared/ceremony/events';
import { envelopePayload, parseEnvelope, type Envelope } from '../../../shared/dsse/envelope';
import { ConclaveError } from '../../../shared/errors';
import { parseJsonBytes, parseJsonText } from '../../../shared/json/parse';
import { syncFolder, writeFileAtomically } from '../atomic-file';

export interface StoredEvent {
  /** The file name, unique across machines. */
  source: string;
  envelope: Envelope;
  event: CeremonyEvent;
}

/** No event is anywhere near this; a larger file is not one of ours. */
const maxEventBytes = 16 * 1024 * 1024;
const base32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function newCeremonyId(now: Date = new Date()): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  const random = [...randomBytes(10)].map((byte) => base32[byte & 31]).join('');
  return `c-${day}-${random}`;
}

export class CeremonyStore {
  constructor(readonly root: string) {}

  private ceremoniesDir(): string {
    return join(this.root, 'ceremonies');
  }

  eventsDir(ceremonyId: string): string {
    if (!ceremonyIdPattern.test(ceremonyId)) throw new ConclaveError('invalid-input', `"${ceremonyId}" is not a ceremony id. "conclave ceremony list" shows them.`);
    return join(this.ceremoniesDir(), ceremonyId, 'events');
  }

  async listCeremonies(): Promise<string[]> {
    try {
      return (await readdir(this.ceremoniesDir())).filter((name) => ceremonyIdPattern.test(name)).sort();
    } catch {
      return [];
    }
  }

  async exists(ceremonyId: string): Promise<boolean> {
    try {
      return (await stat(this.eventsDir(ceremonyId))).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * Keeps an evidence file (provenance, SBOM) with the ceremony, named by its
   * SHA-256, so reviewers and auditors see exactly what was checked. Writing
   * the same content twice is harmless: the name is the content.
   */
  async putEvidence(ceremonyId: string, bytes: Uint8Array): Promise<string> {
    const digest = createHash('sha256').update(bytes).digest('hex');
    const dir = this.evidenceDir(ceremonyId);
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${digest}.json`);
    try {
      await stat(path);
    } catch {
      await writeFileAtomically(path, bytes, 0o644);
      await syncFolder(dir);
    }
    return digest;
  }

  /** The evidence file with this digest, checked against it; undefined when it is not (yet) in the store. */
  async getEvidence(ceremonyId: string, digest: string): Promise<Uint8Array | undefined> {
    if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
    try {
      const bytes = new Uint8Array(await readFile(join(this.evidenceDir(ceremonyId), `${digest}.json`)));
      return createHash('sha256').update(bytes).digest('hex') === digest ? bytes : undefined;
    } catch {
      return undefined;
    }
  }

  private evidenceDir(ceremonyId: string): string {
    return join(this.eventsDir(ceremonyId), '..', 'evidence');
  }

  /** The digests of the ceremony's evidence files, sorted. */
  async evidenceDigests(ceremonyId: string): Promise<string[]> {
    try {
      return (await readdir(this.evidenceDir(ceremonyId))).flatMap((name) => /^([0-9a-f]{64})\.json$/.exec(name)?.[1] ?? []).sort();
    } catch {
      return [];
    }
  }

  /**
   * Writes an event file under the name another machine gave it (an import),
   * atomically and durably. The caller has checked the name and that no file
   * of that name exists; events are never rewritten.
   */
  async putEventFile(ceremonyId: string, name: string, text: string): Promise<void> {
    const dir = this.eventsDir(ceremonyId);
    await mkdir(dir, { recursive: true });
    await writeFileAtomically(join(dir, name), text, 0o644);
    await syncFolder(dir);
  }

  /** The event file names of a ceremony, sorted: enough to tell whether anything changed since last time. */
  async eventFileNames(ceremonyId: string): Promise<string[]> {
    try {
      return (await readdir(this.eventsDir(ceremonyId))).filter((name) => !name.startsWith('.') && name.endsWith('.json')).sort();
    } catch {
      return [];
    }
  }

  /** Appends one event; returns its file name. */
  async append(envelope: Envelope, event: CeremonyEvent): Promise<string> {
    const dir = this.eventsDir(event.ceremonyId);
    await mkdir(dir, { recursive: true });
    const stamp = event.at.replace(/[-:.]/g, '');
    const name = `${stamp}-${event.type}-${randomBytes(8).toString('hex')}.json`;
    await writeFileAtomically(join(dir, name), `${JSON.stringify(envelope, null, 2)}\n`, 0o644);
    await syncFolder(dir);
    return name;
  }

  /**
   * Every complete event of a ceremony. Files that are not readable events are
   * reported and skipped, never fatal: one damaged file must not hide the
   * signatures in the others. Temporary files left by a crash are ignored.
   */
  async read(ceremonyId: string): Promise<{ events: StoredEvent[]; problems: string[] }> {
    const dir = this.eventsDir(ceremonyId);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((name) => !name.startsWith('.') && name.endsWith('.json')).sort();
    } catch {
      throw new ConclaveError('invalid-input', `There is no ceremony ${ceremonyId} in the store at ${this.root}.`);
    }
    const events: StoredEvent[] = [];
    const problems: string[] = [];
    for (const name of names) {
      try {
        events.push(await this.readOne(join(dir, name), name));
      } catch (error) {
        problems.push(`${name} is not a readable event (${error instanceof Error ? error.message : String(error)}); it is ignored.`);
      }
    }
    return { events, problems };
  }

  private async readOne(path: string, source: string): Promise<StoredEvent> {
    // One open for the size check and the read: this runs for every file of every ceremony.
    const handle = await open(path, 'r');
    let text: string;
    try {
      if ((await handle.stat()).size > maxEventBytes) throw new Error('too large');
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
    // Event files arrive from other machines (sync, bundles): read them with the same limits as any outside JSON.
    const envelope = parseEnvelope(parseJsonText(text, { maxBytes: maxEventBytes }), { requireSignatures: false });
    if (envelope.payloadType !== eventPayloadType) throw new Error(`payload type ${envelope.payloadType}`);
    const parsed = CeremonyEvent.safeParse(parseJsonBytes(envelopePayload(envelope), { maxBytes: maxEventBytes }));
    if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    return { source, envelope, event: parsed.data };
  }
}
