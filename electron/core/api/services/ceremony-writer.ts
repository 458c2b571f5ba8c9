/**
 * A ceremony service that signs with the tokens attached here, for one call:
 * the PIN that call carried (its bytes, which dispatchCall overwrites when the
 * call ends), and one login for all the call's signatures, ended when it ends.
 */
import { localCeremonyService } from '../../ceremony/local-service';
import type { CeremonySigner } from '../../ceremony/ceremony-service';
import type { LoginHold, TokenService } from '../../tokens/token-service';

export type CeremonyServiceForCall = ReturnType<typeof localCeremonyService>;

export class CeremonyWriter {
  constructor(private readonly options: { dataDir: string; storeDir: string; tokens: TokenService; now: () => Date }) {}

  /** `signal`: the window's Cancel for this call (operations.cancel), which reaches its time-stamping requests. */
  async with<T>(pin: Uint8Array | null, work: (service: CeremonyServiceForCall) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const signer = this.signerWith(pin);
    try {
      return await work(localCeremonyService({ dataDir: this.options.dataDir, storeDir: this.options.storeDir, signer, now: this.options.now, signal }));
    } finally {
      // No token is left logged in for this call once it has answered, however it ended.
      await signer.release();
    }
  }

  private signerWith(pin: Uint8Array | null): CeremonySigner & { release(): Promise<void> } {
    const tokens = this.options.tokens;
    // The call's signatures share one login (an approval's statement and event: a PIN pad asks once); the token
    // host also ends it when another login comes or after two minutes.
    let hold: LoginHold | undefined;
    return {
      release: async () => hold?.release(),
      // The PIN is used for a lookup only where the token shows its keys after login (a YubiHSM 2).
      keyId: async (keyUri) => (await tokens.resolveKey(keyUri, pin)).key.keyId,
      sign: async (keyUri, messages, rsaScheme) => (await tokens.signMany(keyUri, messages, pin, rsaScheme, (hold ??= tokens.holdLogin()))).signatures,
      certificate: async (keyUri) => (await tokens.resolveKey(keyUri, pin)).key.certificatePem,
      attestation: (keyUri) => tokens.attestation(keyUri),
      // A PIN pad (null) would ask a second time for the signature itself: only a typed PIN is checked ahead.
      unlock: async (keyUri) => {
        if (pin !== null) await tokens.login(keyUri, pin);
      },
    };
  }
}
