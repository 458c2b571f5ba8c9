/**
 * The one API contract between the window and the rest of Conclave: every
 * call and every pushed event, each with the schema that validates it. The
 * preload, the browser-shell client, the main process and the browser-shell
 * server are all written against this file; nothing else is shared.
 */
import { z } from 'zod';
import { isRelativeLocalPath } from '../repository/remote-url';
import { ceremonyTabs, maxPageRows } from './pages';
import { keyAlgorithms } from '../keys/algorithms';
import { errorCodes } from '../errors';
import { ceremonyIdPattern } from '../ceremony/events';
import { parseImageReference } from '../oci/reference';
import { maxInsecureRegistries, registryHostProblem } from '../oci/registry-host';
import {
  BundleExportResultSchema,
  BundleImportReportSchema,
  CeremonyDetailSchema,
  CeremonyStateSchema,
  CeremonySummarySchema,
  FileEntrySchema,
  OperationProgressSchema,
  PolicyInspectionSchema,
  PolicySummarySchema,
  PublishForecastSchema,
  PublishResultSchema,
  RepositoryStatusSchema,
  HistoryAuditSchema,
  SigningKeySchema,
  SyncSummarySchema,
  VerificationSchema,
} from './ceremony-schemas';

/** What `preflight.signing` answers (electron/core/ceremony/preflight-signing.ts). */
const SigningPreflightSchema = z.object({
  ready: z.boolean(),
  checks: z.array(z.object({ check: z.enum(['token', 'key', 'person', 'pin', 'touch']), level: z.enum(['ok', 'warn', 'block']), message: z.string() })),
  tokenLabel: z.string().optional(),
  approverId: z.string().optional(),
  keyId: z.string().optional(),
  pinStatus: z.enum(['ok', 'count-low', 'final-try', 'locked']).optional(),
  pinTriesLeft: z.number().int().nonnegative().optional(),
  touchPolicy: z.enum(['never', 'always', 'cached']).optional(),
});

/** What `preflight.opening` answers (electron/core/ceremony/preflight.ts). */
const OpeningPreflightSchema = z.object({
  policy: z.object({ name: z.string().optional(), digest: z.string(), description: z.string() }),
  release: z.object({ name: z.string(), version: z.string() }),
  findings: z.array(z.object({ id: z.string(), status: z.enum(['pass', 'warn', 'fail']), message: z.string() })),
  blocked: z.boolean(),
  overrideAllowed: z.boolean(),
  verdict: z.string(),
  toDo: z.array(z.string()),
});

// ---- values ---------------------------------------------------------------

/**
 * A PIN is a one-shot argument: it is validated for shape and never echoed in errors. It travels as its UTF-8
 * bytes, never as text (issue 12): the core keeps those bytes in a buffer of its own and overwrites it once the
 * token has the PIN, while a JavaScript string (and the JSON text of a call is one) cannot be overwritten and stays
 * in memory until reused. Over IPC it is a Uint8Array (structured clone); the browser shell sends a call that
 * carries one as a binary frame (shared/web/protocol.ts). The caller overwrites its own array once the call answers.
 */
export const maxPinBytes = 256;
export const Pin = z
  .instanceof(Uint8Array, { message: 'The PIN must be sent as bytes.' })
  .refine((pin) => pin.byteLength > 0, 'Enter the PIN.')
  .refine((pin) => pin.byteLength <= maxPinBytes, 'That PIN is too long for any token.');

/** A registry allowed plain HTTP: host or host:port, nothing else (shared/oci/registry-host.ts). */
const RegistryHostText = z
  .string()
  .max(261)
  .superRefine((text, context) => {
    const problem = registryHostProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });
const InsecureRegistriesSchema = z.object({ insecureRegistries: z.array(z.string()) });

/**
 * A module's own C_Initialize parameters (issue 13; NSS softokn: configdir='sql:DIR' …), as `conclave modules add
 * --init-parameters` takes them: one line of text the module parses itself, as long as settings keep.
 */
export const maxInitParametersLength = 4096;
export const InitParametersText = z
  .string()
  .trim()
  .min(1, 'Give the init parameters, or leave them out.')
  .max(maxInitParametersLength, `Init parameters are at most ${maxInitParametersLength} characters.`)
  // eslint-disable-next-line no-control-regex -- the module reads a C string: a NUL would cut it, a line break is no parameter syntax
  .refine((text) => !/[\u0000-\u001f\u007f]/.test(text), 'Init parameters are one line of text, without control characters.');

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
      triesLeftCount: z.number().int().nonnegative().optional(),
      pkcs11: z.string().optional(),
      cause: z.string().optional(),
    })
    .optional(),
});

