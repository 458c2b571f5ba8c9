/**
 * What the window loads before its first screen (issue 15): the module
 * script out/renderer/index.html names and every chunk it imports
 * statically, followed through the chunks themselves. Chunks reached only
 * through import() (the other screens) are left out: they load on demand.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface RendererChunks {
  /** Paths inside the renderer folder (assets/index-….js), the entry first. */
  firstScreen: string[];
  /** Every JavaScript file of the build. */
  all: string[];
  bytesOf(files: readonly string[]): number;
  textOf(file: string): string;
}

// ES modules, minified or not: import{a as b}from"./react-x.js"; import "./x.js"; export{…}from"./x.js" (import("./x.js") is not matched).
const staticImport = /\b(?:import|export)\s*(?:[^"'();]*?\bfrom\s*)?["'](\.\.?\/[^"']+\.js)["']/g;

export function rendererChunks(rendererDir: string): RendererChunks {
  const html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
  const entry = /<script\b[^>]*\btype="module"[^>]*\bsrc="\.?\/?([^"]+\.js)"/.exec(html)?.[1];
  if (!entry) throw new Error(`${join(rendererDir, 'index.html')} names no module script: was the renderer built?`);
  const textOf = (file: string) => readFileSync(join(rendererDir, file), 'utf8');
  const firstScreen = staticallyImported(rendererDir, entry);
  const all = readdirSync(join(rendererDir, 'assets'))
    .filter((name) => name.endsWith('.js'))
    .map((name) => `assets/${name}`);
  return { firstScreen, all, textOf, bytesOf: (files) => files.reduce((sum, file) => sum + statSync(join(rendererDir, file)).size, 0) };
}

/**
 * A built module and every file it imports statically, followed through
 * them (paths inside `dir`, the entry first): what runs before anything
 * loaded with import().
 */
export function staticallyImported(dir: string, entry: string): string[] {
  const found: string[] = [];
  const queue = [posix.normalize(entry)];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (found.includes(file)) continue;
    found.push(file);
    for (const match of readFileSync(join(dir, file), 'utf8').matchAll(staticImport)) queue.push(posix.join(posix.dirname(file), match[1]!));
  }
  return found;
}
