/**
 * A small guard around JSON.parse for evidence files, which come from outside
 * (CI systems, registries, whoever attached them). It refuses text over a size
 * limit before parsing, and text nested deeper than a limit before anything
 * walks it, so a hostile file costs at most one linear scan.
 *
 * Stand-in until shared/json (the project's safe JSON parser) lands; the
 * evidence readers only depend on `parseBoundedJson`, so swapping is local.
 */

export interface JsonLimits {
  /** Most UTF-16 code units the text may hold (about the byte size for JSON, which is mostly ASCII). */
  maxCharacters: number;
  /** Deepest nesting of objects and arrays allowed. */
  maxDepth: number;
}

export type BoundedJsonResult =
  | { ok: true; value: unknown }
  | { ok: false; problem: 'too-large'; characters: number }
  | { ok: false; problem: 'too-deep'; depth: number }
  | { ok: false; problem: 'not-json'; detail: string };

const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const quote = 0x22;
const backslash = 0x5c;

/** Deepest object/array nesting in `text`, stopping as soon as it exceeds `limit` (strings are skipped, RFC 8259 §7). */
export function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === backslash) index++;
      else if (code === quote) inString = false;
      continue;
    }
    if (code === quote) inString = true;
    else if (code === openBrace || code === openBracket) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === closeBrace || code === closeBracket) depth--;
  }
  return deepest;
}

export function parseBoundedJson(text: string, limits: JsonLimits): BoundedJsonResult {
  if (text.length > limits.maxCharacters) return { ok: false, problem: 'too-large', characters: text.length };
  const depth = nestingDepth(text, limits.maxDepth);
  if (depth > limits.maxDepth) return { ok: false, problem: 'too-deep', depth };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, problem: 'not-json', detail: error instanceof Error ? error.message : String(error) };
  }
}

export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A readable size for messages: "16 MB". */
export function describeSize(characters: number): string {
  if (characters >= 1024 * 1024) return `${Math.round((characters / (1024 * 1024)) * 10) / 10} MB`;
  if (characters >= 1024) return `${Math.round(characters / 1024)} KB`;
  return `${characters} bytes`;
}
