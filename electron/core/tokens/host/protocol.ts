/** Messages between the token service and a token host process (one per PKCS#11 module). */
import type { ErrorData } from '../../../../shared/errors';
import type { KeyAlgorithm } from '../../../../shared/keys/algorithms';
import type { TokenPublicKey } from '../../../../shared/keys/public-key-info';
import type { ModuleKindName } from '../../../../shared/api/contract';

export interface SlotToken {
  slotId: number;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  flags: number;
}

export interface TokenObjectKey {
  label: string;
  id: Uint8Array;
  publicKey?: TokenPublicKey;
  certificate?: Uint8Array;
  /** True or false when known; null when private objects are hidden until login. */
  hasPrivateKey: boolean | null;
}

export type SignatureScheme = 'ecdsa' | 'rsa-pss-sha256' | 'rsa-pkcs1-sha256' | 'ed25519';

export interface LibraryInfo {
  description: string;
  manufacturer: string;
  version: string;
}

/** Each request names the token by slot and, to catch a swapped token, by serial. */
export interface TokenRef {
  slotId: number;
  serial: string;
}

/**
 * A PIN as its UTF-8 bytes, in an ArrayBuffer of its own (issue 12): moved,
 * not copied, to a host in a thread; the host overwrites it once C_Login no
 * longer needs it, and the sender overwrites its own. Null: the token's
 * protected authentication path (PIN pad, touch).
 */
export type PinBytes = Uint8Array | null;

/** In a request to a host process with a PIN pipe (pin-pipe.ts): the PIN is the next one on that pipe. */
export const pipedPin = 'piped';

export type HostRequest =
  | { op: 'init'; modulePath: string; kind: ModuleKindName }
  | { op: 'listTokens' }
  | { op: 'listKeys'; token: TokenRef }
  | { op: 'login'; token: TokenRef; pin: PinBytes | typeof pipedPin }
  | { op: 'generateKey'; token: TokenRef; pin: PinBytes | typeof pipedPin; label: string; algorithm: KeyAlgorithm }
  | { op: 'sign'; token: TokenRef; pin: PinBytes | typeof pipedPin; keyId: Uint8Array; messages: Uint8Array[]; scheme?: SignatureScheme }
  | { op: 'initToken'; label: string; soPin: string; userPin: string };

export interface HostResponses {
  init: LibraryInfo;
  listTokens: SlotToken[];
  listKeys: TokenObjectKey[];
  login: TokenObjectKey[];
  generateKey: TokenObjectKey;
  sign: { signatures: Uint8Array[]; scheme: SignatureScheme };
  initToken: SlotToken;
}

export type HostOp = HostRequest['op'];

export type ToHost = { kind: 'request'; id: number; request: HostRequest };

export type FromHost =
  | { kind: 'response'; id: number; ok: true; value: unknown }
  | { kind: 'response'; id: number; ok: false; error: ErrorData }
  | { kind: 'tokens'; tokens: SlotToken[] };
