/**
 * Names as people write them in a trust policy (RFC 4514 strings), and the
 * exact match of a certificate's subject against one.
 */
import { bytesEqual } from '../encoding/bytes';
import { typeOfShortName, type DistinguishedName, type NameAttribute } from './names';

/** One attribute of an RFC 4514 string as the person wrote it. */
export interface WrittenAttribute {
  type: string;
  /** The unescaped text, or the DER bytes when written as "#hex". */
  value: { text: string } | { der: Uint8Array };
}

export class NameSyntaxError extends Error {}

/** Split on an unescaped separator. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const character = text[i]!;
    if (character === '\\' && i + 1 < text.length) {
      current += character + text[i + 1]!;
      i++;
    } else if (character === separator) {
      parts.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeValue(raw: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < raw.length; i++) {
    const character = raw[i]!;
    if (character !== '\\') {
      // Whole code points: a surrogate pair is one character.
      const codePoint = raw.codePointAt(i)!;
      const text = String.fromCodePoint(codePoint);
      bytes.push(...encoder.encode(text));
      i += text.length - 1;
      continue;
    }
    const next = raw.slice(i + 1, i + 3);
    if (/^[0-9a-fA-F]{2}$/.test(next)) {
      bytes.push(parseInt(next, 16));
      i += 2;
    } else if (i + 1 < raw.length && ' "#+,;<=>\\'.includes(raw[i + 1]!)) {
      bytes.push(raw.charCodeAt(i + 1));
      i += 1;
    } else {
      throw new NameSyntaxError(`"\\${raw[i + 1] ?? ''}" is not an RFC 4514 escape`);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    throw new NameSyntaxError('hex escapes that are not UTF-8');
  }
}

/** Trim unescaped spaces around a value (people write "CN=Alice, O=Acme"); an escaped trailing space stays. */
function trimValue(raw: string): string {
  let text = raw.replace(/^ +/, '');
  while (text.endsWith(' ') && !text.endsWith('\\ ')) text = text.slice(0, -1);
  return text;
}

/** Parse an RFC 4514 string into RDNs, most specific first (as written). Throws NameSyntaxError. */
export function parseRfc4514(text: string): WrittenAttribute[][] {
  if (text.trim() === '') throw new NameSyntaxError('an empty name');
  return splitUnescaped(text, ',').map((rdnText) =>
    splitUnescaped(rdnText, '+').map((pair) => {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw new NameSyntaxError(`"${pair.trim()}" is not TYPE=value`);
      const typeText = pair.slice(0, equals).trim();
      const type = /^\d+(\.\d+)+$/.test(typeText) ? typeText : typeOfShortName(typeText);
      if (!type) throw new NameSyntaxError(`"${typeText}" is not an attribute type Conclave knows; write its dotted OID instead`);
      const rawValue = trimValue(pair.slice(equals + 1));
      if (rawValue.startsWith('#')) {
        const digits = rawValue.slice(1);
        if (digits.length === 0 || digits.length % 2 || !/^[0-9a-fA-F]+$/.test(digits)) throw new NameSyntaxError(`"${rawValue}" is not a hex-encoded value`);
        const der = new Uint8Array(digits.length / 2);
        for (let i = 0; i < der.length; i++) der[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
        return { type, value: { der } };
      }
      return { type, value: { text: unescapeValue(rawValue) } };
    }),
  );
}

/**
 * Whether a certificate name is exactly the written one: every RDN, in order,
 * with the same attributes; values compared exactly. This is stricter than
 * X.520's caseIgnoreMatch on purpose: an organisation's CA writes its names
 * one way, and an identity in a trust policy should not match a look-alike.
 * Attribute type names are case-insensitive, as RFC 4514 says.
 */
export function nameMatchesWritten(name: DistinguishedName, written: WrittenAttribute[][]): boolean {
  const rdns = [...name.rdns].reverse();
  if (rdns.length !== written.length) return false;
  return rdns.every((rdn, index) => {
    const wanted = written[index]!;
    if (rdn.length !== wanted.length) return false;
    const unused = [...rdn];
    return wanted.every((attribute) => {
      const at = unused.findIndex((candidate) => candidate.type === attribute.type && attributeValueEquals(candidate, attribute.value));
      if (at < 0) return false;
      unused.splice(at, 1);
      return true;
    });
  });
}

function attributeValueEquals(attribute: NameAttribute, value: WrittenAttribute['value']): boolean {
  if ('der' in value) return bytesEqual(attribute.valueDer, value.der);
  return attribute.value !== undefined && attribute.value === value.text;
}
