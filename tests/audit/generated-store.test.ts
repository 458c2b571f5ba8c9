/**
 * The generator behind the 10,000-ceremony History test and benchmark writes
 * stores in Conclave's own format: an audit of what it writes finds nothing,
 * so the History screen is measured on ceremonies that would really load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { auditStore } from '../../electron/core/audit/audit';
import { CeremonyService, readOnlySigner } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { GitRunner } from '../../electron/core/repository/git';
import { generateCeremonies } from '../support/generate-ceremonies';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

it('writes ceremonies an audit finds consistent, in every state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-generated-'));
  dirs.push(dir);
  const now = new Date();
  await generateCeremonies(dir, 40, now);
  const service = new CeremonyService(new CeremonyStore(dir), readOnlySigner, () => now);
  const report = await auditStore(service, new GitRunner(process.env, false));
  expect(report.findings).toEqual([]);
  expect(report.counts.ceremonies).toBe(40);
  expect(report.counts.publishedEnvelopes).toBeGreaterThan(0);
  const states = new Set((await service.list()).map((view) => view.state));
  expect([...states].sort()).toEqual(['cancelled', 'expired', 'published', 'rejected']);
});
