/**
 * PKCS#11 URIs (RFC 7512): how cosign, OpenSSL and p11-kit name a token or a
 * key, e.g. `pkcs11:token=alice;object=release-signing?module-path=/usr/lib/softhsm/libsofthsm2.so`.
 */
import { ConclaveError } from '../errors';
import { toHex } from '../encoding/hex';

export const objectTypes = ['public', 'private', 'cert', 'secret-key', 'data'] as const;
export type ObjectType = (typeof objectTypes)[number];

export interface Pkcs11Uri {
  token?: string;
  manufacturer?: string;
  serial?: string;
  model?: string;
  slotId?: number;
  slotDescription?: string;
  slotManufacturer?: string;
  libraryManufacturer?: string;
  libraryDescription?: string;
  libraryVersion?: string;
  object?: string;
  /** CKA_ID: raw bytes, always percent-encoded in the text form. */
  id?: Uint8Array;
  type?: ObjectType;
  modulePath?: string;
  moduleName?: string;
  pinSource?: string;
  /** Parsed so it can be refused with a clear reason; never used to log in from the command line. */
  pinValue?: string;
}

type TextAttribute = Exclude<keyof Pkcs11Uri, 'id' | 'type' | 'slotId'>;

const pathAttributes: Record<string, TextAttribute | 'id' | 'type' | 'slotId'> = {
  token: 'token',
  manufacturer: 'manufacturer',
  serial: 'serial',
  model: 'model',
  'slot-id': 'slotId',
  'slot-description': 'slotDescription',
  'slot-manufacturer': 'slotManufacturer',
  'library-manufacturer': 'libraryManufacturer',
  'library-description': 'libraryDescription',
  'library-version': 'libraryVersion',
  object: 'object',
  id: 'id',
  type: 'type',
};

const queryAttributes: Record<string, TextAttribute> = {
  'module-path': 'modulePath',
  'module-name': 'moduleName',
  'pin-source': 'pinSource',
  'pin-value': 'pinValue',
};

function invalid(uri: string, why: string): ConclaveError {
  return new ConclaveError('uri-invalid', `"${uri}" is not a usable PKCS#11 URI: ${why}. A key looks like pkcs11:token=alice;object=release-signing.`);
}

function decodeBytes(text: string, uri: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '%') {
      const pair = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw invalid(uri, `bad percent-encoding near "${text.slice(i, i + 3)}"`);
      out.push(parseInt(pair, 16));
      i += 2;
    } else {
      out.push(...new TextEncoder().encode(c));
    }
  }
  return Uint8Array.from(out);
}

function decodeText(text: string, uri: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(decodeBytes(text, uri));
  } catch (error) {
    if (error instanceof ConclaveError) throw error;
    throw invalid(uri, 'an attribute is not valid UTF-8');
  }
}

export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (!/^pkcs11:/i.test(uri)) throw invalid(uri, 'it must start with "pkcs11:"');
  const body = uri.slice('pkcs11:'.length);
  const queryAt = body.indexOf('?');
  const path = queryAt === -1 ? body : body.slice(0, queryAt);
  const query = queryAt === -1 ? '' : body.slice(queryAt + 1);
  const result: Pkcs11Uri = {};
  const seen = new Set<string>();

  const each = (part: string, separator: string, allowed: Record<string, string>) => {
    for (const pair of part.split(separator)) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) throw invalid(uri, `"${pair}" is not name=value`);
      const name = pair.slice(0, eq).toLowerCase();
      const raw = pair.slice(eq + 1);
      if (name.startsWith('x-')) continue; // vendor attributes (RFC 7512 §2.3) do not select anything here
      const field = allowed[name];
      if (!field) throw invalid(uri, `"${name}" is not a PKCS#11 URI attribute`);
      if (seen.has(name)) throw invalid(uri, `"${name}" appears twice`);
      seen.add(name);
      assign(result, field, raw, uri);
    }
  };
  each(path, ';', pathAttributes);
  each(query, '&', queryAttributes);
  return result;
}

function assign(result: Pkcs11Uri, field: string, raw: string, uri: string): void {
  if (field === 'id') {
    result.id = decodeBytes(raw, uri);
  } else if (field === 'type') {
    const type = decodeText(raw, uri);
    if (!(objectTypes as readonly string[]).includes(type)) throw invalid(uri, `type must be one of ${objectTypes.join(', ')}`);
    result.type = type as ObjectType;
  } else if (field === 'slotId') {
    const text = decodeText(raw, uri);
    if (!/^\d+$/.test(text)) throw invalid(uri, 'slot-id must be a decimal number');
    result.slotId = Number(text);
  } else {
    result[field as TextAttribute] = decodeText(raw, uri);
  }
}

const pathSafe = /[A-Za-z0-9\-._~:[\]@!$'()*+,=]/;
const querySafe = /[A-Za-z0-9\-._~:[\]@!$'()*+,;/?|]/;

function encode(text: string, safe: RegExp): string {
  let out = '';
  for (const c of text) {
    if (safe.test(c)) out += c;
    else for (const byte of new TextEncoder().encode(c)) out += `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return out;
}

/** The text form, attributes in a stable order so equal URIs compare equal as strings. */
export function formatPkcs11Uri(uri: Pkcs11Uri): string {
  const path: string[] = [];
  for (const [name, field] of Object.entries(pathAttributes)) {
    const value = uri[field];
    if (value === undefined) continue;
    if (field === 'id') {
      path.push(`id=${toHex(value as Uint8Array).toUpperCase().replace(/(..)/g, '%$1')}`);
    } else {
      path.push(`${name}=${encode(String(value), pathSafe)}`);
    }
  }
  const query: string[] = [];
  for (const [name, field] of Object.entries(queryAttributes)) {
    const value = uri[field];
    if (value !== undefined) query.push(`${name}=${encode(value, querySafe)}`);
  }
  return `pkcs11:${path.join(';')}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/** The token part of a key's URI: which token, on which module. */
export function tokenPartOf(uri: Pkcs11Uri): Pkcs11Uri {
  const { object: _object, id: _id, type: _type, pinSource: _pinSource, pinValue: _pinValue, ...token } = uri;
  return token;
}

/** Does a token with these facts match what the URI asks for? Absent attributes match anything (RFC 7512 §3). */
export function uriMatchesToken(
  uri: Pkcs11Uri,
  token: { label: string; manufacturer: string; serial: string; model: string; slotId?: number },
): boolean {
  return (
    (uri.token === undefined || uri.token === token.label) &&
    (uri.manufacturer === undefined || uri.manufacturer === token.manufacturer) &&
    (uri.serial === undefined || uri.serial === token.serial) &&
    (uri.model === undefined || uri.model === token.model) &&
    (uri.slotId === undefined || token.slotId === undefined || uri.slotId === token.slotId)
  );
}
