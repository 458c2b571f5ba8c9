/**
 * Importing a ceremony bundle in the window (issue 5): the dialog's store,
 * a bundle dropped on the window, and the report in words.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { createBundleImportStore } from '../../renderer/src/features/ceremonies/bundle-import';
import { addedEventText, dropNeedsDesktopText, exportContentsText, importHeadline, importStateText, refusedEventText, skippedText } from '../../renderer/src/features/ceremonies/bundle-words';
import type { BundleImportReport, CallOutput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { createFakeApi, deferred, fail, ok, type Handlers } from './fake-api';

const id = 'c-20250101-abcdefghij';
const bundlePath = '/media/usb/app-1.2.3.c-20250101-abcdefghij.conclave-bundle.json';

function report(overrides: Partial<BundleImportReport> = {}): BundleImportReport {
  return {
    ceremonyId: id,
    newCeremony: false,
    policyDigest: 'b'.repeat(64),
    release: { name: 'app', version: '1.2.3' },
    state: 'approved',
    tally: '2 of 2 approvals; ready to publish',
    added: [{ name: '20250102T100000000Z-approved-0123456789abcdef.json', type: 'approved', by: 'bob' }],
    skipped: ['a.json', 'b.json', 'c.json'],
    refused: [],
    evidence: { added: 0, skipped: 2, refused: [] },
    notes: [],
    ...overrides,
  };
}

function setup(handlers: Handlers = {}, pathOfDroppedFile?: (file: unknown) => string | undefined) {
  const fake = createFakeApi({ 'ceremonies.import': () => ok(report()), ...handlers });
  setApiForTests(pathOfDroppedFile ? { ...fake.api, pathOfDroppedFile } : fake.api);
  const store = createBundleImportStore();
  return { fake, state: () => store.getState() };
}

afterEach(() => setApiForTests(undefined));

describe('importing a bundle from the dialog', () => {
  it('imports the typed path and keeps the core’s report, saying it is working meanwhile', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.import'>>>();
    const { fake, state } = setup({ 'ceremonies.import': () => answer.promise });
    state().openDialog();
    state().setPath(`  ${bundlePath} `);
    const done = state().importBundle();
    expect(state().working).toBe(true);
    answer.resolve(ok(report()));
    expect(await done).toBe(true);
    expect(fake.callsOf('ceremonies.import')).toEqual([{ path: bundlePath }]);
    expect(state()).toMatchObject({ working: false, importedFrom: bundlePath, error: undefined });
    expect(state().report?.added[0]?.by).toBe('bob');
  });

  it('refuses an empty or relative path without asking the core', async () => {
    const { fake, state } = setup();
    state().openDialog();
    expect(await state().importBundle()).toBe(false);
    expect(state().error?.message).toMatch(/Choose the bundle file/);
    state().setPath('usb/app.conclave-bundle.json');
    expect(await state().importBundle()).toBe(false);
    expect(state().error?.message).toMatch(/not a full path/);
    expect(fake.callsOf('ceremonies.import')).toEqual([]);
  });

  it('shows the core’s message when the file is not a bundle', async () => {
    const { state } = setup({ 'ceremonies.import': () => fail({ code: 'invalid-input', message: 'This file is not a Conclave ceremony bundle.' }) });
    state().openDialog();
    expect(await state().importBundle(bundlePath)).toBe(false);
    expect(state()).toMatchObject({ working: false, report: undefined, error: { message: 'This file is not a Conclave ceremony bundle.' } });
  });

  it('imports the file chosen in the native dialog; opens the in-app browser where there is none', async () => {
    const native = setup({ 'files.pick': () => ok({ paths: [bundlePath] }) });
    native.state().openDialog();
    await native.state().browse();
    expect(native.fake.callsOf('files.pick')).toEqual([{ purpose: 'bundle', multiple: false }]);
    expect(native.fake.callsOf('ceremonies.import')).toEqual([{ path: bundlePath }]);

    const browser = setup({ 'files.pick': () => ok(null) });
    browser.state().openDialog();
    await browser.state().browse();
    expect(browser.state().browsing).toBe(true);
    expect(browser.fake.callsOf('ceremonies.import')).toEqual([]);
    await browser.state().chooseFromBrowser([bundlePath]);
    expect(browser.state().browsing).toBe(false);
    expect(browser.fake.callsOf('ceremonies.import')).toEqual([{ path: bundlePath }]);
  });

  it('forgets the report when closed, and ignores an answer that arrives after closing', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.import'>>>();
    const { state } = setup({ 'ceremonies.import': () => answer.promise });
    state().openDialog();
    const done = state().importBundle(bundlePath);
    state().close();
    answer.resolve(ok(report()));
    await done;
    expect(state()).toMatchObject({ open: false, report: undefined, working: false });
  });
});

describe('a bundle dropped on the window', () => {
  it('in the desktop app: imports the dropped file by the path the app tells', async () => {
    const file = { name: 'app-1.2.3.conclave-bundle.json' };
    const { fake, state } = setup({}, (dropped) => (dropped === file ? bundlePath : undefined));
    await state().drop([file]);
    expect(state().open).toBe(true);
    expect(fake.callsOf('ceremonies.import')).toEqual([{ path: bundlePath }]);
    expect(state().report).toBeDefined();
  });

  it('in the browser shell: says dropping needs the desktop app and leaves Browse to the person', async () => {
    const { fake, state } = setup();
    await state().drop([{ name: 'app-1.2.3.conclave-bundle.json' }]);
    expect(state()).toMatchObject({ open: true, note: dropNeedsDesktopText });
    expect(fake.callsOf('ceremonies.import')).toEqual([]);
  });

  it('does not import an artifact dropped by mistake, nor several files at once', async () => {
    const { fake, state } = setup({}, (file) => (file as { path: string }).path);
    await state().drop([{ path: '/home/me/dist/app.tgz' }]);
    expect(state().error?.message).toMatch(/app\.tgz is not a ceremony bundle/);
    await state().drop([{ path: bundlePath }, { path: '/media/usb/other.conclave-bundle.json' }]);
    expect(state().error?.message).toBe('Drop one bundle at a time.');
    expect(fake.callsOf('ceremonies.import')).toEqual([]);
  });
});

describe('the import report in words', () => {
  it('names whose approval was added and where the ceremony stands', () => {
    expect(importHeadline(report())).toBe('Added to app 1.2.3: bob\'s approval.');
    expect(importStateText(report())).toBe('The ceremony is now approved: 2 of 2 approvals; ready to publish.');
    expect(skippedText(report())).toBe('3 events were already here, so they were skipped.');
  });

  it('lists every event of a new ceremony', () => {
    const added: BundleImportReport['added'] = [
      { name: 'o.json', type: 'opened' },
      { name: 'f.json', type: 'frozen' },
      { name: 'a.json', type: 'approved', by: 'alice' },
    ];
    expect(importHeadline(report({ newCeremony: true, added, skipped: [] }))).toBe("Imported app 1.2.3: the opening (release, artifacts, policy), the frozen release statement and alice's approval.");
    expect(addedEventText({ type: 'rejected', by: 'carol' })).toBe("carol's rejection");
  });

  it('counts what was refused, and names a refused event by its kind', () => {
    const refused: BundleImportReport['refused'] = [
      { name: '20250102T100000000Z-approved-0123456789abcdef.json', type: 'approved', code: 'signature-invalid', reason: 'the approval by bob does not carry a valid signature.', conflict: false },
    ];
    expect(importHeadline(report({ added: [], refused }))).toBe('Nothing was added to app 1.2.3. 1 file was refused (below, with why).');
    expect(refusedEventText(refused[0]!)).toBe('An approval');
    expect(refusedEventText({ name: 'odd.json' })).toBe('odd.json');
  });

  it('says when there was nothing new', () => {
    expect(importHeadline(report({ added: [] }))).toBe('Nothing new for app 1.2.3: this computer already had everything in the bundle.');
  });

  it('says what an exported bundle holds', () => {
    expect(exportContentsText({ path: '/x/a.json', fileName: 'a.json', eventCount: 3, evidenceCount: 1, state: 'frozen', tally: '1 of 2 approvals', leftOut: [] })).toBe(
      'It holds 3 events and 1 evidence file; the ceremony was frozen (1 of 2 approvals) when it was written.',
    );
  });
});

