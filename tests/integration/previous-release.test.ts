/**
 * "Changes since the previous release" compares with a release people could
 * approve: never with a ceremony cancelled before its statement was frozen
 * (issue 16), whose evidence nobody reviewed.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import type { CallName } from '../../shared/api/contract';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let core: Core;

async function call<T = unknown>(name: CallName, input: unknown): Promise<T> {
  const result = await dispatchCall(core.handlers, name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as T;
}

type Detail = { id: string; state: string; changes?: { previous: { id: string; version: string } } };

beforeAll(async () => {
  folder = makeTokenFolder();
  home = makeDataDir();
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
  await call('demo.create', {});
  await call('policies.createDemo', {});
});

afterAll(async () => {
  await core?.dispose();
  folder?.cleanup();
  home?.cleanup();
});

describe('changes since the previous release', () => {
  it('skip a ceremony cancelled before it was frozen, and compare with the last frozen one', async () => {
    const [policy] = await call<{ path: string }[]>('policies.list', {});
    const keys = await call<{ tokenLabel: string; keyUri: string }[]>('policies.signingKeys', { policyPath: policy!.path });
    const carol = keys.find((key) => key.tokenLabel === 'carol')!;
    const open = (version: string, artifact: string, operationId: string) =>
      call<Detail>('ceremonies.open', {
        operationId,
        policyPath: policy!.path,
        release: { name: 'slsa-demo', version },
        artifactPaths: [artifact],
        provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)],
        keyUri: carol.keyUri,
        pin: Buffer.from('123456'),
      });

    const frozen = await open('1.0.0', join(home.dir, artifactName), 'open-0001');
    expect(frozen.state).toBe('frozen');

    // 1.0.1 with evidence that fails stays open (the demo policy allows no override), and is cancelled unfrozen.
    const blocked = await open('1.0.1', fixture('gundam-visor-cli-v1-tag.tgz'), 'open-0002');
    expect(blocked.state).toBe('open');
    await call('ceremonies.cancel', { id: blocked.id, keyUri: carol.keyUri, pin: Buffer.from('123456') });

    const next = await open('1.0.2', join(home.dir, artifactName), 'open-0003');
    expect(next.changes?.previous).toEqual({ id: frozen.id, version: '1.0.0' });
    const shown = await call<Detail>('ceremonies.get', { id: next.id });
    expect(shown.changes?.previous.version).toBe('1.0.0');
  });
});
