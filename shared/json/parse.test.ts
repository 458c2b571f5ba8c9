import { describe, expect, it } from 'vitest';
import { JsonError, parseJsonBytes, parseJsonText, type JsonErrorCode } from './parse';

function codeOf(run: () => unknown): JsonErrorCode | 'accepted' {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof JsonError) return error.code;
    throw error;
  }
}

describe('safe JSON parsing', () => {
  it('reads ordinary JSON as JSON.parse does', () => {
    const text = '{"a":[1,2,{"b":"c\\"}"}],"d":null,"e":"[{"}';
    expect(parseJsonText(text)).toEqual(JSON.parse(text));
    expect(parseJsonBytes(new TextEncoder().encode(text))).toEqual(JSON.parse(text));
  });

  it('refuses text larger than the limit, counting UTF-8 bytes', () => {
    expect(codeOf(() => parseJsonText('"ééé"', { maxBytes: 7 }))).toBe('json-too-large');
    expect(parseJsonText('"ééé"', { maxBytes: 8 })).toBe('ééé');
    expect(codeOf(() => parseJsonBytes(new Uint8Array(17 * 1024 * 1024).fill(0x20)))).toBe('json-too-large');
  });

  it('refuses deeply nested JSON before parsing it', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(codeOf(() => parseJsonText(deep))).toBe('json-too-deep');
    expect(codeOf(() => parseJsonText('{"a":'.repeat(65) + '1' + '}'.repeat(65)))).toBe('json-too-deep');
    expect(parseJsonText('[['.repeat(32) + ']]'.repeat(32))).toBeInstanceOf(Array);
  });

  it('does not count brackets inside strings as nesting', () => {
    expect(parseJsonText(JSON.stringify({ text: '['.repeat(1000) }), { maxDepth: 2 })).toEqual({ text: '['.repeat(1000) });
  });

  it('refuses a member named twice in one object, even when spelled with escapes', () => {
    expect(codeOf(() => parseJsonText('{"threshold":1,"threshold":5}'))).toBe('json-duplicate-key');
    expect(codeOf(() => parseJsonText('{"a":1,"\\u0061":2}'))).toBe('json-duplicate-key');
    expect(codeOf(() => parseJsonText('{"x":{"a":1},"y":{"a":1}}'))).toBe('accepted');
    expect(codeOf(() => parseJsonText('[{"a":1},{"a":2}]'))).toBe('accepted');
    expect(codeOf(() => parseJsonText('{"a":"a","b":"a"}'))).toBe('accepted');
  });

  it.each([
    ['truncated', '{"a":', 'json-syntax'],
    ['trailing comma', '[1,]', 'json-syntax'],
    ['unterminated string', '"abc', 'json-syntax'],
    ['empty', '', 'json-syntax'],
  ] as const)('refuses %s JSON as a syntax error', (_what, text, code) => {
    expect(codeOf(() => parseJsonText(text))).toBe(code);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(codeOf(() => parseJsonBytes(Uint8Array.of(0x22, 0xff, 0x22)))).toBe('json-not-utf8');
  });
});
