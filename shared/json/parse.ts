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

/** Where in the text a problem is, 1-based, so a message can point at it without quoting the text (issue 12). */
export interface JsonPosition {
  line: number;
  column: number;
}

/**
 * Its message never quotes the text: the text may be a private file someone
 * named by mistake, or on purpose to read it through the error (issue 12).
 * It says what kind of problem, and where.
 */
export class JsonError extends CodedError<JsonErrorCode> {
  override readonly name = 'JsonError';
  constructor(
    code: JsonErrorCode,
    /** What is wrong, as a predicate: "is not valid JSON (error at line 3, column 5: …)". The message is "This [JSON] <problem>." */
    readonly problem: string,
    /** Where the problem is, for syntax errors and duplicate names. */
    readonly position?: JsonPosition,
  ) {
    super(code, `This ${code === 'json-syntax' ? '' : 'JSON '}${problem}.`);
  }

  /** The message about a file (or another named source) instead of "This": "policy.json is not valid JSON (error at …)." */
  about(name: string): string {
    return `${name} ${this.problem}.`;
  }
}

/**
 * A member name read from a document, as a message may quote it: only a name
 * that looks like a field someone misspelled (letters, digits, "_" or "-", at
 * most 32 characters). Anything else may be a secret of a file named by
 * mistake, or on purpose to read it through the error (issue 12): not quoted.
 */
export function quotedMemberName(name: string): string {
  return /^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(name) ? `"${name}"` : '(a name not shown here)';
}

/** The line and column (1-based, in characters) of an offset in the text. */
export function positionOf(text: string, offset: number): JsonPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const describePosition = (position: JsonPosition) => `line ${position.line}, column ${position.column}`;

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
      if (open.length >= limits.maxDepth) throw new JsonError('json-too-deep', `nests deeper than ${limits.maxDepth} levels, more than any document Conclave reads; it was not read`);
      open.push(char === 0x7b ? { keys: new Set(), expectingKey: true } : { keys: undefined, expectingKey: false });
    } else if (char === 0x7d /* } */ || char === 0x5d /* ] */) {
      open.pop();
    } else if (char === 0x2c /* , */) {
      const top = open[open.length - 1];
      if (top?.keys) top.expectingKey = true;
    } else if (char === 0x22 /* " */) {
      const start = i;
      // The closing quote is the next one after an even number of backslashes. Found with indexOf, natively: most of
      // a signed document is inside strings (a DSSE payload is one long base64 string).
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i === -1) return; // unterminated string: JSON.parse reports it
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === 0x5c /* \ */) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      const top = open[open.length - 1];
      if (top?.keys && top.expectingKey) {
        top.expectingKey = false;
        let key = text.slice(start + 1, i);
        try {
          if (key.includes('\\')) key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          return; // a malformed escape: JSON.parse reports it
        }
        if (top.keys.has(key)) {
          // Where, not which: the name is the file's content.
          const position = positionOf(text, start);
          throw new JsonError('json-duplicate-key', `names one member twice in one object (the second time at ${describePosition(position)}), so different readers could see different values; it was not read`, position);
        }
        top.keys.add(key);
      }
    }
  }
}

/** Parses JSON text from an untrusted source. Throws JsonError with a code. */
export function parseJsonText(text: string, limits: Partial<JsonLimits> = {}): unknown {
  const effective: JsonLimits = { ...defaultJsonLimits, ...limits };
  // No UTF-16 unit takes more than 3 bytes in UTF-8: a text this short is within the limit without counting.
  const size = text.length * 3 <= effective.maxBytes ? 0 : utf8Length(text);
  if (size > effective.maxBytes) throw new JsonError('json-too-large', `is ${describeSize(size)}, more than the ${describeSize(effective.maxBytes)} Conclave accepts here; it was not read`);
  scan(text, effective);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // JSON.parse's own message quotes the text ('Unexpected token 'g', "ghp_…" is not valid JSON'): never shown.
    if (text.trim() === '') throw new JsonError('json-syntax', 'is not JSON: it is empty', { line: 1, column: 1 });
    const found = firstSyntaxError(text);
    if (!found) throw new JsonError('json-syntax', 'is not valid JSON');
    const position = positionOf(text, found.offset);
    throw new JsonError('json-syntax', `is not valid JSON (error at ${describePosition(position)}: ${found.problem})`, position);
  }
}

const jsonNumber = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const escapes = '"\\/bfnrt';

