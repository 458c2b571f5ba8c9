/**
 * Signatures this machine has checked and found valid (issue 15), so that an
 * index built again (after an upgrade, a trust change, the summaries lost)
 * does not check each one again. Checking is most of building the index:
 * about 0.65 ms of every ceremony's 1.3 on this machine, seven ECDSA or
 * Ed25519 signatures.
 *
 * What is kept is a fact about bytes, not a verdict about a ceremony: "this
 * signature over these bytes is valid for this key", as the SHA-256 of the
 * three (`signatureFingerprint`). Whether the key counts, the policy, the
 * time, revocation: all of that is judged every time, as before. Only valid
 * signatures are kept, and a fingerprint names one key, one message and one
 * signature, so no entry can stand for another.
 *
 * Who may rely on it, and why that is safe:
 * - The file lives in the data folder's cache, which is the user's own (0700),
 *   beside the trusted policies: whoever can write there can already make
 *   this machine trust any policy. A file another user owns or may write is
 *   believed in nothing.
 * - Only the index threads consult it: their summaries fill the lists (and a
 *   policy ceremony they find published is adopted, as the window would: a
 *   forged note takes what writing a trusted policy into that folder takes).
 *   Every decision a person makes (approve, reject, publish), `conclave
 *   verify` and the audit check every signature again.
 * - Every ceremony engine writes to it: the window's, each command's (the
 *   signatures `conclave sync` checked as they arrived), the index threads'.
 *
 * The file: a 32-byte header, then 32-byte fingerprints, appended (O_APPEND:
 * writers in several processes never split one write). A partial last
 * record (a crash) is ignored. A file with another header, out of step with
 * its records, or grown past `fileLimit`, is started afresh: nothing in it
 * is needed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, linkSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { writableByThisUserAlone } from '../owned-by-this-user';
import { dirname, join } from 'node:path';
import type { SignatureVerifier } from '../../../shared/keys/signature-verifier';

/** The fingerprint's version: raise it when the verifier's rules change (a signature it accepted it would now refuse). */
const fingerprintTag = 'conclave checked signature 1\0';
const header = Buffer.from('conclave checked signatures 1'.padEnd(31, ' ') + '\n', 'latin1');
const recordBytes = 32;
/** About 2 million signatures (some 280,000 ceremonies): past this the file is started again. */
const fileLimit = 64 * 1024 * 1024;
/** Fingerprints grouped by their first two bytes: a lookup reads one small group. */
const groups = 65536;

export function checkedSignaturesPath(dataDir: string): string {
  return join(dataDir, 'cache', 'checked-signatures');
}

/** SHA-256 over the three, each preceded by its length, under a tag of their own. */
export function signatureFingerprint(publicKeyInfo: Uint8Array, data: Uint8Array, signature: Uint8Array): Uint8Array {
  const hash = createHash('sha256').update(fingerprintTag);
  for (const part of [publicKeyInfo, data, signature]) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.byteLength);
    hash.update(length).update(part);
  }
  return new Uint8Array(hash.digest());
}

/** The table the index threads share (in SharedArrayBuffers: read once, by the index, for every thread). */
export interface SharedCheckedSignatures {
  records: SharedArrayBuffer;
  /** Group g holds records starts[g] to starts[g + 1]. */
  starts: SharedArrayBuffer;
}

/** The fingerprints of signatures already checked, read from the file; looked up, never changed. */
export class CheckedSignatures {
  private readonly records: Uint8Array;
  private readonly starts: Uint32Array;

  private constructor(readonly shared: SharedCheckedSignatures) {
    this.records = new Uint8Array(shared.records);
    this.starts = new Uint32Array(shared.starts);
  }

  static none(): CheckedSignatures {
    return new CheckedSignatures({ records: new SharedArrayBuffer(0), starts: new SharedArrayBuffer((groups + 1) * 4) });
  }

  static fromShared(shared: SharedCheckedSignatures): CheckedSignatures {
    return new CheckedSignatures(shared);
  }

  /** The file's fingerprints, grouped for lookup; none when there is no usable file, or one another user could have written. */
  static read(path: string): CheckedSignatures {
    let file: Buffer = Buffer.alloc(0);
    try {
      const descriptor = openSync(path, 'r');
      try {
        const info = fstatSync(descriptor);
        if (info.size <= fileLimit && writableByThisUserAlone(info)) file = readFileSync(descriptor);
      } finally {
        closeSync(descriptor);
      }
    } catch {
      // None yet.
    }
    const usable = file.length >= header.length && file.subarray(0, header.length).equals(header);
    const count = usable ? Math.floor((file.length - header.length) / recordBytes) : 0;
    const counts = new Uint32Array(groups + 1);
    for (let at = header.length, n = 0; n < count; n++, at += recordBytes) counts[((file[at]! << 8) | file[at + 1]!) + 1]!++;
    const startsBuffer = new SharedArrayBuffer((groups + 1) * 4);
    const starts = new Uint32Array(startsBuffer);
    for (let group = 0; group < groups; group++) starts[group + 1] = starts[group]! + counts[group + 1]!;
    const recordsBuffer = new SharedArrayBuffer(count * recordBytes);
    const records = new Uint8Array(recordsBuffer);
    const next = starts.slice(0, groups);
    for (let at = header.length, n = 0; n < count; n++, at += recordBytes) {
      const group = (file[at]! << 8) | file[at + 1]!;
      records.set(file.subarray(at, at + recordBytes), next[group]!++ * recordBytes);
    }
    return new CheckedSignatures({ records: recordsBuffer, starts: startsBuffer });
  }

