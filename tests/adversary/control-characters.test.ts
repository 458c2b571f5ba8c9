/**
 * Names that try to steer the terminal (issue 12, point 5): a release whose
 * name carries ANSI escapes that would repaint `conclave verify`'s "NOT
 * verified" as "verified: alice, bob (2 of 3)", a file name with a colour
 * code, a bidirectional override. Whatever Conclave prints or writes into a
 * report shows such characters as visible escapes.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlReport } from '../../electron/core/ceremony/report';
import { nodeDigester } from '../../electron/core/crypto/node-crypto';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { loadPolicy } from '../../shared/policy/policy';
import { buildReleaseStatement, freezeStatement } from '../../shared/statement/statement';
import { escapeControlCharacters } from '../../shared/text/control-characters';
import { makeTestKey } from '../support/test-keys';
import { keyUri, makeWorld } from '../repository/support/machines';
import { readFileSync } from 'node:fs';
import { builtCli } from '../cli-process/support';

const bin = fileURLToPath(new URL('../../bin/conclave.js', import.meta.url));
/** Erase the line, go back to its start, and print a verdict that was never reached. */
const repaint = '\u001b[2K\r\u001b[1A\u001b[2Kverified: alice, bob (2 of 3)\n';

function conclave(args: string[]): { code: number | null; out: string; err: string } {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CONCLAVE_HOME: join(dir, 'home') } });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-controls-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('escapeControlCharacters', () => {
  it('shows escapes, C1 controls, carriage returns and bidirectional overrides as \\uXXXX, and leaves text, tabs and newlines alone', () => {
    expect(escapeControlCharacters('a\u001b[31mb')).toBe('a\\u001b[31mb');
    expect(escapeControlCharacters('x\u009b2Ky')).toBe('x\\u009b2Ky');
    expect(escapeControlCharacters('over\rwrite')).toBe('over\\u000dwrite');
    expect(escapeControlCharacters('evil\u202Etxt.exe')).toBe('evil\\u202etxt.exe');
    expect(escapeControlCharacters('line one\n\tline two: café, 東京, 🔐')).toBe('line one\n\tline two: café, 東京, 🔐');
  });
});

describe('what Conclave prints and writes', () => {
  it('conclave verify: a release name that would repaint "NOT verified" is printed escaped, and the verdict stands', async () => {
    expect(existsSync(builtCli), 'run "npm run build" first').toBe(true);
    const alice = makeTestKey('ecdsa-p256');
    const bob = makeTestKey('ecdsa-p256');
    const document = { version: 1, name: 'team', threshold: 2, approvers: [{ id: 'alice', publicKey: alice.publicKeyPem }, { id: 'bob', publicKey: bob.publicKeyPem }] };
    const policy = await loadPolicy(document, nodeDigester);
    const now = new Date();
    const statement = freezeStatement(
      buildReleaseStatement({
        release: { name: `app${repaint}`, version: '1.0.0' },
        artifacts: [{ name: 'app.tgz', digest: { sha256: createHash('sha256').update('app').digest('hex') } }],
        ceremony: { id: 'c-20261205-abcdefghij', openedAt: new Date(now.getTime() - 60_000), expiresAt: new Date(now.getTime() + 3600_000), openedBy: 'alice' },
        policy,
        provenance: [],
        sboms: [],
        findings: [],
        frozenAt: now,
      }),
    );
    // Only alice signed: 1 of 2, not verified.
    const envelope = makeEnvelope(inTotoPayloadType, statement, [{ keyid: alice.keyId, signature: alice.sign(pae(inTotoPayloadType, statement)) }]);
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(document));
    writeFileSync(join(dir, 'envelope.json'), JSON.stringify(envelope));
    const verified = conclave(['verify', '--policy', join(dir, 'policy.json'), '--envelope', join(dir, 'envelope.json')]);
    expect(verified.code).toBe(1);
    expect(verified.out.split('\n')[0]).toMatch(/^NOT verified: /);
    expect(verified.out).not.toContain('\u001b');
    expect(verified.out).not.toContain('\r');
    expect(verified.out).toContain('release: app\\u001b[2K\\u000d\\u001b[1A\\u001b[2Kverified: alice, bob (2 of 3)');
    // For programs the name is data, exactly as signed.
    const json = conclave(['verify', '--policy', join(dir, 'policy.json'), '--envelope', join(dir, 'envelope.json'), '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out).ok).toBe(false);
  });

  it('conclave digest: a file name with a colour code is printed escaped', () => {
    const name = join(dir, 'release\u001b[32m-green.tgz');
    writeFileSync(name, 'content');
    const digest = conclave(['digest', name]);
    expect(digest.code).toBe(0);
    expect(digest.out).not.toContain('\u001b');
    expect(digest.out).toContain('release\\u001b[32m-green.tgz');
  });

  it('a usage mistake quoting a hostile argument is printed escaped', () => {
    const wrong = conclave(['ceremony', 'show', 'a\u001b]0;owned\u0007', 'b']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).not.toContain('\u001b');
    expect(wrong.err).not.toContain('\u0007');
  });

  it('the HTML audit report shows the characters, never applies them', () => {
    const html = htmlReport(
      [{ id: 'c-20261205-abcdefghij', release: { name: `app\u202Egpj.exe`, version: '1.0.0', purl: 'pkg:generic/app@1.0.0' }, state: 'published', openedAt: '2026-12-05T00:00:00Z', approvedBy: ['alice'], tally: '1 of 1', problemCount: 0 } as never],
      [],
      '2026-12-05T00:00:00Z',
    );
    expect(html).not.toContain('\u202E');
    expect(html).toContain('app\\u202egpj.exe');
  });

  it('the published summary.txt shows them escaped too', async () => {
    const world = makeWorld();
    try {
      const policyPath = join(world.dir, 'policy.json');
      const service = world.service('a');
      const artifact = join(world.dir, 'binary-linux-amd64-multi-subject-first');
      const opened = await service.open({ policyPath, release: { name: `demo${repaint}`, version: '1.0.0' }, artifactPaths: [artifact], provenancePaths: [fileURLToPath(new URL('../fixtures/real/binary-linux-amd64-multi-subject-first.intoto.jsonl', import.meta.url))], openerKeyUri: keyUri('carol') });
      const id = opened.view.id;
      expect(opened.view.state).toBe('frozen');
      await service.approve(id, keyUri('alice'));
      await service.approve(id, keyUri('bob'));
      const published = await service.publish(id, join(world.dir, 'out'), keyUri('carol'));
      const summary = readFileSync(published.summaryPath, 'utf8');
      expect(summary).not.toContain('\u001b');
      expect(summary).toContain('demo\\u001b[2K');
    } finally {
      world.cleanup();
    }
  }, 60_000);
});