/**
 * Where the first syntax error of a text JSON.parse refused is, and what kind
 * it is, in words that quote nothing of the text. Run only after JSON.parse
 * failed; iterative, so no text can overflow the stack.
 */
export function firstSyntaxError(text: string): { offset: number; problem: string } | undefined {
  const open: ('[' | '{')[] = [];
  const length = text.length;
  let i = 0;
  /** 'value': a value is due; 'key': a member name is due; 'after': a value just ended. */
  let mode: 'value' | 'key' | 'after' = 'value';
  /** Right after [ or {, where the container may end at once. */
  let mayClose = false;
  const problem = (what: string, offset = i) => ({ offset, problem: what });
  const endsEarly = () => problem('the text ends before the JSON does');
  const skipSpace = () => {
    while (i < length) {
      const char = text.charCodeAt(i);
      if (char !== 0x20 && char !== 0x09 && char !== 0x0a && char !== 0x0d) return;
      i++;
    }
  };
  /** Reads a string starting at its opening quote. */
  const readString = (): { offset: number; problem: string } | undefined => {
    const start = i;
    for (i++; i < length; i++) {
      const char = text.charCodeAt(i);
      if (char === 0x22) {
        i++;
        return undefined;
      }
      if (char < 0x20) return problem('a control character (such as a line break) inside a string');
      if (char === 0x5c) {
        const escaped = text[i + 1];
        if (escaped === undefined) break;
        if (escapes.includes(escaped)) i++;
        else if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 5;
        else return problem('a malformed escape (\\) inside a string');
      }
    }
    return problem('a string that is never closed', start);
  };

  for (;;) {
    skipSpace();
    if (mode === 'key') {
      if (i >= length) return endsEarly();
      if (mayClose && text[i] === '}') {
        i++;
        open.pop();
        mayClose = false;
        mode = 'after';
        continue;
      }
      if (text[i] !== '"') return problem('a member name that is not in double quotes');
      const bad = readString();
      if (bad) return bad;
      skipSpace();
      if (i >= length) return endsEarly();
      if (text[i] !== ':') return problem('a missing ":" after a member name');
      i++;
      mayClose = false;
      mode = 'value';
      continue;
    }
    if (mode === 'value') {
      if (i >= length) return endsEarly();
      const char = text[i]!;
      if (mayClose && char === ']') {
        i++;
        open.pop();
        mayClose = false;
        mode = 'after';
        continue;
      }
      mayClose = false;
      if (char === '{' || char === '[') {
        open.push(char);
        i++;
        mayClose = true;
        mode = char === '{' ? 'key' : 'value';
        continue;
      }
      mode = 'after';
      if (char === '"') {
        const bad = readString();
        if (bad) return bad;
        continue;
      }
      if (char === '-' || (char >= '0' && char <= '9')) {
        jsonNumber.lastIndex = i;
        const number = jsonNumber.exec(text);
        if (!number) return problem('a malformed number');
        i += number[0].length;
        continue;
      }
      const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
      if (literal) {
        i += literal.length;
        continue;
      }
      return problem('an unexpected character where a value should be');
    }
    const top = open[open.length - 1];
    if (!top) return i < length ? problem('more text after the end of the JSON') : undefined;
    if (i >= length) return endsEarly();
    const char = text[i];
    if (char === ',') {
      i++;
      mode = top === '{' ? 'key' : 'value';
    } else if ((top === '[' && char === ']') || (top === '{' && char === '}')) {
      i++;
      open.pop();
    } else {
      return problem(top === '[' ? 'a missing "," or "]" in a list' : 'a missing "," or "}" in an object');
    }
  }
}

/** Parses UTF-8 JSON bytes from an untrusted source. Throws JsonError with a code. */
export function parseJsonBytes(bytes: Uint8Array, limits: Partial<JsonLimits> = {}): unknown {
  const effective: JsonLimits = { ...defaultJsonLimits, ...limits };
  // Checked before decoding, so a huge input costs nothing.
  if (bytes.length > effective.maxBytes) throw new JsonError('json-too-large', `is ${describeSize(bytes.length)}, more than the ${describeSize(effective.maxBytes)} Conclave accepts here; it was not read`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new JsonError('json-not-utf8', 'is not valid UTF-8 text (RFC 8259 §8.1 requires UTF-8); it was not read');
  }
  return parseJsonText(text, effective);
}
