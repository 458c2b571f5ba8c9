/**
 * The window starts with the Ceremonies screen's code only (issue 15): the
 * other screens come in chunks of their own, fetched when shown. Read from
 * the built renderer (out/renderer): `npm run build` must have run first.
 *
 * Each screen is recognised by text of its own: the long string literals and
 * JSX texts of its screen file that no source of the first screen contains
 * and that the build kept as they are, so that rewording a screen does not
 * break the test, while moving a screen back into the first chunk does.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { rendererChunks, type RendererChunks } from './first-screen';

const repository = fileURLToPath(new URL('../..', import.meta.url));
const rendererDir = join(repository, 'out/renderer');

/** The screens loaded on demand, each by its feature folder. */
const onDemand = {
  history: 'renderer/src/features/history',
  tokens: 'renderer/src/features/tokens',
  settings: 'renderer/src/features/settings',
  ceremony: 'renderer/src/features/ceremony',
  'open ceremony': 'renderer/src/features/open-ceremony',
};

/** The sources main.tsx imports, followed through their own static imports (not `import type`, not import()). */
function firstScreenSources(): Set<string> {
  const found = new Set<string>();
  const queue = [join(repository, 'renderer/src/main.tsx')];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (found.has(file)) continue;
    found.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(/^import (?!type )(?:[^;]*? from )?'(\.[^']+)';/gms)) {
      const base = resolve(dirname(file), match[1]!);
      const resolved = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
      if (resolved) queue.push(resolved);
    }
  }
  return found;
}

function filesUnder(path: string): string[] {
  const full = join(repository, path);
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .map((name) => join(full, name))
    .filter((file) => /\.(ts|tsx)$/.test(file));
}

/** Texts of a source file long enough to name it: quoted literals and JSX text with a space in them. */
function textsOf(source: string): string[] {
  const quoted = [...source.matchAll(/'([^'\\\n]{16,})'|`([^`\\$\n]{16,})`/g)].map((match) => match[1] ?? match[2]!);
  const jsx = [...source.matchAll(/>([^<>{}\n]{16,})</g)].map((match) => match[1]!.trim());
  return [...quoted, ...jsx].filter((text) => text.includes(' ') && !text.includes('/'));
}

describe('the built window’s first screen', () => {
  let chunks: RendererChunks;
  let firstScreenText: string;
  let everything: string;
  let firstSources: Set<string>;
  let firstScreenSourceText: string;

  beforeAll(() => {
    expect(existsSync(join(rendererDir, 'index.html')), `${rendererDir} is missing: run "npm run build" before these tests.`).toBe(true);
    chunks = rendererChunks(rendererDir);
    firstScreenText = chunks.firstScreen.map((file) => chunks.textOf(file)).join('\n');
    everything = chunks.all.map((file) => chunks.textOf(file)).join('\n');
    firstSources = firstScreenSources();
    firstScreenSourceText = [...firstSources].map((file) => readFileSync(file, 'utf8')).join('\n');
  });

  it.each(Object.entries(onDemand))('leaves out the %s screen: its texts are in a chunk loaded on demand', (_screen, folder) => {
    const own = filesUnder(folder).filter((file) => !firstSources.has(file));
    const markers = own.flatMap((file) => textsOf(readFileSync(file, 'utf8'))).filter((text) => !firstScreenSourceText.includes(text) && everything.includes(text));
    expect(markers.length, `no text of ${folder} found in the build to recognise it by`).toBeGreaterThan(0);
    for (const marker of markers) expect(firstScreenText.includes(marker), `"${marker}" (${folder}) is in the first screen's code`).toBe(false);
  });

  it('holds the Ceremonies screen, and is a part of the whole', () => {
    expect(firstSources).toContain(join(repository, 'renderer/src/features/ceremonies/CeremoniesScreen.tsx'));
    // The Ceremonies screen's own components (a shared module's export used by one other screen only goes with that screen).
    const components = [...firstSources].filter((file) => file.includes('/features/ceremonies/') && file.endsWith('.tsx'));
    const markers = components.flatMap((file) => textsOf(readFileSync(file, 'utf8'))).filter((text) => everything.includes(text));
    expect(markers.length).toBeGreaterThan(0);
    for (const marker of markers) expect(firstScreenText.includes(marker), `"${marker}" is not in the first screen's code`).toBe(true);
    expect(chunks.firstScreen.length).toBeLessThan(chunks.all.length);
    expect(chunks.bytesOf(chunks.firstScreen)).toBeLessThan(chunks.bytesOf(chunks.all));
  });

  it('leaves out the schema library and the contract’s schemas: the window checks answers with them once loaded', () => {
    // zod names its error classes with literals a minifier keeps; the contract's messages are the project's own.
    expect(everything).toContain('ZodError');
    expect(firstScreenText).not.toContain('ZodError');
    const contractMessage = 'the SHA-256 of the statement you reviewed';
    expect(everything).toContain(contractMessage);
    expect(firstScreenText).not.toContain(contractMessage);
  });

  it('loads only the app’s own files: every chunk it names is in the build', () => {
    for (const file of chunks.firstScreen) expect(existsSync(join(rendererDir, file)), file).toBe(true);
  });
});