export const PinStatus = z.enum(['ok', 'count-low', 'final-try', 'locked']);

/** The YubiKey PIV slots a person makes signing keys in: 9a (authentication), 9c (digital signature, PIN on every signature), 9d (key management), 9e (card authentication). */
export const pivSlots = ['9a', '9c', '9d', '9e'] as const;
export type PivSlot = (typeof pivSlots)[number];

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
  /** Tries left before the PIN locks, only where the token says a number (a YubiKey's count-low is 2); else pinStatus alone. */
  pinTriesLeft: z.number().int().nonnegative().optional(),
  /** How the token makes keys: in a PIV slot the person chooses, after its management key (a YubiKey); absent, the standard way with the PIN. */
  keygen: z.literal('piv-slot').optional(),
  /** What the PIN is where it is more than a PIN (a YubiHSM 2: the authentication key id, then its password). */
  pinFormat: z.string().optional(),
  /** The token shows its keys only after login (a YubiHSM 2): listing them needs the PIN. */
  keysAfterLogin: z.boolean().optional(),
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

/**
 * A module file the browser shell asks the person about before loading it
 * (issue 12): what it is, and a one-time token that modules.confirmAdd takes.
 */
export const ModuleConfirmationSchema = z.object({
  token: z.string(),
  /** The path as given, made absolute. */
  path: z.string(),
  /** The file that would be loaded, once links are followed. */
  realPath: z.string(),
  owner: z.string(),
  /** As ls shows them, with the octal: "-rwxr-xr-x (0755)". */
  permissions: z.string(),
});

export const AppInfoSchema = z.object({
  version: z.string(),
  shell: z.enum(['electron', 'browser']),
  dataDir: z.string(),
});

// ---- calls ----------------------------------------------------------------

const Empty = z.object({}).strict();
const CeremonyIdText = z.string().regex(ceremonyIdPattern, 'not a ceremony id');
const AbsolutePath = z.string().min(1).max(4096);
/** An image as Docker, cosign and crane name it (`registry/repository:tag` or `…@sha256:…`); shared/oci/reference.ts decides. */
const ImageReferenceText = z
  .string()
  .max(1024)
  .refine((text) => {
    try {
      parseImageReference(text);
      return true;
    } catch {
      return false;
    }
  }, 'Give an image as registry/repository:tag or registry/repository@sha256:<digest>, e.g. ghcr.io/acme/app:1.2.3.');
/** A path from the root (/…, C:\…, \\server\…): a relative one would depend on where the core happens to run. */
const FullPath = AbsolutePath.refine((path) => path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\'), 'Give a full path, from the root of the disk.').refine((path) => !path.includes('\0'), 'A path cannot contain a NUL character.');
const OperationId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'not an operation id');
const Reason = z.string().trim().min(1, 'Say why.').max(4096);
const StatementDigest = z.string().regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the statement you reviewed');
const PolicyDigest = z.string().regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the policy you were shown');

// ---- pages of ceremonies (issue 15): lists answer what the screen shows, with counts, never every summary ----

export { ceremonyTabs, maxPageRows } from './pages';
export const CeremonyTabSchema = z.enum(ceremonyTabs);
/**
 * A ceremony's version: the count of its event files and a digest of their names and of its judged summary ("4-9f2c…").
 * Event files are never rewritten, and whatever else changes a verdict (trust, expiry) changes the summary: a window
 * holding this version of a ceremony (from a page row or an earlier ceremony.changed) need not fetch it again.
 * `waitingOnMe` is not part of it: it moves with the tokens attached here, and ceremony.changed carries it (attaching
 * or removing a key sends ceremony.changed for every ceremony still waiting on someone, with the same version).
 */
