/**
 * Software keys standing in for tokens in the ceremony engine's tests (the
 * token path itself runs against SoftHSM2 in tests/integration): a key URI
 * names its holder as the token, and the signer signs with that holder's key.
 */
import type { CeremonySigner } from '../../electron/core/ceremony/ceremony-service';
import type { TestKey } from './test-keys';

export const softwareKeyUri = (who: string): string => `pkcs11:token=${who};object=release-signing`;

/**
 * `keys` is read at each call, so a test may make new keys before each case.
 * `onSign` sees every signing request (one per token session), for tests that count them.
 */
export function softwareSigner(keys: () => Record<string, TestKey>, onSign?: (messages: Uint8Array[]) => void): CeremonySigner {
  const keyOf = (uri: string): TestKey => {
    const holder = /token=(\w+)/.exec(uri)?.[1];
    const key = holder === undefined ? undefined : keys()[holder];
    if (!key) throw new Error(`No software key stands in for ${uri}.`);
    return key;
  };
  return {
    keyId: async (uri) => keyOf(uri).keyId,
    sign: async (uri, messages) => {
      onSign?.(messages);
      return messages.map((message) => keyOf(uri).sign(message));
    },
  };
}
