/**
 * docs/verify.md as the tests read it: fenced blocks by name (the word after
 * the language in the info string, e.g. ```sh deploy-gate), and the
 * "Not runnable" marks of the others, so the page cannot show a command the
 * tests do not run without saying so.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const verifyDocPath = fileURLToPath(new URL('../../../docs/verify.md', import.meta.url));

export interface FencedBlock {
  language: string;
  name?: string;
  text: string;
  /** The paragraph just above the block (up to 6 lines), where its "Tested by" or "Not runnable" note is. */
  before: string;
  line: number;
}

export function fencedBlocks(path = verifyDocPath): FencedBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: FencedBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = /^```(\S*)\s*(\S*)\s*$/.exec(lines[index]!);
    if (!open) continue;
    const start = index;
    const body: string[] = [];
    for (index++; index < lines.length && lines[index] !== '```'; index++) body.push(lines[index]!);
    blocks.push({ language: open[1]!, ...(open[2] ? { name: open[2] } : {}), text: `${body.join('\n')}\n`, before: lines.slice(Math.max(0, start - 6), start).join('\n'), line: start + 1 });
  }
  return blocks;
}

export function fencedBlock(name: string, path = verifyDocPath): string {
  const found = fencedBlocks(path).filter((block) => block.name === name);
  if (found.length !== 1) throw new Error(`docs/verify.md has ${found.length} blocks named ${name}`);
  return found[0]!.text;
}

/** Words of a one-command block as sh splits them: quotes, backslash-newline; comments dropped. No expansion. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let current: string | undefined;
  const source = text.replace(/\\\n/g, ' ');
  for (let index = 0; index < source.length; index++) {
    const character = source[index]!;
    if (character === '#' && current === undefined) {
      while (index < source.length && source[index] !== '\n') index++;
      continue;
    }
    if (/\s/.test(character)) {
      if (current !== undefined) words.push(current);
      current = undefined;
      continue;
    }
    if (character === '"' || character === "'") {
      const end = source.indexOf(character, index + 1);
      current = (current ?? '') + source.slice(index + 1, end);
      index = end;
      continue;
    }
    current = (current ?? '') + character;
  }
  if (current !== undefined) words.push(current);
  return words;
}
