/**
 * What an attacker writes by hand, from the documented formats alone
 * (docs/formats.md): event files (a DSSE envelope over the event's JSON,
 * named `<at without -:.>-<type>-<16 hex>.json`), the signatures inside
 * decisions, and ceremony bundles. Nothing here calls Conclave's own
 * envelope or PAE code, so a format Conclave drifted from would show.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestKey } from '../../support/test-keys';

export const eventPayloadType = 'application/vnd.conclave.event+json';
export const inTotoPayloadType = 'application/vnd.in-toto+json';
export const rejectionPayloadType = 'application/vnd.conclave.rejection+json';
export const withdrawalPayloadType = 'application/vnd.conclave.withdrawal+json';
export const bundleMediaType = 'application/vnd.conclave.bundle+json';

export const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** DSSE v1: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
export function pae(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), Buffer.from(body)]);
}

/** An event as JSON, loosely typed: an attacker writes whatever fields they like. */
export type EventJson = Record<string, unknown> & { ceremonyId: string; type: string; at: string };

export interface ForgedFile {
  name: string;
  /** The file's exact text. */
  text: string;
  event: EventJson;
}

export interface ForgeOptions {
  /** Whose key signs the envelope; none makes an unsigned file. */
  signWith?: TestKey;
  /** The keyid the event names as its author (`actorKeyId`) and the envelope signature claims; default: signWith's. Absent with no signer. */
  claim?: string;
  /** The file name; default: the one the store would give the event. */
  name?: string;
}

export function eventFileName(event: Pick<EventJson, 'at' | 'type'>): string {
  return `${event.at.replace(/[-:.]/g, '')}-${event.type}-${randomBytes(8).toString('hex')}.json`;
}

/** An event file as the store writes one: the event signed by its author over PAE(event payload type, event JSON). */
export function forgeEvent(unsigned: EventJson, options: ForgeOptions = {}): ForgedFile {
  const claim = options.claim ?? options.signWith?.keyId;
  const event: EventJson = claim === undefined ? unsigned : { ...unsigned, actorKeyId: claim };
  const payload = Buffer.from(JSON.stringify(event), 'utf8');
  const signatures = options.signWith ? [{ keyid: claim, sig: Buffer.from(options.signWith.sign(pae(eventPayloadType, payload))).toString('base64') }] : [];
  const envelope = { payloadType: eventPayloadType, payload: payload.toString('base64'), signatures };
  return { name: options.name ?? eventFileName(event), text: `${JSON.stringify(envelope, null, 2)}\n`, event };
}

/** Puts a forged file in a ceremony's events folder, as a push to the shared repository or a hand on the store would. */
export function drop(eventsDir: string, file: ForgedFile): string {
  mkdirSync(eventsDir, { recursive: true });
  writeFileSync(join(eventsDir, file.name), file.text);
  return file.name;
}

/** The event inside an event file's text. */
export function eventOf(text: string): EventJson {
  const envelope = JSON.parse(text) as { payload: string };
  return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as EventJson;
}

/** An approver's signature over a statement: what an approval carries. */
export function signStatement(key: TestKey, statement: Uint8Array): string {
  return Buffer.from(key.sign(pae(inTotoPayloadType, statement))).toString('base64');
}

/** The document a rejection or withdrawal signs, as RFC 8785 JSON (its keys in order). */
export function decisionDocument(ceremonyId: string, statementDigest: string, reason: string): Buffer {
  return Buffer.from(JSON.stringify({ ceremonyId, reason, statementDigest }), 'utf8');
}

export function signWithdrawal(key: TestKey, ceremonyId: string, statementDigest: string, reason: string): string {
  return Buffer.from(key.sign(pae(withdrawalPayloadType, decisionDocument(ceremonyId, statementDigest, reason)))).toString('base64');
}

/** A ceremony id of the documented shape (c-YYYYMMDD-<10 base32>), for a ceremony the attacker makes up. */
export function newCeremonyId(at: Date = new Date()): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return `c-${at.toISOString().slice(0, 10).replace(/-/g, '')}-${[...randomBytes(10)].map((byte) => alphabet[byte & 31]).join('')}`;
}

/** An ISO 8601 time `ms` milliseconds from `at`. */
export const shifted = (at: string, ms: number): string => new Date(Date.parse(at) + ms).toISOString();

/** A ceremony bundle (docs/formats.md, "Ceremony bundles") carrying these event files. */
export function bundleText(ceremonyId: string, opened: EventJson & { release: unknown; policyDigest: string }, files: { name: string; text: string }[]): string {
  return `${JSON.stringify(
    {
      mediaType: bundleMediaType,
      version: 1,
      ceremonyId,
      exportedAt: new Date().toISOString(),
      summary: { release: opened.release, policyDigest: opened.policyDigest, state: 'frozen' },
      events: files.map((file) => ({ name: file.name, envelope: file.text })),
      evidence: [],
    },
    null,
    2,
  )}\n`;
}

/** RFC 8785 canonical JSON for what policies hold (objects, arrays, strings, integers, booleans): the form a policy digest is taken over. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A policy's digest as the format documents it: SHA-256 of its canonical JSON. */
export const policyDigest = (document: unknown): string => sha256(canonicalJson(document));

/** An approval as a machine writes one: the approver's signature over the statement, in an event the approver signs. */
export function approvalBy(key: TestKey, ceremonyId: string, at: string, statement: Uint8Array, options: ForgeOptions = {}): ForgedFile {
  return forgeEvent(
    { ceremonyId, type: 'approved', at, statementDigest: sha256(statement), keyId: key.keyId, signature: signStatement(key, statement), noTrustedTime: 'the policy names no time-stamping authority' },
    { signWith: key, ...options },
  );
}
