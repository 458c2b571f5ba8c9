/** Messages between the token service and a token host process (one per PKCS#11 module). */
import type { ErrorData } from '../../../../shared/errors';
import type { KeyAlgorithm } from '../../../../shared/keys/algorithms';
import type { TokenPublicKey } from '../../../../shared/keys/public-key-info';
import type { ModuleKindName } from '../../../../shared/api/contract';
import type { ModuleFamily } from './families';

export interface SlotToken {
  slotId: number;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  flags: number;
}

/**
 * One key on a token: its public key object and its private key, paired by
 * the public key they share (CKA_ID only where the private key does not show
 * its public part), so that keys without CKA_ID, or sharing one, never
 * collapse into one (issue 13).
 */
export interface TokenObjectKey {
  /** The public key object's label, else the private key's. */
  label: string;
  /** Other labels the key's objects carry (ykcs11: "Private key for Digital Signature" beside "Public key for …"). */
  aliases: string[];
  id: Uint8Array;
  /** From the public key object, or (RSA) from the private key's own attributes; absent when only a certificate can tell. */
  publicKey?: TokenPublicKey;
  /** True or false when known; null when private objects are hidden until login. */
  hasPrivateKey: boolean | null;
}

/** A certificate object; the token service pairs it with a key by the public key it certifies, not by CKA_ID alone. */
export interface TokenCertificate {
  label: string;
  id: Uint8Array;
  value: Uint8Array;
}

export interface TokenObjects {
  keys: TokenObjectKey[];
  certificates: TokenCertificate[];
  /** Whether private objects were visible (a logged-in session). */
  privateVisible: boolean;
}

export type SignatureScheme = 'ecdsa' | 'rsa-pss-sha256' | 'rsa-pkcs1-sha256' | 'ed25519';

export interface LibraryInfo {
  description: string;
  manufacturer: string;
  version: string;
}

/** What a host answers when its module has started: the library, and the family it belongs to (families.ts). */
export type HostLibrary = LibraryInfo & { family: ModuleFamily };

/**
 * Each request names the token by serial and label, and by slot: serials
 * repeat (every tpm2-pkcs11 token, and both of NSS's, is 0000000000000000),
 * and slot ids change (SoftHSM2 numbers its slots afresh at each
 * C_Initialize), so the slot only decides between tokens alike in both.
 */
export interface TokenRef {
  slotId: number;
  serial: string;
  label: string;
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
  | { op: 'init'; modulePath: string; kind: ModuleKindName; libraryParameters?: string }
  | { op: 'listTokens' }
  | { op: 'listKeys'; token: TokenRef }
  | { op: 'login'; token: TokenRef; pin: PinBytes | typeof pipedPin }
  | {
      op: 'generateKey';
      token: TokenRef;
      pin: PinBytes | typeof pipedPin;
      label: string;
      algorithm: KeyAlgorithm;
      /** The CKA_ID the key's URI names; on ykcs11 its first byte is the PIV slot. */
      id?: Uint8Array;
    }
  | {
      op: 'sign';
      token: TokenRef;
      pin: PinBytes | typeof pipedPin;
      /** The key as listed: its CKA_ID, its label, and its public key when the token showed one (the private key is the one that matches it). */
      key: { id: Uint8Array; label: string; publicKey?: TokenPublicKey };
      messages: Uint8Array[];
      scheme?: SignatureScheme;
      /** Keep the login for the next sign with this hold (a PIN pad asks once per approval), until releaseHold. */
      hold?: number;
    }
  | { op: 'releaseHold'; hold: number }
  | { op: 'initToken'; label: string; soPin: string; userPin: string };

export interface HostResponses {
  init: HostLibrary;
  listTokens: SlotToken[];
  listKeys: TokenObjects;
  login: TokenObjects;
  generateKey: TokenObjectKey;
  sign: { signatures: Uint8Array[]; scheme: SignatureScheme };
  releaseHold: undefined;
  initToken: SlotToken;
}

export type HostOp = HostRequest['op'];

export type ToHost = { kind: 'request'; id: number; request: HostRequest };

export type FromHost =
  | { kind: 'response'; id: number; ok: true; value: unknown }
  | { kind: 'response'; id: number; ok: false; error: ErrorData }
  | { kind: 'tokens'; tokens: SlotToken[] };
