/**
 * Ceremonies as the judge last saw them, so that one is judged once per
 * change (issue 15): an approval loaded the same ceremony five times, each
 * load verifying every signature, time stamp and certificate again.
 *
 * A verdict is reused only for exactly the same input: the same event files
 * (name and a digest of each envelope), the same unreadable files, and the
 * same policies trusted and superseded on this machine. The judge also reads
 * the clock, for two things: a ceremony past its expiry takes no decisions,
 * and a certificate approver's certificate is checked as of now, with CRLs
 * fetched now. So a verdict is reused only until the ceremony's expiry, and a
 * ceremony with certificate approvers is judged afresh every time.
 *
 * The LoadedCeremony handed out is shared between callers: nobody changes one
 * (callers read views; every change to a ceremony is a new event file).
 */
import { createHash } from 'node:crypto';
import type { JudgedCeremony, JudgeInput } from '../../../shared/ceremony/judge';
import type { StoredEvent } from './event-store';

interface Entry {
  judged: JudgedCeremony;
  /** Epoch ms after which the verdict may differ (the ceremony's expiry), or Infinity. */
  until: number;
}

export interface JudgedInput {
  id: string;
  files: readonly StoredEvent[];
  unreadable: JudgeInput['unreadable'];
  trustedPolicies: ReadonlySet<string> | undefined;
  /** Superseded policy digests, each with the digest of the policy that replaced it. */
  supersededPolicies: ReadonlyMap<string, string> | undefined;
}

export class JudgedCeremonies {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 256) {}

  /** The verdict judged for exactly this input, while it still holds at `now`. */
  get(input: JudgedInput, now: Date): JudgedCeremony | undefined {
    // Keeping none, no key is worth its digest of every envelope.
    if (this.capacity === 0) return undefined;
    const key = keyOf(input);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (now.getTime() > entry.until) return undefined;
    // Most recently used last: the first key is the one to drop.
    this.entries.set(key, entry);
    return entry.judged;
  }

  set(input: JudgedInput, judged: JudgedCeremony, now: Date): void {
    const until = reusableUntil(judged, now);
    if (until === undefined || this.capacity === 0) return;
    const key = keyOf(input);
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { judged, until });
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Until when the clock cannot change this verdict; undefined when it may change at any time. */
function reusableUntil(judged: JudgedCeremony, now: Date): number | undefined {
  const certified = judged.certificateSigners.size > 0 || judged.files.some((file) => 'certificates' in file.event && file.event.certificates !== undefined);
  if (certified) return undefined;
  const expiresAt = Date.parse(judged.view.expiresAt);
  if (Number.isNaN(expiresAt)) return undefined;
  // Judged past its expiry, it stays past it; judged before, the verdict holds until then.
  return now.getTime() > expiresAt ? Number.POSITIVE_INFINITY : expiresAt;
}

function keyOf(input: JudgedInput): string {
  const hash = createHash('sha256');
  const field = (text: string) => hash.update(`${text.length}:${text}`);
  field(input.id);
  for (const file of input.files) {
    field(file.source);
    field(file.envelope.payloadType);
    field(file.envelope.payload);
    for (const signature of file.envelope.signatures) {
      field(signature.keyid);
      field(signature.sig);
    }
    field('|');
  }
  field(JSON.stringify(input.unreadable));
  field(input.trustedPolicies ? [...input.trustedPolicies].sort().join(',') : '(not judged)');
  field(input.supersededPolicies ? [...input.supersededPolicies].map(([old, by]) => `${old}>${by}`).sort().join(',') : '(not judged)');
  return hash.digest('hex');
}