const CeremonyVersionText = z.string().max(64);
export const VersionedSummarySchema = CeremonySummarySchema.extend({ version: CeremonyVersionText });
/** A ceremony in full, with the version ceremony.changed carries: a window holding it need not fetch it again for an event of the same version. */
export const VersionedDetailSchema = CeremonyDetailSchema.extend({ version: CeremonyVersionText });
/** Where the previous page ended, as the core gave it (opaque): pages after it never repeat or skip a ceremony, even while others are added. */
const PageCursor = z.string().min(1).max(512);
const PageLimit = z.number().int().positive().max(maxPageRows).default(50);
export const CeremonyPageSchema = z.object({
  items: z.array(VersionedSummarySchema),
  /** Ceremonies matching the query (its tab or states, and its filters), on every page. */
  total: z.number().int(),
  /** Per tab, the ceremonies matching the query's other filters (its text and dates; all of them for ceremonies.page). */
  counts: z.object(Object.fromEntries(ceremonyTabs.map((tab) => [tab, z.number().int()])) as Record<(typeof ceremonyTabs)[number], z.ZodNumber>),
  /** Absent on the last page. */
  nextCursor: PageCursor.optional(),
  /**
   * False until the index has been checked against the store once since the core started, and while ceremonies are
   * judged (a first start, an upgrade, a large sync): the rows and counts are those of the ceremonies judged so far,
   * newest first; `indexed` says how far it is, and ceremonies.indexed tells when it moves and when it is complete.
   */
  complete: z.boolean(),
  indexed: z.object({ done: z.number().int(), total: z.number().int() }),
  /**
   * False until the keys on the tokens attached here have been looked at since the core started (the first look waits
   * for the token hosts to load their modules): no row is marked waiting on me and the "waiting" count is 0, as not
   * known yet. tokens.changed follows that first look, and the window asks again.
   */
  waitingOnMeKnown: z.boolean(),
  /**
   * Why the core cannot save the ceremonies it judged (its cache is a folder, its data folder is not writable, the
   * disk is full), in a sentence that says what to do: each start judges every ceremony again until it can.
   */
  indexNotSaved: z.string().max(10_000).optional(),
});
const HistoryFilters = {
  /** Matches release name or version, artifact name or digest (prefix), approver id, or ceremony id. */
  text: z.string().max(256).optional(),
  states: z.array(CeremonyStateSchema).max(8).optional(),
  from: z.string().max(64).optional(),
  to: z.string().max(64).optional(),
};

/**
 * What an opening names: the policy, the release and its evidence. One shape for `ceremonies.open` and its
 * pre-flight (`preflight.opening`), so the evidence checked before a ceremony exists is the evidence it opens with.
 */
const openingEvidence = {
  policyPath: AbsolutePath,
  release: z.object({ name: z.string().trim().min(1, 'Name the release.').max(256), version: z.string().trim().min(1, 'Give the version.').max(128), purl: z.string().max(1024).optional() }).strict(),
  artifactPaths: z.array(AbsolutePath).max(1000),
  /** Container images (issue 6), by tag or digest: each is resolved to its manifest digest once, at opening, and that digest is signed. */
  images: z.array(ImageReferenceText).max(100).optional(),
  provenancePaths: z.array(AbsolutePath).max(100),
  sbomPath: AbsolutePath.optional(),
  sha512: z.boolean().optional(),
};
const namesSomething = (input: { artifactPaths: readonly string[]; images?: readonly string[] | undefined }) => input.artifactPaths.length + (input.images?.length ?? 0) > 0;

