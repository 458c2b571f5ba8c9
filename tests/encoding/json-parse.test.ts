/**
 * JSON from outside (shared/json/parse.ts): a member named twice in one
 * object is refused however it is spelled (escapes included), and anything
 * else parses as JSON.parse reads it. Documents are built by hand from
 * generated members, so the test knows which have a repeated name, with
 * strings full of what a scanner can stumble on: escaped quotes, runs of
 * backslashes, unicode escapes, long base64.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonError, parseJsonText } from '../../shared/json/parse';

/** A string as JSON text, each character written plainly or, at random, as a \u escape. */
const spelled = (value: string, escapeMask: number[]) =>
  `"${[...value]
    .map((char, index) => {
      if ((escapeMask[index % escapeMask.length] ?? 0) % 3 === 0) return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
      return JSON.stringify(char).slice(1, -1);
    })
    .join('')}"`;

const tricky = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('"', '\\', '\\\\', '\\"', '"\\', 'a"b', '\\\\\\"', '{"x":1}', ',"k":'),
  fc.base64String({ minLength: 100, maxLength: 3000 }),
);

interface Member {
  name: string;
  value: string | number | Member[];
}
const member: fc.Memo<Member> = fc.memo((depth) =>
  fc.record({
    name: fc.oneof(fc.constantFrom('a', 'b', 'payload', 'sig', 'a"', 'a\\'), fc.string({ maxLength: 4 })),
    value: depth <= 1 ? fc.oneof(tricky, fc.integer()) : fc.oneof(tricky, fc.integer(), fc.array(member(depth - 1), { maxLength: 4 })),
  }),
);

function write(members: Member[], mask: number[]): string {
  return `{${members.map((entry) => `${spelled(entry.name, mask)}:${typeof entry.value === 'string' ? spelled(entry.value, mask) : typeof entry.value === 'number' ? String(entry.value) : write(entry.value, mask)}`).join(',')}}`;
}

function repeatsAName(members: Member[]): boolean {
  const names = new Set<string>();
  for (const entry of members) {
    if (names.has(entry.name)) return true;
    names.add(entry.name);
    if (Array.isArray(entry.value) && repeatsAName(entry.value)) return true;
  }
  return false;
}

describe('JSON from outside', () => {
  it('refuses a name repeated in one object however it is spelled, and reads every other document as JSON.parse does', () => {
    fc.assert(
      fc.property(fc.array(member(3), { maxLength: 6 }), fc.array(fc.nat(5), { minLength: 1, maxLength: 7 }), (members, mask) => {
        const text = write(members, mask);
        if (repeatsAName(members)) {
          expect(() => parseJsonText(text)).toThrow(expect.objectContaining({ code: 'json-duplicate-key' }) as JsonError);
        } else {
          expect(parseJsonText(text)).toEqual(JSON.parse(text));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('finds the end of a string after any run of backslashes', () => {
    expect(() => parseJsonText('{"a\\\\":1,"a\\\\":2}')).toThrow(/names one member twice/);
    expect(parseJsonText('{"a\\\\":1,"a\\"":2}')).toEqual({ 'a\\': 1, 'a"': 2 });
    expect(() => parseJsonText('{"k":"x\\\\\\"","k":1}')).toThrow(/names one member twice/);
    expect(() => parseJsonText('{"a":1,"\\u0061":2}')).toThrow(/names one member twice/);
    // Not closed: JSON.parse's verdict, with a position and nothing quoted.
    expect(() => parseJsonText('{"a":"x\\"}')).toThrow(/is not valid JSON \(error at line 1/);
  });

  it('measures the size in UTF-8 bytes, as limits are written', () => {
    const text = JSON.stringify({ text: '€'.repeat(400) });
    expect(() => parseJsonText(text, { maxBytes: 1000 })).toThrow(expect.objectContaining({ code: 'json-too-large' }) as JsonError);
    expect(parseJsonText(text, { maxBytes: 1300 })).toEqual({ text: '€'.repeat(400) });
  });
});
