/**
 * The core's API in rooms (issue 15): one handler module per namespace of the
 * contract, composed by create-core into handlers for exactly the contract's
 * calls, each name kept in one list (shared/api/names.ts).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core';
import { createCore } from '../../electron/core/create-core';
import { callNames } from '../../shared/api/names';
import { makeDataDir } from '../support/softhsm';

const roomsDir = join(import.meta.dirname, '..', '..', 'electron', 'core', 'api', 'rooms');
const namespaces = [...new Set(callNames.map((name) => name.slice(0, name.indexOf('.'))))].sort();

let core: Core | undefined;
let home: ReturnType<typeof makeDataDir> | undefined;
afterEach(async () => {
  await core?.dispose();
  home?.cleanup();
  core = undefined;
  home = undefined;
});

describe('the core API in rooms', () => {
  it('has one room per namespace of the contract, and no other', () => {
    const rooms = readdirSync(roomsDir)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(rooms).toEqual(namespaces);
  });

  it('composes handlers for exactly the calls the contract names', () => {
    home = makeDataDir();
    core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
    expect(Object.keys(core.handlers).sort()).toEqual([...callNames].sort());
  });
});
