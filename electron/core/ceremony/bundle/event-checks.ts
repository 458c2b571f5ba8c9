/**
 * What an event file from outside (a bundle, a push) is refused with. Whether
 * an event counts is the judge's to say (shared/ceremony/judge.ts); these are
 * only the refusals that are about the import itself: a name already taken by
 * another file, a ceremony with no opening to judge by, evidence that does not
 * match its digest. Every other refusal carries the judge's own code.
 */
import { createHash } from 'node:crypto';
import { readEventFile, type EventFile } from '../../../../shared/ceremony/event-file';
import type { BundleEventFile } from '../../../../shared/ceremony/bundle-format';
import type { CeremonyProblemCode } from '../../../../shared/ceremony/problems';

export const importRefusalCodes = ['conflict-different-file', 'no-opening', 'evidence-digest-mismatch'] as const;
export type RefusalCode = (typeof importRefusalCodes)[number] | CeremonyProblemCode;

export interface Refusal {
  /** The event file name, or `evidence sha256:…`. */
  name: string;
  code: RefusalCode;
  /** For the person at the screen. */
  reason: string;
}

/** A refusal because the store already holds something else in its place: a second opening or freeze, or another file by the name. */
export const isConflict = (refusal: Refusal): boolean => refusal.code === 'conflict-different-file' || refusal.code === 'opening-contested' || refusal.code === 'freeze-second';

export interface CandidateEvent extends EventFile {
  /** The file name (the same as `source`). */
  name: string;
  /** The file's exact text, written as it is when the event counts. */
  text: string;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Reads one event file of a bundle as untrusted text, with the store's own reader. */
export function readBundleEvent(file: BundleEventFile, ceremonyId: string): CandidateEvent | Refusal {
  const reading = readEventFile(file.name, file.envelope, ceremonyId);
  if (!reading.ok) return { name: file.name, code: reading.code, reason: reading.reason };
  return { ...reading.file, name: file.name, text: file.envelope };
}
