/**
 * The Electron app opens its window while the core loads (issue 15), as the
 * browser shell serves its page first: the main process's entry, with what it
 * imports statically, holds neither the core nor the schema library. Read
 * from the build (out/main): `npm run build` must have run first.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { staticallyImported } from './first-screen';

const mainDir = fileURLToPath(new URL('../../out/main', import.meta.url));

describe('the built Electron main process before its window', () => {
  let beforeWindow: string[];
  let beforeWindowText: string;
  let everything: string;

  beforeAll(() => {
    expect(existsSync(join(mainDir, 'index.js')), `${mainDir}/index.js is missing: run "npm run build" before these tests.`).toBe(true);
    beforeWindow = staticallyImported(mainDir, 'index.js');
    beforeWindowText = beforeWindow.map((file) => readFileSync(join(mainDir, file), 'utf8')).join('\n');
    everything = readdirSync(mainDir, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.js'))
      .map((name) => readFileSync(join(mainDir, name), 'utf8'))
      .join('\n');
  });

  it('loads the core only with import(), after it has asked for the window', () => {
    const coreChunk = /import\("(\.\/chunks\/create-core-[\w-]+\.js)"\)/.exec(readFileSync(join(mainDir, 'index.js'), 'utf8'))?.[1];
    expect(coreChunk, 'index.js loads no create-core chunk with import()').toBeDefined();
    expect(beforeWindow).not.toContain(coreChunk!.slice(2));
    expect(beforeWindow.some((file) => file.includes('create-core'))).toBe(false);
  });

  it('leaves out the schema library and the contract: the first call loads them', () => {
    expect(everything).toContain('ZodError');
    expect(beforeWindowText).not.toContain('ZodError');
    const contractMessage = 'the SHA-256 of the statement you reviewed';
    expect(everything).toContain(contractMessage);
    expect(beforeWindowText).not.toContain(contractMessage);
  });
});
