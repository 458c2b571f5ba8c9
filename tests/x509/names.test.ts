import { describe, expect, it } from 'vitest';
import { DerError, decodeOid, readTlv, singleElement } from '../../shared/x509/der';
import { namesEqual, readName } from '../../shared/x509/names';
import { NameSyntaxError, nameMatchesWritten, parseRfc4514 } from '../../shared/x509/rfc4514';

/** DER by hand, for names no CA would issue. */
const tlv = (tag: number, content: number[]) => [tag, content.length, ...content];
const text = (value: string) => [...new TextEncoder().encode(value)];
const cn = [0x06, 0x03, 0x55, 0x04, 0x03];
const o = [0x06, 0x03, 0x55, 0x04, 0x0a];
const attribute = (type: number[], tag: number, value: string) => tlv(0x30, [...type, ...tlv(tag, text(value))]);
const name = (...rdns: number[][][]) => Uint8Array.from(tlv(0x30, rdns.flatMap((rdn) => tlv(0x31, rdn.flat()))));

describe('distinguished names', () => {
  it('compares names for chaining without case, surrounding or repeated spaces, or string type mattering', () => {
    const a = readName(name([attribute(o, 0x13, 'Acme')], [attribute(cn, 0x0c, 'Issuing  CA')]));
    const b = readName(name([attribute(o, 0x0c, ' ACME ')], [attribute(cn, 0x0c, 'issuing ca')]));
    const c = readName(name([attribute(o, 0x0c, 'Acme')], [attribute(cn, 0x0c, 'Issuing CA 2')]));
    expect(namesEqual(a, b)).toBe(true);
    expect(namesEqual(a, c)).toBe(false);
    expect(a.rfc4514).toBe('CN=Issuing  CA,O=Acme');
  });

  it('matches a written name exactly: values with their case, RDN order as written, types in any case', () => {
    const alice = readName(name([attribute(o, 0x13, 'Acme')], [attribute(cn, 0x0c, 'Alice')]));
    expect(nameMatchesWritten(alice, parseRfc4514('CN=Alice,O=Acme'))).toBe(true);
    expect(nameMatchesWritten(alice, parseRfc4514('cn=Alice , o=Acme'))).toBe(true);
    expect(nameMatchesWritten(alice, parseRfc4514('CN=alice,O=Acme'))).toBe(false);
    expect(nameMatchesWritten(alice, parseRfc4514('O=Acme,CN=Alice'))).toBe(false);
    expect(nameMatchesWritten(alice, parseRfc4514('CN=Alice'))).toBe(false);
    // "#hex" is the value's DER: PrintableString "Acme".
    expect(nameMatchesWritten(alice, parseRfc4514('CN=Alice,O=#130441636d65'))).toBe(true);
    expect(nameMatchesWritten(alice, parseRfc4514('CN=Alice,O=#0c0441636d65'))).toBe(false);
  });

  it('parses RFC 4514 escapes and multi-valued RDNs, and refuses what is not RFC 4514', () => {
    expect(parseRfc4514('CN=Acme\\, Inc.+UID=x,O=a\\2bb\\ ')).toEqual([
      [
        { type: '2.5.4.3', value: { text: 'Acme, Inc.' } },
        { type: '0.9.2342.19200300.100.1.1', value: { text: 'x' } },
      ],
      [{ type: '2.5.4.10', value: { text: 'a+b ' } }],
    ]);
    for (const bad of ['', 'CN', 'XX=1', 'CN=a\\q', 'CN=#12g4', 'CN=\\ff']) expect(() => parseRfc4514(bad), bad).toThrow(NameSyntaxError);
  });
});

describe('DER reading', () => {
  it('refuses non-DER lengths, trailing bytes and truncation', () => {
    expect(() => readTlv(Uint8Array.from([0x04, 0x81, 0x01, 0x00]), 0)).toThrow(DerError); // long form for a short length
    expect(() => readTlv(Uint8Array.from([0x30, 0x80, 0x00, 0x00]), 0)).toThrow(DerError); // indefinite length
    expect(() => singleElement(Uint8Array.from([0x04, 0x01, 0x00, 0x00]))).toThrow(/trailing/);
    expect(() => readTlv(Uint8Array.from([0x04, 0x05, 0x00]), 0)).toThrow(/truncated/);
  });

  it('decodes object identifiers', () => {
    expect(decodeOid(Uint8Array.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]))).toBe('1.2.840.10045.4.3.2');
    expect(decodeOid(Uint8Array.from([0x55, 0x1d, 0x25, 0x00]))).toBe('2.5.29.37.0');
    expect(() => decodeOid(Uint8Array.from([0x2a, 0x86]))).toThrow(DerError);
  });
});
