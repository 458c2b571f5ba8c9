/**
 * The one API contract between the window and the rest of Conclave: every
 * call and every pushed event, each with the schema that validates it. The
 * preload, the browser-shell client, the main process and the browser-shell
 * server are all written against this file; nothing else is shared.
 */
import { z } from 'zod';
import { keyAlgorithms } from '../keys/algorithms';
import { errorCodes } from '../errors';

// ---- values ---------------------------------------------------------------

/** A PIN is a one-shot argument: it is validated for shape and never echoed in errors. */
export const Pin = z.string().min(1, 'Enter the PIN.').max(256, 'That PIN is too long for any token.');

const Pkcs11UriText = z
  .string()
  .max(4096)
  .regex(/^pkcs11:/i, 'must be a PKCS#11 URI (pkcs11:…)');

export const ErrorDataSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  details: z
    .object({
      triesLeft: z.enum(['several', 'low', 'final']).optional(),
      pkcs11: z.string().optional(),
    })
    .optional(),
});

export const PinStatus = z.enum(['ok', 'count-low', 'final-try', 'locked']);

export const TokenSchema = z.object({
  /** RFC 7512 URI naming the token, with module-path. */
  uri: z.string(),
  moduleId: z.string(),
  slotId: z.number().int().nonnegative(),
  label: z.string(),
  manufacturer: z.string(),
  model: z.string(),
  serial: z.string(),
  loginRequired: z.boolean(),
  protectedAuthenticationPath: z.boolean(),
  pinStatus: PinStatus,
});

export const ModuleKind = z.enum(['softhsm2', 'ykcs11', 'opensc', 'yubihsm', 'other']);

export const ModuleSchema = z.object({
  id: z.string(),
  label: z.string(),
  path: z.string(),
  kind: ModuleKind,
  origin: z.enum(['discovered', 'added', 'demo']),
  status: z.enum(['ready', 'failed']),
  error: ErrorDataSchema.optional(),
  library: z.object({ description: z.string(), manufacturer: z.string(), version: z.string() }).optional(),
  tokens: z.array(TokenSchema),
});

export const KeyTypeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ecdsa'), curve: z.enum(['P-256', 'P-384', 'P-521']), bits: z.number() }),
  z.object({ kind: z.literal('rsa'), bits: z.number() }),
  z.object({ kind: z.literal('ed25519'), bits: z.literal(256) }),
]);

export const TokenKeySchema = z.object({
  /** RFC 7512 URI naming the key (token attributes, object, id, module-path). */
  uri: z.string(),
  label: z.string(),
  /** CKA_ID as lowercase hex. */
  id: z.string(),
  type: KeyTypeSchema,
  /** PEM SubjectPublicKeyInfo. */
  publicKeyPem: z.string(),
  /** DSSE keyid: hex SHA-256 of the DER SubjectPublicKeyInfo. */
  keyId: z.string(),
  certificatePem: z.string().optional(),
  /** Whether a private key with this id was seen; null when it is hidden until login. */
  hasPrivateKey: z.boolean().nullable(),
});

export const DemoStatus = z.object({
  /** SoftHSM2 is installed, so demo tokens can be made. */
  available: z.boolean(),
  created: z.boolean(),
  /** What to do when they cannot be made (e.g. how to install SoftHSM2). */
  hint: z.string().optional(),
  /** The demo tokens' user PIN: demo tokens are for trying Conclave, never for releases. */
  pin: z.string().optional(),
});

export const TokensSnapshotSchema = z.object({
  modules: z.array(ModuleSchema),
  demo: DemoStatus,
});

export const AppInfoSchema = z.object({
  version: z.string(),
  shell: z.enum(['electron', 'browser']),
  dataDir: z.string(),
});

// ---- calls ----------------------------------------------------------------

const Empty = z.object({}).strict();

export const calls = {
  'app.info': { input: Empty, output: AppInfoSchema },
  'tokens.list': { input: Empty, output: TokensSnapshotSchema },
  'modules.add': { input: z.object({ path: z.string().min(1).max(4096) }).strict(), output: TokensSnapshotSchema },
  'modules.remove': { input: z.object({ moduleId: z.string().min(1).max(256) }).strict(), output: TokensSnapshotSchema },
  'keys.list': { input: z.object({ tokenUri: Pkcs11UriText }).strict(), output: z.array(TokenKeySchema) },
  'tokens.login': {
    input: z.object({ tokenUri: Pkcs11UriText, pin: Pin }).strict(),
    output: z.object({ keys: z.array(TokenKeySchema) }),
  },
  'keys.generate': {
    input: z
      .object({
        tokenUri: Pkcs11UriText,
        label: z
          .string()
          .trim()
          .min(1, 'Give the key a label.')
          .max(64, 'Keep the label under 64 characters.')
          .regex(/^[\p{L}\p{N} ._-]+$/u, 'Use letters, digits, spaces, dots, dashes or underscores.'),
        algorithm: z.enum(keyAlgorithms),
        pin: Pin,
      })
      .strict(),
    output: TokenKeySchema,
  },
  'demo.create': { input: Empty, output: TokensSnapshotSchema },
} as const;

import type { CallName as ListedCallName, EventName as ListedEventName } from './names';
export { callNames, eventNames, isCallName, isEventName } from './names';

// The name lists in names.ts must be exactly the contract's calls and events.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const callNamesMatch: Same<ListedCallName, keyof typeof calls> = true;
const eventNamesMatch: Same<ListedEventName, keyof typeof events> = true;
void callNamesMatch;
void eventNamesMatch;

export type CallName = keyof typeof calls;
export type CallInput<C extends CallName> = z.input<(typeof calls)[C]['input']>;
export type CallOutput<C extends CallName> = z.output<(typeof calls)[C]['output']>;

// ---- events (pushed from the core, past tense) -----------------------------

export const events = {
  'tokens.changed': TokensSnapshotSchema,
  'token.inserted': TokenSchema,
  'token.removed': TokenSchema,
} as const;

export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;


// ---- the typed API, as the window sees it ---------------------------------

import type { Result } from './result';

export interface ConclaveApi {
  call<C extends CallName>(name: C, input: CallInput<C>): Promise<Result<CallOutput<C>>>;
  /** Returns a function that stops listening. */
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export type Token = z.output<typeof TokenSchema>;
export type TokenModule = z.output<typeof ModuleSchema>;
export type TokenKey = z.output<typeof TokenKeySchema>;
export type TokensSnapshot = z.output<typeof TokensSnapshotSchema>;
export type AppInfo = z.output<typeof AppInfoSchema>;
export type ModuleKindName = z.output<typeof ModuleKind>;
