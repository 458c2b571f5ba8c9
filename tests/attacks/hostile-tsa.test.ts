/**
 * Attack 8 (issue 10), and the hostile peer of the trust model: the policy's
 * time-stamping authority (trusted time is optional, `required: false`)
 * answers HTTP 500 with a 5,000-character reason and body under a long URL,
 * floods the approver with an endless reply, or never answers. Each approval
 * must still be recorded, load and count, with a `noTrustedTime` that fits the
 * event schema (at most 1,024 characters), and no approval may hang.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovedEvent } from '../../shared/ceremony/events';
import { createTestCa, makeLabFolder } from '../support/tsa';
import { keyUri, makeAttackWorld, type AttackWorld } from './support/world';

const slow = 240_000;
type Mode = 'error' | 'flood' | 'silent';
let mode: Mode = 'error';
let server: Server;
let lab: Awaited<ReturnType<typeof makeLabFolder>>;
let world: AttackWorld;
const hits: Record<Mode, number> = { error: 0, flood: 0, silent: 0 };

beforeAll(async () => {
  server = createServer((request, response) => {
    hits[mode] += 1;
    request.resume();
    if (mode === 'error') {
      response.writeHead(500, 'E'.repeat(5000), { 'content-type': 'text/plain' });
      response.end('x'.repeat(5000));
    } else if (mode === 'flood') {
      response.writeHead(200, { 'content-type': 'application/timestamp-reply' });
      const chunk = Buffer.alloc(64 * 1024, 0x30);
      let sent = 0;
      const pump = () => {
        // Endless as far as the client can tell: stop only when it hangs up, or after 64 MiB.
        while (!response.destroyed && sent < 1024 && response.write(chunk)) sent += 1;
        if (!response.destroyed && sent < 1024) response.once('drain', pump);
        else response.end();
      };
      pump();
    }
    // silent: never answers; the client's deadline must end it.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  lab = await makeLabFolder();
  const ca = await createTestCa(lab.dir, 'tsa-root');
  const url = `http://127.0.0.1:${port}/${'tsr/'.repeat(75)}`;
  world = await makeAttackWorld({
    policy: (document) => ({ ...document, timestamping: { url, certificates: readFileSync(ca.certPath, 'utf8'), required: false } }),
  });
}, slow);
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await lab?.remove();
  world?.cleanup();
});

describe('a hostile time-stamping authority', () => {
  let id: string;
  beforeAll(async () => {
    id = await world.open();
  }, slow);

  const approveWhile = async (now: Mode, who: 'alice' | 'bob' | 'carol') => {
    mode = now;
    const before = hits[now];
    const started = Date.now();
    const result = await world.approve(id, who);
    expect(result.timedOut).toBe(false);
    expect(result.code, result.err).toBe(0);
    expect(hits[now]).toBeGreaterThan(before);
    return { result, seconds: (Date.now() - started) / 1000 };
  };

  const recorded = (who: 'alice' | 'bob' | 'carol') => {
    const file = world.filesOf(id, 'approved').find((candidate) => candidate.event.keyId === world.keyIds[who]);
    expect(file).toBeDefined();
    // What the loader applies: the file must read back as an approval.
    expect(ApprovedEvent.safeParse(file!.event).success).toBe(true);
    expect(file!.event.timestamp).toBeUndefined();
    const reason = file!.event.noTrustedTime as string;
    expect(reason.length).toBeGreaterThan(0);
    expect(reason.length).toBeLessThanOrEqual(1024);
    return reason;
  };

  it('answering HTTP 500 with 5,000 characters of reason: the approval is recorded, loads and counts', async () => {
    await approveWhile('error', 'alice');
    const reason = recorded('alice');
    // The TSA's 5,000 characters were cut to fit, and say so.
    expect(reason).toMatch(/answered HTTP 500 EEEE/);
    expect(reason).toHaveLength(1024);
    expect(reason.endsWith('…')).toBe(true);
    const view = await world.show(id);
    expect(view.approvals.map((approval) => approval.keyId)).toEqual([world.keyIds.alice]);
    expect(view.problems).toEqual([]);
  }, slow);

  it('flooding the approver with an endless reply: the reply is cut off and the approval counts', async () => {
    await approveWhile('flood', 'bob');
    recorded('bob');
    const view = await world.show(id);
    expect(view.state).toBe('approved');
    expect(view.approvals.map((approval) => approval.keyId).sort()).toEqual([world.keyIds.alice, world.keyIds.bob].sort());
  }, slow);

  it('never answering: the approval ends at the deadline and counts', async () => {
    const { seconds } = await approveWhile('silent', 'carol');
    expect(seconds).toBeLessThan(60);
    expect(recorded('carol')).toMatch(/did not answer/);
    const view = await world.show(id);
    expect(view.approvals).toHaveLength(3);
    expect(view.problems).toEqual([]);
  }, slow);

  it('the approvals without trusted time publish and verify', async () => {
    const out = join(world.work, 'out');
    const published = await world.cli(['ceremony', 'publish', id, '--out', out, '--key', keyUri('rita'), '--pin-env', 'PIN']);
    expect(published.code, published.err).toBe(0);
    const verified = await world.cli(['verify', '--policy', world.policyPath, '--envelope', join(out, 'app-1.0.0.intoto.dsse.json'), '--artifact', world.artifactPath]);
    expect(verified.code, verified.out).toBe(0);
  }, slow);
});