export const calls = {
  'app.info': { input: Empty, output: AppInfoSchema },
  'tokens.list': { input: Empty, output: TokensSnapshotSchema },
  /**
   * Adding a module is the person's decision (issue 12). The desktop opens the system's file dialog and adds what the
   * person picked ("cancelled" when they did not; a path sent here is not used). The browser shell answers "path-needed"
   * without a path, and "confirm" with one: nothing is loaded until modules.confirmAdd with its token.
   */
  'modules.add': {
    input: z.object({ path: FullPath.optional(), initParameters: InitParametersText.optional() }).strict(),
    output: z.discriminatedUnion('outcome', [
      z.object({ outcome: z.literal('added'), tokens: TokensSnapshotSchema }),
      z.object({ outcome: z.literal('cancelled') }),
      z.object({ outcome: z.literal('path-needed') }),
      z.object({ outcome: z.literal('confirm'), confirmation: ModuleConfirmationSchema }),
    ]),
  },
  /** The person confirmed the module a "confirm" answer showed: loaded once, if the file is still the one shown. */
  'modules.confirmAdd': { input: z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'not a confirmation') }).strict(), output: TokensSnapshotSchema },
  'modules.remove': { input: z.object({ moduleId: z.string().min(1).max(256) }).strict(), output: TokensSnapshotSchema },
  'keys.list': { input: z.object({ tokenUri: Pkcs11UriText }).strict(), output: z.array(TokenKeySchema) },
  'tokens.login': {
    /** null: the token has a PIN pad (protected authentication path) and asks for the PIN itself. */
    input: z.object({ tokenUri: Pkcs11UriText, pin: Pin.nullable() }).strict(),
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
        /** With pivSlot: the token's management key (a YubiKey makes keys only after it), sent and wiped as a PIN is. */
        pin: Pin.nullable(),
        /** A token that makes keys in PIV slots (Token.keygen 'piv-slot'): the slot, whose key the new one replaces. */
        pivSlot: z.enum(pivSlots).optional(),
      })
      .strict(),
    output: TokenKeySchema,
  },
  'demo.create': { input: Empty, output: TokensSnapshotSchema },

  /** One page of a Ceremonies tab ("waiting" is "waiting on me"), newest first, with the count of every tab. */
  'ceremonies.page': { input: z.object({ tab: CeremonyTabSchema.default('all'), cursor: PageCursor.optional(), limit: PageLimit }).strict(), output: CeremonyPageSchema },
  'ceremonies.get': { input: z.object({ id: CeremonyIdText }).strict(), output: VersionedDetailSchema },
  'ceremonies.open': {
    input: z
      .object({
        /** Chosen by the window, so it can follow progress events and cancel. */
        operationId: OperationId,
        ...openingEvidence,
        /** The opener's key (an approver or release manager of the policy): it signs the opening. */
        keyUri: Pkcs11UriText,
        pin: Pin.nullable(),
      })
      .strict()
      .refine(namesSomething, { message: 'Add at least one artifact file or image.', path: ['artifactPaths'] }),
    output: VersionedDetailSchema,
  },
  'operations.cancel': { input: z.object({ operationId: OperationId }).strict(), output: z.object({ cancelled: z.boolean() }) },
  'ceremonies.freeze': {
    input: z.object({ id: CeremonyIdText, overrideReason: Reason.optional(), keyUri: Pkcs11UriText, pin: Pin.nullable() }).strict(),
    output: VersionedDetailSchema,
  },
  /**
   * Keys on attached tokens and whether each may act on this ceremony: `decide`
   * (approve or reject: approvers only), `manage` (freeze, cancel, publish:
   * approvers and release managers) or `withdraw` (the keys whose approval counts now).
   */
  'ceremonies.signingKeys': { input: z.object({ id: CeremonyIdText, purpose: z.enum(['decide', 'manage', 'withdraw']).optional() }).strict(), output: z.array(SigningKeySchema) },
  /** Keys on attached tokens that may open a ceremony under this policy (its approvers and release managers). */
  'policies.signingKeys': { input: z.object({ policyPath: AbsolutePath }).strict(), output: z.array(SigningKeySchema) },
  /**
   * Decisions name the statement the approver was shown (its SHA-256): when the ceremony's statement is another,
   * nothing is signed (issue 10, "what you review is what you sign").
   */
  'ceremonies.approve': {
    input: z
      .object({
        id: CeremonyIdText,
        /** Chosen by the window, so its Cancel (operations.cancel) reaches the approval's time-stamping request (issue 12). */
        operationId: OperationId.optional(),
        keyUri: Pkcs11UriText,
        pin: Pin.nullable(),
        statementDigest: StatementDigest,
      })
      .strict(),
    output: VersionedDetailSchema,
  },
  'ceremonies.reject': { input: z.object({ id: CeremonyIdText, keyUri: Pkcs11UriText, pin: Pin.nullable(), reason: Reason, statementDigest: StatementDigest }).strict(), output: VersionedDetailSchema },
  /** An approver takes back their approval, with a reason, until the ceremony is published. */
  'ceremonies.withdraw': { input: z.object({ id: CeremonyIdText, keyUri: Pkcs11UriText, pin: Pin.nullable(), reason: Reason, statementDigest: StatementDigest }).strict(), output: VersionedDetailSchema },
  'ceremonies.cancel': { input: z.object({ id: CeremonyIdText, reason: Reason.optional(), keyUri: Pkcs11UriText, pin: Pin.nullable() }).strict(), output: VersionedDetailSchema },
  'ceremonies.publish': {
    input: z
      .object({
        id: CeremonyIdText,
        /** Chosen by the window, so its Cancel (operations.cancel) reaches the registry pushes of a publication. */
        operationId: OperationId.optional(),
        outDir: AbsolutePath.optional(),
        keyUri: Pkcs11UriText,
        pin: Pin.nullable(),
      })
      .strict(),
    output: PublishResultSchema,
  },
  /**
   * What each verifier a consumer runs will say once this ceremony is published (issue 14): signs, writes and pushes
   * nothing. With `keyUri`, the publisher whose Verification Summary Kyverno checks; otherwise every key that may publish.
   */
  'ceremonies.publishForecast': { input: z.object({ id: CeremonyIdText, keyUri: Pkcs11UriText.optional() }).strict(), output: PublishForecastSchema },
  'ceremonies.verify': { input: z.object({ id: CeremonyIdText }).strict(), output: VerificationSchema },
  /**
   * Air-gapped signing (issue 5): writes the whole ceremony to a new bundle
   * file in a folder (the data folder's exports/ by default), named
   * <release>-<version>.<ceremony id>.conclave-bundle.json; never over an existing file.
   */
  'ceremonies.export': { input: z.object({ id: CeremonyIdText, dir: FullPath.optional() }).strict(), output: BundleExportResultSchema },
  /** Merges a bundle file into this store: new events that verify are added, anything else is reported with why. */
  'ceremonies.import': { input: z.object({ path: FullPath }).strict(), output: BundleImportReportSchema },
  /** One page of History's search, newest first; `counts` per tab over the text and dates (whatever the states). */
  'history.page': { input: z.object({ ...HistoryFilters, cursor: PageCursor.optional(), limit: PageLimit }).strict(), output: CeremonyPageSchema },
  'history.report': {
    input: z.object({ ids: z.array(CeremonyIdText).max(20_000).optional(), from: z.string().max(64).optional(), to: z.string().max(64).optional(), format: z.enum(['html', 'json']) }).strict(),
    output: z.object({ fileName: z.string(), mediaType: z.string(), content: z.string() }),
  },
  'policies.list': { input: Empty, output: z.array(PolicySummarySchema) },
  /** What a policy file says (digest, rule, approvers), read and validated without trusting it: shown before "Trust this policy". */
  'policies.inspect': { input: z.object({ path: AbsolutePath }).strict(), output: PolicyInspectionSchema },
  /** Trusts a policy file; with `digest` (the one the person was shown), refuses with `conflict` when the file now holds another policy. */
  'policies.import': { input: z.object({ path: AbsolutePath, digest: PolicyDigest.optional() }).strict(), output: z.array(PolicySummarySchema) },
  'policies.createDemo': { input: Empty, output: z.array(PolicySummarySchema) },
  /** A native file dialog where the shell has one (Electron); null in the browser shell, which browses with files.list. */
  'files.pick': {
    input: z.object({ purpose: z.enum(['artifacts', 'provenance', 'sbom', 'policy', 'bundle', 'folder']), multiple: z.boolean().default(false) }).strict(),
    output: z.object({ paths: z.array(z.string()) }).nullable(),
  },
  'files.list': {
    input: z.object({ dir: AbsolutePath.optional() }).strict(),
    output: z.object({ dir: z.string(), parent: z.string().optional(), entries: z.array(FileEntrySchema) }),
  },
  'settings.get': { input: Empty, output: z.object({ dataDir: z.string(), storeDir: z.string(), publishDir: z.string() }) },
  /** Registries besides this machine that may be reached over plain HTTP (as the CLI's --insecure-registry). */
  'settings.registries': { input: Empty, output: InsecureRegistriesSchema },
  'settings.setInsecureRegistries': {
    input: z.object({ hosts: z.array(RegistryHostText).max(maxInsecureRegistries, `At most ${maxInsecureRegistries} registries.`) }).strict(),
    output: InsecureRegistriesSchema,
  },
  /** Shows a published folder in the system's file manager where the shell can (Electron); false in the browser shell. */
  'files.reveal': { input: z.object({ path: AbsolutePath }).strict(), output: z.object({ shown: z.boolean() }) },
  /** The shared repository (issue 5): where this store stands against its remote (fetches, so it can say offline). */
  'repository.status': { input: Empty, output: RepositoryStatusSchema },
  /** Re-checks the whole store and its history, as `conclave audit verify` does, and remembers the head when it is clean. */
  'repository.audit': { input: Empty, output: HistoryAuditSchema },
  /** Commits, fetches, merges what others added, pushes; waits for a sync already under way instead of starting a second. */
  'repository.sync': { input: Empty, output: SyncSummarySchema },
  /** Stops the git of the sync under way (the window's Stop): it ends as not synced, everything stays committed here. */
  'repository.stopSync': { input: Empty, output: z.object({ stopped: z.boolean() }) },
  'repository.setRemote': {
    input: z
      .object({
        url: z
          .string()
          .trim()
          .min(1, 'Enter the URL of the team’s git repository.')
          .max(4096)
          .refine((url) => !url.startsWith('-') && !/[\n\r\0]/.test(url), 'Give the URL you would give "git clone": an SSH or HTTPS URL, or a path.')
          .refine((url) => !isRelativeLocalPath(url), 'Give the repository\'s full path (from the top folder, say /srv/git/ceremonies.git): a relative path would be read from the store folder.'),
      })
      .strict(),
    output: RepositoryStatusSchema,
  },
  'repository.removeRemote': { input: Empty, output: RepositoryStatusSchema },
  /**
   * Pre-flight before a ceremony exists (issue 16): the Open form's evidence judged against the policy exactly as
   * opening and freezing would; nothing is signed or written. `operationId` (optional) follows the hashing and cancels it.
   */
  'preflight.opening': {
    input: z
      .object({ operationId: OperationId.optional(), ...openingEvidence })
      .strict()
      .refine(namesSomething, { message: 'Add at least one artifact file or image.', path: ['artifactPaths'] }),
    output: OpeningPreflightSchema,
  },
  /**
   * Pre-flight before a PIN (issue 16): for the key an approver picked, whether its token is attached, the key is the
   * one the policy names for them, they may still decide, the PIN tries left and the touch the key asks for. No PIN.
   */
  'preflight.signing': {
    input: z.object({ id: CeremonyIdText, keyUri: Pkcs11UriText, approverId: z.string().max(256).optional() }).strict(),
    output: SigningPreflightSchema,
  },
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
/** A ceremony in full as the window gets it: with its version. */
export type CeremonyDetail = z.output<typeof VersionedDetailSchema>;
export type CallInput<C extends CallName> = z.input<(typeof calls)[C]['input']>;
export type CallOutput<C extends CallName> = z.output<(typeof calls)[C]['output']>;

