/**
 * The key ids on the tokens attached here, which decide which ceremonies wait
 * on this machine ("waiting on me"); scanned again when tokens come and go.
 */
import type { TokenService } from '../../tokens/token-service';

export class LocalKeys {
  private keyIds = new Set<string>();
  /** The scan in progress, so lists wait for it rather than show a stale "waiting on me". */
  private scanning: Promise<boolean> = Promise.resolve(false);
  /**
   * Whether a scan has ended since the core started. The first one waits for the token hosts to load their modules,
   * half a second or more after the window's first list: that list answers without waiting, saying "waiting on me"
   * is not known yet, rather than hold the screen or show "nothing waits on you" before looking.
   */
  private scannedOnce = false;

  constructor(private readonly tokens: TokenService) {}

  has(keyId: string): boolean {
    return this.keyIds.has(keyId);
  }

  /** Whether the keys attached here have been looked at yet: until then nothing can be said to wait on this machine. */
  get known(): boolean {
    return this.scannedOnce;
  }

  /** Settles when the latest scan has. */
  async scanned(): Promise<void> {
    await this.scanning;
  }

  /** Scans again; true when the keys differ from the last scan's. */
  rescan(): Promise<boolean> {
    this.scanning = this.scan();
    return this.scanning;
  }

  private async scan(): Promise<boolean> {
    const keyIds = new Set<string>();
    for (const module of this.tokens.snapshotModules()) {
      for (const token of module.tokens) {
        try {
          for (const key of await this.tokens.listKeys(token.uri)) keyIds.add(key.keyId);
        } catch {
          // A token pulled out while listing: it has no keys here any more.
        }
      }
    }
    const before = this.keyIds;
    this.keyIds = keyIds;
    this.scannedOnce = true;
    return !(before.size === keyIds.size && [...keyIds].every((keyId) => before.has(keyId)));
  }
}
