/**
 * The world the judge's property tests generate stores in: a handful of
 * software keys (approvers, a second key of one approver, a release manager,
 * an outsider), policies built from them, and honest ceremonies opened and
 * frozen by the real CeremonyService with the real evidence fixtures, so
 * every opening and statement is exactly what Conclave writes. Generated
 * operations (operations.ts) are then added to these as event files.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CeremonyService } from '../../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../../electron/core/ceremony/event-store';
import { nodeAlgorithmSignatureVerifier, nodeDigester, nodeSignatureVerifier, nodeTrustedTimeDependencies } from '../../../electron/core/crypto/node-crypto';
import type { JudgeDependencies } from '../../../shared/ceremony/judge';
import type { OpenedEvent } from '../../../shared/ceremony/events';
import { loadPolicy, type Policy } from '../../../shared/policy/policy';
import { makeTestKey, type TestKey } from '../../support/test-keys';
import { softwareKeyUri, softwareSigner } from '../../support/software-signer';

export const people = ['alice', 'bob', 'carol'] as const;
/** Everyone who holds a key: `alice2` is alice's second key (listed only in some policies), rita a release manager, mallory nobody's. */
export const holders = ['alice', 'alice2', 'bob', 'carol', 'rita', 'mallory'] as const;
export type Holder = (typeof holders)[number];

/** The generated dimensions of a policy. */
export interface PolicyVariant {
  openerMayApprove: boolean;
  /** At least one security approval (alice is the only security approver). */
  securityRole: boolean;
  /** Alice holds a second key: two keys of one person must count once. */
  aliceTwoKeys: boolean;
}

export const maxOpenHours = 24;
export const openedAt = new Date('2026-11-22T10:00:00.000Z');
export const expiresAt = new Date(openedAt.getTime() + maxOpenHours * 3_600_000);

export interface BaseFile {
  name: string;
  text: string;
}

/** One honest ceremony, opened (and frozen) by the service: its files as stored, and what they say. */
export interface HonestCeremony {
  id: string;
  variant: PolicyVariant;
  opener: Holder;
  policyDocument: Record<string, unknown>;
  policy: Policy;
  opened: OpenedEvent;
  openingFile: BaseFile;
  frozenFile: BaseFile;
  /** The statement of the honest freeze. */
  statement: Uint8Array;
}

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/real/${name}`, import.meta.url));
const artifacts = ['binary-linux-amd64-multi-subject-first', 'gundam-visor-cli-v1-tag.tgz'];
const provenance = ['binary-linux-amd64-multi-subject-first.intoto.jsonl', 'gundam-visor-cli-v1-tag.tgz.json'];

export class World {
  readonly dir = mkdtempSync(join(tmpdir(), 'conclave-judge-'));
  readonly keys: Record<Holder, TestKey> = {
    alice: makeTestKey('ecdsa-p256'),
    alice2: makeTestKey('ed25519'),
    bob: makeTestKey('ed25519'),
    carol: makeTestKey('ecdsa-p384'),
    rita: makeTestKey('ecdsa-p256'),
    mallory: makeTestKey('ecdsa-p256'),
  };
  private readonly ceremonies = new Map<string, Promise<HonestCeremony>>();
  private readonly policies = new Map<string, Promise<Policy>>();
  private runs = 0;

  constructor() {
    for (const name of artifacts) copyFileSync(fixture(name), join(this.dir, name));
  }

  /** What the judge is given, as CeremonyService gives it (without CRLs: no certificate approvers here). */
  readonly dependencies: JudgeDependencies = {
    signatureVerifier: nodeSignatureVerifier,
    digester: nodeDigester,
    loadPolicy: (document) => this.loadPolicyCached(document),
    trustedTime: nodeTrustedTimeDependencies,
    certificates: { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier },
  };

  private loadPolicyCached(document: unknown): Promise<Policy> {
    const text = JSON.stringify(document);
    let loaded = this.policies.get(text);
    if (!loaded) {
      loaded = loadPolicy(document, nodeDigester);
      this.policies.set(text, loaded);
    }
    return loaded;
  }

  /** The policy document of a variant; `swapCarol` puts mallory's key in carol's place, ids unchanged (an attacker's copy of the team's policy). */
  policyDocument(variant: PolicyVariant, options: { swapCarol?: boolean } = {}): Record<string, unknown> {
    const { keys } = this;
    return {
      version: 1,
      name: 'judge properties',
      threshold: 2,
      approvers: [
        { id: 'alice', role: 'security', publicKey: keys.alice.publicKeyPem },
        ...(variant.aliceTwoKeys ? [{ id: 'alice', role: 'security', publicKey: keys.alice2.publicKeyPem }] : []),
        { id: 'bob', role: 'engineering', publicKey: keys.bob.publicKeyPem },
        { id: 'carol', role: 'engineering', publicKey: (options.swapCarol ? keys.mallory : keys.carol).publicKeyPem },
      ],
      releaseManagers: [{ id: 'rita', name: 'Rita Release', publicKey: keys.rita.publicKeyPem }],
      ...(variant.securityRole ? { roles: { security: 1 } } : {}),
      separationOfDuties: { openerMayApprove: variant.openerMayApprove },
      ceremony: { maxOpenHours },
    };
  }

  loadPolicy(document: unknown): Promise<Policy> {
    return this.loadPolicyCached(document);
  }

  /** An honest ceremony under this variant opened by `opener`, opened once and kept (opening hashes files and signs). */
  ceremony(variant: PolicyVariant, opener: Holder, tag = 'main'): Promise<HonestCeremony> {
    const key = JSON.stringify([variant, opener, tag]);
    let ceremony = this.ceremonies.get(key);
    if (!ceremony) {
      ceremony = this.open(variant, opener);
      this.ceremonies.set(key, ceremony);
    }
    return ceremony;
  }

  private async open(variant: PolicyVariant, opener: Holder): Promise<HonestCeremony> {
    const root = join(this.dir, `honest-${this.ceremonies.size}`);
    mkdirSync(root, { recursive: true });
    const policyDocument = this.policyDocument(variant);
    const policyPath = join(root, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(policyDocument));
    const service = new CeremonyService(new CeremonyStore(join(root, 'store')), softwareSigner(() => this.keys), () => openedAt);
    const { view, policy, opened, statement, frozenSource, openingSource } = await service.open({
      policyPath,
      release: { name: 'demo', version: '1.0.0' },
      artifactPaths: artifacts.map((name) => join(this.dir, name)),
      provenancePaths: provenance.map(fixture),
      openerKeyUri: softwareKeyUri(opener),
    });
    if (view.state !== 'frozen' || !statement || !frozenSource) throw new Error(`The honest ceremony did not freeze at once (${view.state}): ${JSON.stringify(view.findings)}`);
    const eventsDir = service.store.eventsDir(view.id);
    const read = (name: string): BaseFile => ({ name, text: readFileSync(join(eventsDir, name), 'utf8') });
    if (readdirSync(eventsDir).length !== 2) throw new Error('The honest ceremony has other files than its opening and its freeze.');
    return { id: view.id, variant, opener, policyDocument, policy, opened, openingFile: read(openingSource), frozenFile: read(frozenSource), statement };
  }

  /** A fresh empty folder for one generated store. */
  scratch(): string {
    const dir = join(this.dir, `run-${this.runs++}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
