import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson, canonicalJsonBytes } from './canonical';
import { toHex } from '../encoding/hex';

const fromIeee = (hex: string): number => new DataView(Uint8Array.from(hex.match(/../g)!.map((byte) => parseInt(byte, 16))).buffer).getFloat64(0);

describe('canonical JSON (RFC 8785)', () => {
  // RFC 8785 §3.2.2: the worked example, input as JSON text, output as text and as UTF-8 (§3.2.4).
  const example = `{
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
    "literals": [null, true, false]
  }`;

  it('writes the §3.2.2 example exactly as the RFC does', () => {
    expect(canonicalJson(JSON.parse(example))).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('produces the §3.2.4 UTF-8 bytes of that example', () => {
    const expected = `
      7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
      75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
      5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
      65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
      5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
      30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d`;
    expect(toHex(canonicalJsonBytes(JSON.parse(example)))).toBe(expected.replace(/\s/g, ''));
  });

  it('sorts members by UTF-16 code units as in §3.2.3', () => {
    const input = '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}';
    // Read the names off the text: a JavaScript object would list "1" first whatever the order.
    const names = [...canonicalJson(JSON.parse(input)).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((match) => JSON.parse(`"${match[1]!}"`) as string);
    expect(names).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('writes the Appendix B number %s as %s', (ieee, expected) => {
    expect(canonicalJson(fromIeee(ieee))).toBe(expected);
  });

  it.each([
    ['NaN', fromIeee('7fffffffffffffff'), 'canonical-non-finite-number'],
    ['Infinity', fromIeee('7ff0000000000000'), 'canonical-non-finite-number'],
    ['a lone surrogate in a value', { text: 'a\ud800b' }, 'canonical-lone-surrogate'],
    ['a lone surrogate in a name', { ['\udc00']: 1 }, 'canonical-lone-surrogate'],
    ['undefined in an array', [1, undefined], 'canonical-unsupported-value'],
    ['a bigint', { n: 1n }, 'canonical-unsupported-value'],
    ['a Date', { at: new Date(0) }, 'canonical-unsupported-value'],
  ])('refuses %s', (_what, value, code) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
    try {
      canonicalJson(value);
    } catch (error) {
      expect((error as CanonicalJsonError).code).toBe(code);
    }
  });

  it('refuses a value that contains itself but accepts shared subtrees', () => {
    const shared = { a: 1 };
    expect(canonicalJson({ x: shared, y: shared })).toBe('{"x":{"a":1},"y":{"a":1}}');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow(/contains itself/);
  });

  it('leaves out undefined members, as an absent optional field', () => {
    expect(canonicalJson({ b: undefined, a: [true, null] })).toBe('{"a":[true,null]}');
  });

  it('does not depend on the order members were written in', () => {
    expect(canonicalJson({ b: { d: 1, c: 2 }, a: 'x' })).toBe(canonicalJson({ a: 'x', b: { c: 2, d: 1 } }));
  });
});