  get size(): number {
    return this.records.length / recordBytes;
  }

  has(fingerprint: Uint8Array): boolean {
    const group = (fingerprint[0]! << 8) | fingerprint[1]!;
    const records = this.records;
    for (let record = this.starts[group]!, end = this.starts[group + 1]!; record < end; record++) {
      const at = record * recordBytes;
      let same = true;
      for (let i = 2; i < recordBytes && same; i++) same = records[at + i] === fingerprint[i];
      if (same) return true;
    }
    return false;
  }
}

/**
 * Appends fingerprints to the file: those found in one turn of the event loop
 * in one write (O_APPEND, so writers in several processes never interleave
 * within it). A file that cannot be written (a read-only data folder) turns
 * this off quietly: nothing depends on it.
 */
export class CheckedSignatureLog {
  private pending: Uint8Array[] = [];
  private scheduled = false;
  private off = false;
  /** What this process wrote lately, not to write it twice. */
  private readonly written = new Set<string>();

  constructor(private readonly path: string) {}

  add(fingerprint: Uint8Array): void {
    if (this.off) return;
    const key = Buffer.from(fingerprint.buffer, fingerprint.byteOffset, fingerprint.byteLength).toString('latin1');
    if (this.written.has(key)) return;
    if (this.written.size >= 100_000) this.written.clear();
    this.written.add(key);
    this.pending.push(fingerprint);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush()).unref();
    }
  }

  /** Writes what is pending now (an index thread before it answers a batch). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || this.off) return;
    const records = Buffer.concat(this.pending);
    this.pending = [];
    try {
      const descriptor = this.open();
      try {
        writeSync(descriptor, records);
      } finally {
        closeSync(descriptor);
      }
    } catch {
      this.off = true;
    }
  }

  /**
   * The file, opened to append; made afresh (header included, whole or not at all) when there is none, or it is not
   * one. One open: what is checked (owner, size, header) is the very file that is then written.
   */
  private open(): number {
    const existing = openExistingLog(this.path);
    if (typeof existing === 'number') return existing;
    if (existing === 'absent') mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    // Made aside and moved into place: the file appears with its header, and two processes making it at once agree.
    const made = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}`;
    const descriptor = openSync(made, 'wx', 0o600);
    try {
      writeSync(descriptor, header);
    } finally {
      closeSync(descriptor);
    }
    try {
      if (existing === 'unusable') renameSync(made, this.path);
      else linkSync(made, this.path);
    } catch {
      // Another process made it meanwhile: this appends to theirs.
    }
    rmSync(made, { force: true });
    return openSync(this.path, 'a', 0o600);
  }
}

/** One log per file in a process, so that what it wrote is known to every engine of the process. */
const logs = new Map<string, CheckedSignatureLog>();
export function checkedSignatureLog(dataDir: string): CheckedSignatureLog {
  const path = checkedSignaturesPath(dataDir);
  let log = logs.get(path);
  if (!log) {
    // A command that ends the process at once (process.exit) still writes what it checked last.
    if (logs.size === 0) process.once('exit', () => logs.forEach((each) => each.flush()));
    if (logs.size >= 16) {
      const oldest = logs.keys().next().value!;
      logs.get(oldest)!.flush();
      logs.delete(oldest);
    }
    log = new CheckedSignatureLog(path);
    logs.set(path, log);
  }
  return log;
}

/** The file opened to read and append when it is a log to append to; else whether it is absent or there but unusable. */
function openExistingLog(path: string): number | 'absent' | 'unusable' {
  let descriptor: number;
  try {
    // Never created here: a file that is not there is made whole, header first.
    descriptor = openSync(path, constants.O_RDWR | constants.O_APPEND);
  } catch (error) {
    // There, but not ours to write (another user's, say): replaced like any file that is not a log.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unusable';
  }
  let usable = false;
  try {
    usable = isUsableLog(descriptor);
  } finally {
    if (!usable) closeSync(descriptor);
  }
  return usable ? descriptor : 'unusable';
}

/** Whether the open file is a log to append to: this user's alone, not too large, whole records after our header. */
function isUsableLog(descriptor: number): boolean {
  const info = fstatSync(descriptor);
  if (info.size > fileLimit || info.size < header.length || (info.size - header.length) % recordBytes !== 0 || !writableByThisUserAlone(info)) return false;
  const start = Buffer.alloc(header.length);
  // 32 bytes at the start of a local file: one read gives them all.
  return readSync(descriptor, start, 0, start.length, 0) === header.length && start.equals(header);
}

/**
 * A verifier that answers from `checked` what is there, checks the rest with
 * `verifier`, and logs every signature found valid.
 */
export function rememberingVerifier(verifier: SignatureVerifier, log: CheckedSignatureLog, checked?: CheckedSignatures): SignatureVerifier {
  return {
    async verify(publicKeyInfo, data, signature) {
      const fingerprint = signatureFingerprint(publicKeyInfo, data, signature);
      if (checked?.has(fingerprint)) return true;
      const valid = await verifier.verify(publicKeyInfo, data, signature);
      if (valid) log.add(fingerprint);
      return valid;
    },
  };
}
