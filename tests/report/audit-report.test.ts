/**
 * The auditor's report (issue 16), from real ceremonies: approvals signed with
 * software keys standing in for tokens, time-stamped by a real RFC 3161 TSA
 * (openssl ts), published to the folder the window publishes to. The HTML is
 * loaded in real Chromium: each section is read from the DOM, a release named
 * like a script stays text and runs nothing, and the page prints on A4.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactLocations } from '../../electron/core/ceremony/artifact-locations';
import { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { summarize, detailOf } from '../../electron/core/ceremony/ceremony-views';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { htmlReport, jsonReport } from '../../electron/core/ceremony/report';
import { reportCeremonies } from '../../electron/core/ceremony/report-ceremonies';
import { makeDataDir } from '../support/softhsm';
import { makeTestCa, type TestCa } from '../support/test-ca';
import { makeTestKey, type TestKey } from '../support/test-keys';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';
import { createTsaLab, startTsaServer, type RunningTsa, type TsaLab } from '../support/tsa';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';
const artifactSha256 = '482ce8c8';
const hostileName = '<script>document.title="owned"</script><img src=x onerror=alert(1)>';

type Who = 'alice' | 'bob' | 'carol' | 'rita';
let lab: TsaLab;
let tsa: RunningTsa;
let ca: TestCa;
let home: ReturnType<typeof makeDataDir>;
let keys: Record<Who, TestKey>;
let browser: Browser;
let page: Page;
let html: string;
let publishedId: string;
let openId: string;
let storeDir: string;
let json: string;
let reported: { summaries: Parameters<typeof htmlReport>[0]; ceremonies: Parameters<typeof htmlReport>[1] };

beforeAll(async () => {
  lab = await createTsaLab();
  tsa = await startTsaServer({ signer: lab.ecdsaTsa });
  home = makeDataDir();
  storeDir = join(home.dir, 'store');
  mkdirSync(storeDir);
  const artifact = join(home.dir, artifactName);
  copyFileSync(fixture(artifactName), artifact);
  keys = { alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ed25519'), carol: makeTestKey('ecdsa-p256'), rita: makeTestKey('ecdsa-p256') };
  // Carol is a certificate approver: her organisation's CA names her email in the certificate next to her key.
  ca = makeTestCa();
  const carolCertificate = ca.issue({
    name: 'carol-report',
    publicKeyPem: keys.carol.publicKeyPem,
    extensions: ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'subjectAltName = email:carol@example.com', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always'].join('\n'),
  });
  const policyPath = join(home.dir, 'policy.json');
  writeFileSync(
    policyPath,
    JSON.stringify({
      version: 1,
      name: 'release',
      threshold: 2,
      approvers: [
        { id: 'alice', role: 'security', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', role: 'engineering', publicKey: keys.bob.publicKeyPem },
        { id: 'carol', role: 'engineering', certificate: { roots: ca.root.pem, intermediates: ca.intermediate.pem, email: 'carol@example.com' } },
      ],
      roles: { security: 1 },
      releaseManagers: [{ id: 'rita', publicKey: keys.rita.publicKeyPem }],
      timestamping: { url: tsa.url, required: true, certificates: (await import('node:fs')).readFileSync(lab.ca.certPath, 'utf8') },
    }),
  );
  const store = new CeremonyStore(storeDir);
  const locations = new ArtifactLocations(home.dir);
  const signer = { ...softwareSigner(() => keys), certificate: async (uri: string) => (uri === softwareKeyUri('carol') ? carolCertificate.pem : undefined) };
  const service = new CeremonyService(store, signer, () => new Date(), {}, undefined, undefined, locations);
  const evidence = { policyPath, artifactPaths: [artifact], provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)], openerKeyUri: softwareKeyUri('rita') };

  // An attacker names the release; the report must show the name, never run it.
  const opened = await service.open({ ...evidence, release: { name: hostileName, version: '1.0.0' } });
  publishedId = opened.view.id;
  await service.approve(publishedId, softwareKeyUri('alice'));
  await service.approve(publishedId, softwareKeyUri('carol'));
  const publishDir = join(home.dir, 'published');
  const folder = `${hostileName}-1.0.0`.replace(/[^A-Za-z0-9._@+-]+/g, '_');
  await service.publish(publishedId, join(publishDir, folder), softwareKeyUri('rita'));
  openId = (await service.open({ ...evidence, release: { name: 'app', version: '2.0.0' }, provenancePaths: [] })).view.id;

  const loadedSummaries = await Promise.all([publishedId, openId].map(async (id) => ({ ...summarize(await service.load(id)).summary, waitingOnMe: false })));
  const ceremonies = await reportCeremonies([publishedId, openId], {
    detail: async (id) => {
      const loaded = await service.load(id);
      return detailOf(loaded, summarize(loaded), store, false);
    },
    reader: service,
    now: () => new Date(),
    publishDir,
    artifactLocations: locations,
  });
  html = htmlReport(loadedSummaries, ceremonies, '2026-12-05T12:00:00.000Z', { auditCommand: `conclave audit verify --store ${storeDir}` });
  reported = { summaries: loadedSummaries, ceremonies };
  // Only the first ceremony in full: the JSON still names both, the other by its summary.
  json = jsonReport(loadedSummaries, ceremonies.slice(0, 1), '2026-12-05T12:00:00.000Z');
  browser = await chromium.launch({ executablePath: process.env.CONCLAVE_CHROMIUM ?? '/usr/bin/chromium' });
  page = await browser.newPage();
  await page.setContent(html, { waitUntil: 'load' });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await tsa?.close();
  await lab?.remove();
  home?.cleanup();
  ca?.cleanup();
});

const texts = (selector: string) => page.locator(selector).allTextContents();

describe('a ceremony under a policy the reporting machine does not trust', () => {
  it('is said so in the list of ceremonies, in its facts and in its policy section', async () => {
    // The same ceremonies, as a machine that does not trust their policy reports them (the trust itself is decided
    // and tested where ceremonies are judged; here, what the report says of it).
    const untrusted = htmlReport(
      [{ ...reported.summaries[0]!, policyTrusted: false }],
      [{ ...reported.ceremonies[0]!, detail: { ...reported.ceremonies[0]!.detail, policyTrusted: false } }],
      '2026-12-05T12:00:00.000Z',
    );
    const other = await browser.newPage();
    try {
      await other.setContent(untrusted, { waitUntil: 'load' });
      expect(await other.locator('table.covered tbody tr td').nth(2).textContent()).toBe('published (policy not trusted by the machine that made this report)');
      expect(await other.locator('section.ceremony dl.facts').textContent()).toContain('policy not trusted by the machine that made this report');
      expect(await other.locator('section.policy p.untrusted').textContent()).toMatch(/^Not trusted by the machine that made this report: the approvals under it are counted against the keys it names/);
    } finally {
      await other.close();
    }
    // Trusted, none of it.
    expect(html).not.toContain('not trusted by the machine');
  });
});

describe('the audit report', () => {
  it('names every ceremony it covers, not one id', async () => {
    expect(await page.title()).toBe('Conclave audit report: 2 ceremonies');
    expect((await texts('table.covered tbody tr td:first-child')).sort()).toEqual([publishedId, openId].sort());
    expect(await page.locator('section.ceremony').count()).toBe(2);
    expect(await page.locator('header').textContent()).toContain('covers 2 ceremonies');
  });

  it('shows the policy once: its people, roles, threshold, rule and digest', async () => {
    const policy = page.locator('section.policies section.policy');
    expect(await policy.count()).toBe(1);
    expect(await policy.locator('h3').textContent()).toMatch(/^Policy sha256:[0-9a-f]{64}$/);
    expect(await policy.locator('.policy-rule').textContent()).toBe('any 2 of alice, bob, carol, including alice');
    expect(await policy.locator('.policy-threshold').textContent()).toBe('2 of 3');
    const people = await policy.locator('table.people tbody tr').evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].slice(0, 2).map((cell) => cell.textContent)));
    expect(people).toEqual([
      ['alice', 'security'],
      ['bob', 'engineering'],
      ['carol', 'engineering'],
    ]);
    expect(await policy.locator('table.people').textContent()).toContain(keys.alice.keyId);
    expect(await policy.locator('table.people tbody tr').nth(2).locator('td').nth(2).textContent()).toMatch(/^identified by an X\.509 certificate/);
  });

  it("shows each ceremony's subjects by name and digest", async () => {
    const subjects = page.locator(`#ceremony-${publishedId} table.subjects tbody tr`);
    expect(await subjects.count()).toBe(1);
    expect(await subjects.locator('td').nth(0).textContent()).toBe(artifactName);
    expect(await subjects.locator('td').nth(1).textContent()).toMatch(new RegExp(`^sha256:${artifactSha256}[0-9a-f]{56}$`));
  });

  it('shows each approval with its trusted time and who signed', async () => {
    const rows = page.locator(`#ceremony-${publishedId} table.approvals tbody tr`);
    expect(await rows.count()).toBe(2);
    const cells = await rows.evaluateAll((all) => all.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')));
    expect(cells.map((row) => row[0])).toEqual(['alice', 'carol']);
    for (const row of cells) expect(row[2]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z \(RFC 3161 time stamp\)$/);
    // The certificate identity of the certificate approver; a key the policy lists needs none.
    expect(cells[0]![3]).toBe('—');
    expect(cells[1]![3]).toContain('carol@example.com');
    expect(cells.map((row) => row[4])).toEqual([keys.alice.keyId, keys.carol.keyId]);
    expect(await page.locator(`#ceremony-${openId} .approvals`).textContent()).toBe('No approvals.');
  });

  it("gives the verification result in the CLI's words", async () => {
    expect(await page.locator(`#ceremony-${publishedId} .verification .verdict strong`).textContent()).toBe(`verified: ceremony ${publishedId} is published`);
    expect(await page.locator(`#ceremony-${publishedId} .verification pre`).textContent()).toMatch(/^verified: alice, carol \(/m);
    expect(await page.locator(`#ceremony-${openId} .verification .verdict strong`).textContent()).toMatch(/^(verified|NOT verified): ceremony /);
  });

  it('says how to re-verify: the audit command and the exact conclave verify command, every path absolute', async () => {
    expect(await page.locator('section.reverify pre.command').textContent()).toBe(`conclave audit verify --store ${storeDir}`);
    const command = (await page.locator(`#ceremony-${publishedId} pre.command`).textContent())!;
    expect(command).toMatch(/^conclave verify --policy /);
    const paths = command.match(/(?<=--(?:policy|envelope|bundle|artifact) )('[^']*'|\S+)/g)!;
    expect(paths.length).toBeGreaterThanOrEqual(4);
    for (const path of paths) expect(path.replace(/^'|'$/g, '')).toMatch(/^\//);
    expect(command).toContain(`--artifact ${join(home.dir, artifactName)}`);
  });

  it('shows a hostile release name as text: no script, no image, nothing run', async () => {
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.title()).not.toBe('owned');
    expect(await page.locator(`#ceremony-${publishedId} h2`).textContent()).toBe(`${hostileName} 1.0.0`);
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;');
  });

  it('loads nothing from anywhere: its own policy forbids every source but inline style', async () => {
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
  });

  it('gives programs the same in JSON: every ceremony covered, in full with its verification where the report has it', () => {
    const document = JSON.parse(json) as { ceremonies: { id: string; verification?: { ok: boolean }; timeline?: unknown[] }[] };
    expect(document.ceremonies.map((ceremony) => ceremony.id)).toEqual([publishedId, openId]);
    expect(document.ceremonies[0]).toMatchObject({ verification: { ok: true } });
    expect(document.ceremonies[0]!.timeline).toBeDefined();
    expect(document.ceremonies[1]!.timeline).toBeUndefined();
  });

  it('prints on A4, each ceremony from a new page', async () => {
    await page.emulateMedia({ media: 'print' });
    const breaks = await page.locator('section.ceremony').evaluateAll((sections) => sections.map((section) => section.ownerDocument.defaultView!.getComputedStyle(section).breakBefore));
    expect(breaks).toEqual(['page', 'page']);
    const pdf = await page.pdf({ preferCSSPageSize: true });
    // A4 is 595.28 × 841.89 points: the @page size the report asks for.
    const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(pdf.toString('latin1'));
    expect(box && [Math.round(Number(box[1])), Math.round(Number(box[2]))]).toEqual([595, 842]);
  });
});
