/**
 * "Waiting on me" at a start (issue 15). The window's first list answers at
 * once, before the token hosts have loaded their modules (half a second or
 * more): until the core has looked at the keys attached here, the page says
 * "waiting on me" is not known, rather than mark nothing and count 0 ("nothing
 * waits on you"). Once it has looked, tokens.changed tells every window, and
 * the page asked then counts the ceremony that waits on this machine.
 *
 * The token host is a real one over SoftHSM2 demo tokens; its answers are
 * held back until the test lets them through, so that the first page
 * certainly comes before the first look.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { forkHostLauncher, type HostLauncher, type HostProcess } from '../../electron/core/tokens/host-process';
import type { CallName, CallOutput } from '../../shared/api/contract';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;

async function call<T>(core: Core, name: CallName, input: unknown): Promise<T> {
  const result = await dispatchCall(core.handlers, name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.value as T;
}

/** Real token hosts whose messages to the core wait until `letThrough()`. */
function heldHosts(): { launcher: HostLauncher; letThrough(): void } {
  let held = true;
  const waiting: (() => void)[] = [];
  const launcher: HostLauncher = (options) => {
    const host = forkHostLauncher(options);
    const wrapped: HostProcess = {
      postMessage: (message, transfer) => host.postMessage(message, transfer),
      onMessage: (listener) => host.onMessage((message) => (held ? waiting.push(() => listener(message)) : listener(message))),
      onExit: (listener) => host.onExit(listener),
      kill: (force) => host.kill(force),
      ...(host.sendPin ? { sendPin: (pin: Uint8Array) => host.sendPin!(pin) } : {}),
    };
    return wrapped;
  };
  return {
    launcher,
    letThrough() {
      held = false;
      for (const deliver of waiting.splice(0)) deliver();
    },
  };
}

beforeAll(async () => {
  folder = makeTokenFolder();
  home = makeDataDir();
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  // An earlier session: demo tokens, the demo policy, and a ceremony carol opened, which alice and bob may approve here.
  const earlier = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
  try {
    await call(earlier, 'demo.create', {});
    const [policy] = await call<{ path: string }[]>(earlier, 'policies.createDemo', {});
    const carol = (await call<{ tokenLabel: string; keyUri: string }[]>(earlier, 'policies.signingKeys', { policyPath: policy!.path })).find((key) => key.tokenLabel === 'carol')!;
    await call(earlier, 'ceremonies.open', {
      operationId: 'open-0001',
      policyPath: policy!.path,
      release: { name: 'slsa-demo', version: '1.0.0' },
      artifactPaths: [join(home.dir, artifactName)],
      provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)],
      keyUri: carol.keyUri,
      pin: Buffer.from('123456'),
    });
  } finally {
    await earlier.dispose();
  }
});

afterAll(() => {
  folder?.cleanup();
  home?.cleanup();
});

describe('"waiting on me" when the core has just started', () => {
  it('is not known in the first list, which does not wait for the tokens; tokens.changed follows the first look, and the list then counts it', async () => {
    const hosts = heldHosts();
    const core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', hostLauncher: hosts.launcher, modules: [{ path: softhsmModule!, env: folder.env }] });
    // What a window asks each time tokens.changed comes, asked at that moment.
    const askedOnTokensChanged: Promise<CallOutput<'ceremonies.page'>>[] = [];
    core.subscribe((name) => {
      if (name === 'tokens.changed') askedOnTokensChanged.push(call(core, 'ceremonies.page', { tab: 'all', limit: 50 }));
    });
    try {
      const first = await call<CallOutput<'ceremonies.page'>>(core, 'ceremonies.page', { tab: 'all', limit: 50 });
      expect(first.items.map((row) => row.release.name)).toEqual(['slsa-demo']);
      expect(first.waitingOnMeKnown).toBe(false);
      expect(first.items[0]!.waitingOnMe).toBe(false);
      expect(first.counts.waiting).toBe(0);

      hosts.letThrough();
      await expect
        .poll(async () => (await Promise.all(askedOnTokensChanged)).some((page) => page.waitingOnMeKnown), { timeout: 30_000 })
        .toBe(true);
      const afterTheLook = (await Promise.all(askedOnTokensChanged)).find((page) => page.waitingOnMeKnown)!;
      expect(afterTheLook.counts.waiting).toBe(1);
      expect(afterTheLook.items[0]!.waitingOnMe).toBe(true);
    } finally {
      await core.dispose();
    }
  });
});
