/**
 * JSON from outside (envelopes, statements, policies, evidence) is parsed here
 * and nowhere else: with a size limit, a nesting limit (a deeply nested array
 * overflows the stack of a recursive parser, including some JSON.parse
 * builds) and duplicate member names refused (RFC 8259 §4 leaves them
 * undefined, so two parsers could read two different documents from the same
 * signed bytes; RFC 7493 §2.3 forbids them).
 */
import { CodedError } from '../errors';

export const jsonErrorCodes = ['json-too-large', 'json-too-deep', 'json-syntax', 'json-not-utf8', 'json-duplicate-key'] as const;
export type JsonErrorCode = (typeof jsonErrorCodes)[number];

export class JsonError extends CodedError<JsonErrorCode> {
  override readonly name = 'JsonError';
}

export interface JsonLimits {
  /** Largest document accepted, in UTF-8 bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays and objects accepted; a top-level object is depth 1. */
  maxDepth: number;
}

export const defaultJsonLimits: JsonLimits = { maxBytes: 16 * 1024 * 1024, maxDepth: 64 };

function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

function describeSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${bytes} bytes`;
}

interface OpenContainer {
  keys: Set<string> | undefined;
  expectingKey: boolean;
}

/**
 * One pass over the text that checks nesting depth and duplicate names before
 * JSON.parse sees it. It does not judge syntax: JSON.parse does that after.
 */
function scan(text: string, limits: JsonLimits): void {
  const open: OpenContainer[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x7b /* { */ || char === 0x5b /* [ */) {
      if (open.length >= limits.maxDepth) throw new JsonError('json-too-deep', `This JSON nests deeper than ${limits.maxDepth} levels, more than any document Conclave reads; it was not read.`);
      open.push(char === 0x7b ? { keys: new Set(), expectingKey: true } : { keys: undefined, expectingKey: false });
    } else if (char === 0x7d /* } */ || char === 0x5d /* ] */) {
      open.pop();
    } else if (char === 0x2c /* , */) {
      const top = open[open.length - 1];
      if (top?.keys) top.expectingKey = true;
    } else if (char === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const inner = text.charCodeAt(i);
        if (inner === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (inner === 0x22) break;
      }
      if (i >= text.length) return; // unterminated string: JSON.parse reports it
      const top = open[open.length - 1];
      if (top?.keys && top.expectingKey) {
        top.expectingKey = false;
        let key: string;
        try {
          key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        } catch {
          return; // a malformed escape: JSON.parse reports it
        }
        if (top.keys.has(key)) throw new JsonError('json-duplicate-key', `This JSON names the member "${key}" twice in one object, so different readers could see different values; it was not read.`);
        top.keys.add(key);
      }
    }
  }
}

/** Parses JSON text from an untrusted source. Throws JsonError with a code. */
export function parseJsonText(text: string, limits: Partial<JsonLimits> = {}): unknown {
  const effective: JsonLimits = { ...defaultJsonLimits, ...limits };
  const size = utf8Length(text);
  if (size > effective.maxBytes) throw new JsonError('json-too-large', `This JSON is ${describeSize(size)}, more than the ${describeSize(effective.maxBytes)} Conclave accepts here; it was not read.`);
  scan(text, effective);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? `: ${error.message}` : '';
    throw new JsonError('json-syntax', `This is not valid JSON${detail}.`);
  }
}

/** Parses UTF-8 JSON bytes from an untrusted source. Throws JsonError with a code. */
export function parseJsonBytes(bytes: Uint8Array, limits: Partial<JsonLimits> = {}): unknown {
  const effective: JsonLimits = { ...defaultJsonLimits, ...limits };
  // Checked before decoding, so a huge input costs nothing.
  if (bytes.length > effective.maxBytes) throw new JsonError('json-too-large', `This JSON is ${describeSize(bytes.length)}, more than the ${describeSize(effective.maxBytes)} Conclave accepts here; it was not read.`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new JsonError('json-not-utf8', 'This JSON is not valid UTF-8 text (RFC 8259 §8.1 requires UTF-8); it was not read.');
  }
  return parseJsonText(text, effective);
}
