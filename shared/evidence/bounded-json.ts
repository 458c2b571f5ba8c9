/**
 * Evidence files come from outside (CI systems, registries, whoever attached
 * them). They are read with the project's safe JSON reader (size, depth and
 * duplicate-name limits before anything walks them); this adapter turns its
 * errors into results each evidence reader explains in its own words.
 */
import { JsonError, parseJsonText } from '../json/parse';

export interface JsonLimits {
  /** Largest text accepted, in UTF-8 bytes. */
  maxCharacters: number;
  /** Deepest nesting of objects and arrays allowed. */
  maxDepth: number;
}

export type BoundedJsonResult =
  | { ok: true; value: unknown }
  | { ok: false; problem: 'too-large'; characters: number }
  | { ok: false; problem: 'too-deep'; depth: number }
  | { ok: false; problem: 'not-json'; detail: string };

export function parseBoundedJson(text: string, limits: JsonLimits): BoundedJsonResult {
  try {
    return { ok: true, value: parseJsonText(text, { maxBytes: limits.maxCharacters, maxDepth: limits.maxDepth }) };
  } catch (error) {
    if (!(error instanceof JsonError)) throw error;
    if (error.code === 'json-too-large') return { ok: false, problem: 'too-large', characters: text.length };
    if (error.code === 'json-too-deep') return { ok: false, problem: 'too-deep', depth: limits.maxDepth + 1 };
    // Syntax, encoding, and duplicate member names (which let two readers see two documents in one file) all mean "not JSON we accept".
    // The problem and where it is, never the text (issue 12): "it is not valid JSON (error at line 3, column 5: …)".
    return { ok: false, problem: 'not-json', detail: `it ${error.problem}` };
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
