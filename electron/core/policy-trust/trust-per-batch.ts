/**
 * The trusted and replaced policies as an index thread reads them: once per
 * batch of ceremonies, not once per ceremony (four syscalls and two sets
 * each time, a few percent of the thread's work). The index itself reads
 * trust once per refresh and judges again every ceremony whose trust it
 * finds changed, so a batch judged under one reading is never less current
 * than the index that asked for it.
 */
import type { PolicyTrust } from '../ceremony/ceremony-service';

export class TrustPerBatch implements PolicyTrust {
  private held: { trusted: ReadonlySet<string>; superseded: ReadonlyMap<string, string> } | undefined;

  constructor(private readonly folder: PolicyTrust) {}

  /** Reads the folder afresh: at the start of every batch. */
  async read(): Promise<void> {
    const [trusted, superseded] = await Promise.all([this.folder.trustedDigests(), this.folder.supersededPolicies()]);
    this.held = { trusted, superseded };
  }

  async trustedDigests(): Promise<ReadonlySet<string>> {
    if (!this.held) await this.read();
    return this.held!.trusted;
  }

  async supersededPolicies(): Promise<ReadonlyMap<string, string>> {
    if (!this.held) await this.read();
    return this.held!.superseded;
  }

  /** A policy ceremony found published changes trust at once, for the rest of the batch too. */
  async adopt(proposedText: string, replaced: string, at: string, ceremonyId: string): Promise<void> {
    await this.folder.adopt(proposedText, replaced, at, ceremonyId);
    await this.read();
  }
}