// ---- events (pushed from the core, past tense) -----------------------------

export const events = {
  'tokens.changed': TokensSnapshotSchema,
  'token.inserted': TokenSchema,
  'token.removed': TokenSchema,
  /**
   * A ceremony was opened, signed, published… here or by a sync: its new summary, with its version (the same as a
   * page row's): a window already showing that version of the ceremony need not fetch it again.
   */
  'ceremony.changed': VersionedSummarySchema,
  /** The index of the store is being built (first start, upgrade, a sync that brought many): how far; ask the page again. */
  'ceremonies.indexed': z.object({ done: z.number().int(), total: z.number().int(), complete: z.boolean() }),
  'operation.progress': OperationProgressSchema,
  /** The shared repository's standing changed: a sync started or finished, the remote was set or removed. */
  'repository.changed': RepositoryStatusSchema,
} as const;

export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;


// ---- the typed API, as the window sees it ---------------------------------

import type { Result } from './result';

export interface ConclaveApi {
  call<C extends CallName>(name: C, input: CallInput<C>): Promise<Result<CallOutput<C>>>;
  /** Returns a function that stops listening. */
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
  /**
   * The desktop app only: the path of a file dropped on the window (a DOM
   * File), so drag and drop can name artifacts. Absent in the browser shell,
   * where a dropped file has no path.
   */
  pathOfDroppedFile?: (file: unknown) => string | undefined;
}

export type Token = z.output<typeof TokenSchema>;
export type TokenModule = z.output<typeof ModuleSchema>;
export type TokenKey = z.output<typeof TokenKeySchema>;
export type TokensSnapshot = z.output<typeof TokensSnapshotSchema>;
export type AppInfo = z.output<typeof AppInfoSchema>;
export type ModuleKindName = z.output<typeof ModuleKind>;
export type ModuleConfirmation = z.output<typeof ModuleConfirmationSchema>;

export type { BundleExportResult, BundleImportReport, CeremonySummary, OperationProgress, PolicyInspection, PolicySummary, PublishResult, ReleaseChanges, RepositoryStatus, SigningKey, SyncSummary } from './ceremony-schemas';
