/**
 * "Export for an offline machine" on the review screen (issue 5): the folder
 * (typed, chosen, or Conclave's exports folder by default) and the result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { createCeremonyStore } from '../../renderer/src/features/ceremony/store';
import type { BundleExportResult, CallOutput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { ceremonyId, detail } from './ceremony-fixtures';
import { createFakeApi, deferred, fail, ok, settle, type Handlers } from './fake-api';

const written: BundleExportResult = {
  path: `/media/usb/app-1.2.3.${ceremonyId}.conclave-bundle.json`,
  fileName: `app-1.2.3.${ceremonyId}.conclave-bundle.json`,
  eventCount: 3,
  evidenceCount: 1,
  state: 'frozen',
  tally: '1 of 2',
  leftOut: [],
};

async function started(handlers: Handlers = {}) {
  const fake = createFakeApi({ 'ceremonies.get': () => ok(detail()), 'ceremonies.export': () => ok(written), ...handlers });
  setApiForTests(fake.api);
  const store = createCeremonyStore();
  store.getState().start(ceremonyId);
  await settle();
  return { fake, state: () => store.getState() };
}

afterEach(() => setApiForTests(undefined));

describe('exporting a ceremony for an offline machine', () => {
  it('writes into Conclave’s exports folder when no folder is given, and shows what was written', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.export'>>>();
    const { fake, state } = await started({ 'ceremonies.export': () => answer.promise });
    const done = state().exportBundle();
    expect(state().bundleExport.working).toBe(true);
    answer.resolve(ok(written));
    expect(await done).toBe(true);
    expect(fake.callsOf('ceremonies.export')).toEqual([{ id: ceremonyId }]);
    expect(state().bundleExport).toMatchObject({ working: false, result: written, error: undefined });
  });

  it('writes into the folder typed or chosen', async () => {
    const { fake, state } = await started({ 'files.pick': () => ok({ paths: ['/media/usb'] }) });
    await state().browseExportDir();
    expect(fake.callsOf('files.pick')).toEqual([{ purpose: 'folder', multiple: false }]);
    expect(state().bundleExport.dir).toBe('/media/usb');
    await state().exportBundle();
    state().setExportDir(' /mnt/stick ');
    await state().exportBundle();
    expect(fake.callsOf('ceremonies.export')).toEqual([
      { id: ceremonyId, dir: '/media/usb' },
      { id: ceremonyId, dir: '/mnt/stick' },
    ]);
  });

  it('offers the in-app folder browser where the shell has no dialog', async () => {
    const { state } = await started({ 'files.pick': () => ok(null) });
    await state().browseExportDir();
    expect(state().bundleExport.browsing).toBe(true);
    state().chooseExportFolder(['/media/usb']);
    expect(state().bundleExport).toMatchObject({ browsing: false, dir: '/media/usb' });
  });

  it('refuses a relative folder without asking the core, and shows the core’s refusal otherwise', async () => {
    const { fake, state } = await started({ 'ceremonies.export': () => fail({ code: 'invalid-input', message: 'There is no folder /media/usb.' }) });
    state().setExportDir('usb');
    expect(await state().exportBundle()).toBe(false);
    expect(state().bundleExport.error?.message).toMatch(/not a full path/);
    expect(fake.callsOf('ceremonies.export')).toEqual([]);
    state().setExportDir('/media/usb');
    expect(await state().exportBundle()).toBe(false);
    expect(state().bundleExport).toMatchObject({ working: false, result: undefined, error: { message: 'There is no folder /media/usb.' } });
  });
});
