/**
 * Canonical JSON by RFC 8785 (JSON Canonicalization Scheme, JCS): one byte
 * sequence per JSON value, so that a statement can be frozen to exact bytes
 * and a policy can be named by a digest that any JCS tool reproduces.
 *
 * JCS leans on ECMAScript: strings are escaped as JSON.stringify escapes them
 * (§3.2.2.2), numbers are written as Number.prototype.toString writes them
 * (§3.2.2.3), and object members are sorted by their names' UTF-16 code units
 * (§3.2.3), which is what Array.prototype.sort does with strings.
 */
import { CodedError } from '../errors';

export const canonicalJsonErrorCodes = ['canonical-unsupported-value', 'canonical-non-finite-number', 'canonical-lone-surrogate', 'canonical-cycle'] as const;
export type CanonicalJsonErrorCode = (typeof canonicalJsonErrorCodes)[number];

export class CanonicalJsonError extends CodedError<CanonicalJsonErrorCode> {
  override readonly name = 'CanonicalJsonError';
}

// RFC 8785 §3.2.2.2: strings with lone surrogates are not I-JSON (RFC 7493 §2.1) and must be refused.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Where a value sits, as "$.a[0].b", built only for an error message: a path
 * string for every member costs more than writing the member (issue 15).
 */
type Place = { parent: Place; step: string | number } | undefined;

function describePlace(place: Place): string {
  const steps: string[] = [];
  for (let at = place; at !== undefined; at = at.parent) steps.push(typeof at.step === 'number' ? `[${at.step}]` : `.${at.step}`);
  return `$${steps.reverse().join('')}`;
}

function serializeString(text: string, place: Place): string {
  if (loneSurrogate.test(text)) throw new CanonicalJsonError('canonical-lone-surrogate', `The text at ${describePlace(place)} holds a lone UTF-16 surrogate, which JSON cannot carry portably.`);
  return JSON.stringify(text);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function serialize(value: unknown, place: Place, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError('canonical-non-finite-number', `The number at ${describePlace(place)} is ${String(value)}, which JSON cannot carry.`);
      // Number.prototype.toString is the ECMAScript algorithm JCS prescribes; JSON.stringify also turns -0 into 0.
      return JSON.stringify(value);
    case 'string':
      return serializeString(value, place);
    case 'object':
      break;
    default:
      throw new CanonicalJsonError('canonical-unsupported-value', `The value at ${describePlace(place)} is a ${typeof value}, which is not JSON data.`);
  }
  if (ancestors.has(value)) throw new CanonicalJsonError('canonical-cycle', `The value at ${describePlace(place)} contains itself.`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.map((item: unknown, index) => {
        if (item === undefined) throw new CanonicalJsonError('canonical-unsupported-value', `Item ${index} at ${describePlace(place)} is undefined, which is not JSON data.`);
        return serialize(item, { parent: place, step: index }, ancestors);
      });
      return `[${items.join(',')}]`;
    }
    if (!isPlainObject(value)) throw new CanonicalJsonError('canonical-unsupported-value', `The value at ${describePlace(place)} is a ${value.constructor?.name ?? 'special object'}, not plain JSON data.`);
    const members: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const member = value[key];
      // Absent and undefined are the same thing for an optional field, as in JSON.stringify.
      if (member === undefined) continue;
      members.push(`${serializeString(key, place)}:${serialize(member, { parent: place, step: key }, ancestors)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

/** The RFC 8785 canonical text of a JSON value. Throws CanonicalJsonError for anything that is not JSON data. */
export function canonicalJson(value: unknown): string {
  return serialize(value, undefined, new Set());
}

/** The RFC 8785 canonical bytes (UTF-8) of a JSON value: what is signed and what is digested. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}
