/**
 * The policies this machine trusts (issue 10): the files in the data folder's
 * `policies/`, one per policy, named by its digest. A policy gets there only
 * by an act of the person at this machine (Settings → Policies, `conclave
 * policy trust FILE`, or creating the demo policy), never by anything that
 * arrives in the shared store or a bundle: an opening that carries another
 * policy, however well signed, is shown as untrusted and takes no decisions.
 *
 * The folder is the user's own (the data folder is created 0700), so another
 * user on the machine cannot add to it.
 */
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { PolicySummary } from '../../../shared/api/contract';
import { describePolicy } from '../../../shared/policy/describe';
import { loadPolicyText, type Policy } from '../../../shared/policy/policy';
import { parseJsonText } from '../../../shared/json/parse';
import { writeFileAtomically } from '../atomic-file';
import { nodeDigester } from '../crypto/node-crypto';
import { readPolicyFile } from '../ceremony/policy-file';
import type { PolicyTrust } from '../ceremony/ceremony-service';

/** Policies a policy ceremony replaced: digest → when, and by which ceremony. */
const SupersededRecord = z.record(z.string().regex(/^[0-9a-f]{64}$/), z.object({ at: z.iso.datetime({ offset: true }), ceremonyId: z.string(), by: z.string().regex(/^[0-9a-f]{64}$/) }).strict());

export class PolicyFolder implements PolicyTrust {
  readonly dir: string;
  /** Replaced policies are kept here, out of the trusted list, for the ceremonies opened under them before the change. */
  private readonly supersededDir: string;
  private readonly supersededPath: string;
  /** Changes to the folder one at a time: two adoptions must not lose each other's record. */
  private changing: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'policies');
    this.supersededDir = join(this.dir, 'superseded');
    this.supersededPath = join(this.supersededDir, 'superseded.json');
  }

  async supersededPolicies(): Promise<ReadonlyMap<string, string>> {
    return new Map(Object.entries(await this.readSuperseded()).map(([digest, entry]) => [digest, entry.at]));
  }

  /** The last reading of superseded.json, kept while the file is unchanged: like the listing, every ceremony load asks. */
  private superseded?: { key: string; record: z.output<typeof SupersededRecord> };

  private async readSuperseded(): Promise<z.output<typeof SupersededRecord>> {
    const key = await stat(this.supersededPath).then((info) => `${info.size}:${info.mtimeMs}`, () => 'none');
    if (this.superseded?.key === key) return this.superseded.record;
    let record: z.output<typeof SupersededRecord> = {};
    try {
      if (key !== 'none') record = SupersededRecord.parse(parseJsonText(await readFile(this.supersededPath, 'utf8'), { maxBytes: 1024 * 1024 }));
    } catch {
      record = {};
    }
    this.superseded = { key, record };
    return record;
  }

  /**
   * A published policy ceremony under a policy trusted here (issue 10): the
   * policy it proposes becomes trusted, and the one it replaces is kept only
   * for the ceremonies opened before `at`.
   */
  adopt(proposedText: string, replaced: string, at: string, ceremonyId: string): Promise<void> {
    const next = this.changing.then(async () => {
      const { policy } = await this.trust(proposedText);
      const superseded = await this.readSuperseded();
      if (superseded[replaced]) return;
      const old = (await this.list()).find((entry) => entry.digest === replaced);
      await mkdir(this.supersededDir, { recursive: true, mode: 0o700 });
      if (old) await rename(old.path, join(this.supersededDir, basename(old.path)));
      await writeFileAtomically(this.supersededPath, `${JSON.stringify({ ...superseded, [replaced]: { at, ceremonyId, by: policy.digest } }, null, 2)}\n`, 0o600);
    });
    this.changing = next.catch(() => undefined);
    return next;
  }

  /** The last listing, kept while no file in the folder changed: every ceremony load asks for the trusted digests. */
  private listed?: { key: string; summaries: (PolicySummary & { policy: Policy })[] };

  /** Every policy in the folder that still loads, by file name order. A file that no longer loads is not trusted. */
  async list(): Promise<(PolicySummary & { policy: Policy })[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((name) => name.endsWith('.json')).sort();
    } catch {
      return [];
    }
    const stats = await Promise.all(names.map((name) => stat(join(this.dir, name)).then((info) => `${name}:${info.size}:${info.mtimeMs}`, () => `${name}:gone`)));
    const key = stats.join('|');
    if (this.listed?.key === key) return this.listed.summaries;
    const summaries: (PolicySummary & { policy: Policy })[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      try {
        const policy = await readPolicyFile(path);
        summaries.push({ digest: policy.digest, ...(policy.name ? { name: policy.name } : {}), path, description: describePolicy(policy), policy });
      } catch {
        // A file that is no longer a valid policy is neither offered nor trusted.
      }
    }
    this.listed = { key, summaries };
    return summaries;
  }

  async trustedDigests(): Promise<ReadonlySet<string>> {
    return new Set((await this.list()).map((entry) => entry.digest));
  }

  /**
   * Trusts a policy from its text (validated first: a policy that cannot be met is refused here); returns it and where it was kept.
   * `fileName`, where the text came from, names it in the messages.
   */
  async trust(text: string, fileName?: string): Promise<{ policy: Policy; path: string; alreadyTrusted: boolean }> {
    const policy = await loadPolicyText(text, nodeDigester, fileName);
    const existing = (await this.list()).find((entry) => entry.digest === policy.digest);
    if (existing) return { policy, path: existing.path, alreadyTrusted: true };
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `${(policy.name ?? 'policy').replace(/[^A-Za-z0-9._-]+/g, '-')}-${policy.digest.slice(0, 12)}.json`);
    await writeFileAtomically(path, text.endsWith('\n') ? text : `${text}\n`, 0o644);
    return { policy, path, alreadyTrusted: false };
  }
}
