/**
 * Every `conclave` command, in the order `conclave help` lists them. Help,
 * usage errors and option parsing all come from here; each command's code is
 * loaded only when it runs.
 */
import { keyAlgorithms } from '../../shared/keys/algorithms';
import type { CommandGroup, CommandSpec, OptionSpec } from './command-spec';

const store: OptionSpec = { type: 'string', value: 'DIR', description: 'the ceremony store (default: $CONCLAVE_STORE, else store/ in the data folder)' };
const key: OptionSpec = { type: 'string', value: 'URI', description: "your key's PKCS#11 URI (RFC 7512), e.g. 'pkcs11:token=alice;object=release-signing'" };
const pinEnv: OptionSpec = { type: 'string', value: 'VARIABLE', description: 'read the token PIN from this environment variable (else pin-source in the URI, else a prompt)' };
const insecureRegistry: OptionSpec = { type: 'string', multiple: true, value: 'HOST', description: 'reach this registry over plain HTTP (a local test registry only)' };
const statement: OptionSpec = { type: 'string', value: 'SHA256', description: 'the statement digest you reviewed; refused if the statement to sign is another' };
const bundle: OptionSpec = { type: 'string', multiple: true, value: 'FILE', description: "an approver's Sigstore bundle (time stamps, certificates), from the publish folder" };
const crl: OptionSpec = { type: 'string', multiple: true, value: 'FILE', description: "a CRL file to use instead of fetching the policy's CRL URLs (offline)" };

const id = { min: 1, max: 1, what: 'a ceremony id' };
const none = { min: 0, max: 0, what: 'no arguments' };
const exampleId = 'c-20261122-abcdefghij';
const aliceKey = "'pkcs11:token=alice;object=release-signing'";

/** Loads a command module's runner by name, when the command runs. */
const tokensCommand = (name: 'runTokens' | 'runKeys' | 'runKeygen' | 'runPubkey') => async () => (await import('./commands/tokens'))[name];
/** A ceremony command's key starts its token (and an opening's artifacts are hashed) while the command's code loads (ahead.ts). */
const ceremonyCommand = (name: keyof typeof import('./commands/ceremony').ceremonyRunners) => async () =>
  (await import('./ahead')).startingAhead(async () => (await import('./commands/ceremony')).ceremonyRunners[name], { hashArtifacts: name === 'open' });
const policyCommand = (name: keyof typeof import('./commands/policy').policyRunners) => async () => (await import('./commands/policy')).policyRunners[name];
const remoteCommand = (name: keyof typeof import('./commands/remote').remoteRunners) => async () => (await import('./commands/remote')).remoteRunners[name];
const modulesCommand = (name: keyof typeof import('./commands/modules').modulesRunners) => async () => (await import('./commands/modules')).modulesRunners[name];

export const commandGroups: readonly CommandGroup[] = [
  { word: 'modules', summary: 'the PKCS#11 modules this machine uses: list, add, remove' },
  { word: 'ceremony', summary: 'open, review, approve and publish signing ceremonies' },
  { word: 'policy', summary: 'trust a policy on this machine, and change it by a policy ceremony' },
  { word: 'remote', summary: 'share the ceremony store through a git remote' },
  { word: 'audit', summary: 're-check the whole store and its history' },
];

export const commands: readonly CommandSpec[] = [
  {
    words: ['tokens'],
    summary: 'list the PKCS#11 modules of this machine and their tokens',
    synopsis: '[--module PATH]...',
    positionals: none,
    options: { module: { type: 'string', multiple: true, value: 'PATH', description: 'look only at this PKCS#11 module (instead of every installed one)' } },
    details: 'Each token is printed with the URI that names it. This is the one command that loads every PKCS#11 module installed on the machine; the others load only the module their URI names.',
    examples: ['conclave tokens', 'conclave tokens --module /usr/lib/softhsm/libsofthsm2.so --json'],
    exits: ['refused'],
    load: tokensCommand('runTokens'),
  },
  {
    words: ['modules', 'list'],
    summary: "the PKCS#11 modules this machine uses: the only ones a key URI's module-path may name",
    synopsis: '',
    positionals: none,
    options: {},
    details: 'Installed modules at their usual locations, the demo tokens\' SoftHSM2, the modules CONCLAVE_PKCS11_MODULES names and the ones you added. A key URI whose module-path names any other library is refused before anything is loaded.',
    examples: ['conclave modules list', 'conclave modules list --json'],
    exits: ['refused'],
    load: modulesCommand('list'),
  },
  {
    words: ['modules', 'add'],
    summary: 'add a PKCS#11 module by its path, once its owner and permissions are safe',
    synopsis: 'PATH [--init-parameters TEXT]',
    positionals: { min: 1, max: 1, what: "one module's path" },
    options: {
      'init-parameters': {
        type: 'string',
        value: 'TEXT',
        description: "the module's own C_Initialize parameters, for modules that need them (NSS softokn: configdir='sql:DIR' certPrefix='' keyPrefix='' secmod='secmod.db' flags=)",
      },
    },
    details: 'Prints the path, owner and permissions, loads the module once (in a process of its own) to check it, and uses it from then on. A module is a program that runs as you: add only one your token\'s vendor installed. Refused, and not loaded, when the library (or its folder) is writable by its group or by others, or belongs to another user than you or root. The window adds modules the same way (Settings → Modules).',
    examples: ['conclave modules add /usr/lib/x86_64-linux-gnu/libykcs11.so.2', "conclave modules add /usr/lib/x86_64-linux-gnu/libsoftokn3.so --init-parameters \"configdir='sql:$HOME/.pki/nssdb' certPrefix='' keyPrefix='' secmod='secmod.db' flags=\""],
    exits: ['refused', 'token'],
    load: modulesCommand('add'),
  },
  {
    words: ['modules', 'remove'],
    summary: 'stop using a module you added (installed ones stay)',
    synopsis: 'PATH',
    positionals: { min: 1, max: 1, what: "one module's path" },
    options: {},
    examples: ['conclave modules remove /opt/vendor/lib/libvendor-pkcs11.so'],
    exits: ['refused'],
    load: modulesCommand('remove'),
  },
  {
    words: ['keys'],
    summary: 'list the keys on a token (with the PIN: as seen logged in, which a YubiHSM 2 needs)',
    synopsis: '<token-uri> [--pin-env VARIABLE]',
    positionals: { min: 1, max: 1, what: 'a token URI' },
    options: { 'pin-env': pinEnv },
    examples: ["conclave keys 'pkcs11:token=alice'", "conclave keys 'pkcs11:token=YubiHSM' --pin-env HSM_PIN"],
    exits: ['token'],
    load: tokensCommand('runKeys'),
  },
  {
    words: ['keygen'],
    summary: 'make a key pair on a token; its label is the URI\'s object=',
    synopsis: '<key-uri> --alg ALGORITHM [--pin-env VARIABLE]',
    positionals: { min: 1, max: 1, what: 'a key URI' },
    options: { alg: { type: 'string', value: 'ALGORITHM', description: `the key's algorithm: ${keyAlgorithms.join(', ')}` }, 'pin-env': pinEnv },
    examples: [`conclave keygen ${aliceKey} --alg ecdsa-p256 --pin-env ALICE_PIN`],
    exits: ['token'],
    load: tokensCommand('runKeygen'),
  },
  {
    words: ['pubkey'],
    summary: "print a key's public key (PEM SubjectPublicKeyInfo)",
    synopsis: '<key-uri> [--pin-env VARIABLE]',
    positionals: { min: 1, max: 1, what: 'a key URI' },
    options: { 'pin-env': pinEnv },
    examples: [`conclave pubkey ${aliceKey} > alice.pub.pem`],
    exits: ['token'],
    load: tokensCommand('runPubkey'),
  },
  {
    words: ['digest'],
    summary: 'print sha256sum-style lines for files, to check Conclave against tools you trust',
    synopsis: '[--sha512] FILE...',
    positionals: { min: 1, max: Infinity, what: 'at least one file' },
    options: { sha512: { type: 'boolean', description: 'SHA-512 (as sha512sum) instead of SHA-256' } },
    details: 'One line per file, "<digest>  <name>", exactly as sha256sum prints it; files are hashed by streaming, several at a time. A file that cannot be read is reported and the others are still printed.',
    examples: ['diff <(conclave digest dist/*.tar.gz) <(sha256sum dist/*.tar.gz)'],
    exits: ['refused'],
    load: async () => (await import('./commands/digest')).runDigest,
  },
  {
    words: ['policy', 'trust'],
    summary: "show a policy's digest, threshold and approvers, and trust it on this machine",
    synopsis: 'FILE [--yes]',
    positionals: { min: 1, max: 1, what: 'one policy file' },
    options: { yes: { type: 'boolean', description: 'do not ask: for scripts that have checked the digest already' } },
    details: 'A machine judges ceremonies only under policies someone at it trusted. Compare the digest with the one your team published before you say yes.',
    examples: ['conclave policy trust release-policy.json', 'conclave policy trust release-policy.json --yes --json'],
    exits: ['refused'],
    load: policyCommand('trust'),
  },
  {
    words: ['policy', 'list'],
    summary: 'the policies this machine trusts',
    synopsis: '',
    positionals: none,
    options: {},
    examples: ['conclave policy list'],
    exits: [],
    load: policyCommand('list'),
  },
  {
    words: ['policy', 'propose'],
    summary: 'open a policy ceremony that replaces the current policy with a new one',
    synopsis: 'NEW.json --policy CURRENT.json --key URI [--pin-env VARIABLE] [--store DIR]',
    positionals: { min: 1, max: 1, what: 'the new policy file' },
    options: { policy: { type: 'string', value: 'FILE', description: 'the policy in force now' }, key, 'pin-env': pinEnv, store },
    details: "NEW becomes trusted once CURRENT's threshold and NEW's threshold have both approved it and it is published. Prints the ceremony id on the first line.",
    examples: [`conclave policy propose team-2027.json --policy team.json --key ${aliceKey}`],
    exits: ['refused', 'token', 'unavailable'],
    load: policyCommand('propose'),
  },
  {
    words: ['policy', 'chain'],
    summary: "write the store's published policy ceremonies, oldest first, for verifiers",
    synopsis: '--out FILE [--store DIR]',
    positionals: none,
    options: { out: { type: 'string', value: 'FILE', description: 'where to write the chain' }, store },
    details: 'Consumers then verify with "conclave verify --policy-root FIRST.json --policy-chain FILE".',
    examples: ['conclave policy chain --out dist/policy-chain.json'],
    exits: ['refused'],
    load: policyCommand('chain'),
  },
  {
    words: ['ceremony', 'open'],
    summary: 'open a ceremony for a release; frozen at once when no finding fails',
    synopsis: '--policy FILE --release NAME@VERSION (--artifact FILE... | --image REF...) --key URI',
    moreSynopses: ['[--provenance FILE...] [--sbom FILE] [--provenance-key PEM...] [--purl PURL] [--sha512] [--insecure-registry HOST...] [--check]'],
    positionals: none,
    options: {
      policy: { type: 'string', value: 'FILE', description: 'the release policy (this machine must trust it)' },
      release: { type: 'string', value: 'NAME@VERSION', description: 'what is released, e.g. app@1.2.3 or @acme/app@1.2.3' },
      artifact: { type: 'string', multiple: true, value: 'FILE', description: 'a file of the release (its SHA-256 is what approvers sign)' },
      image: { type: 'string', multiple: true, value: 'REF', description: 'a container image of the release; a tag is resolved once, now, and its digest is signed' },
      provenance: { type: 'string', multiple: true, value: 'FILE', description: 'SLSA provenance (in-toto statement or DSSE / Sigstore bundle) for the artifacts' },
      sbom: { type: 'string', value: 'FILE', description: 'an SPDX or CycloneDX SBOM of the release' },
      'provenance-key': { type: 'string', multiple: true, value: 'PEM', description: "a builder's public key to check signed provenance with" },
      purl: { type: 'string', value: 'PURL', description: 'the package URL of the release (default pkg:generic/NAME@VERSION)' },
      sha512: { type: 'boolean', description: 'also record SHA-512 digests of the artifacts' },
      check: { type: 'boolean', description: 'pre-flight only: judge the evidence against the policy and say what would block freezing; creates nothing and needs no --key' },
      key,
      'pin-env': pinEnv,
      'insecure-registry': insecureRegistry,
      store,
    },
    details: 'Prints the ceremony id on the first line (only the id with --quiet), then the findings and what comes next. Exit 3 when a finding failed: the ceremony is open but cannot take approvals until it is frozen with an override (where the policy allows one) or cancelled. With --check nothing is opened: the findings and the verdict are printed, exit 3 when freezing would be blocked.',
    examples: [
      `conclave ceremony open --check --policy release-policy.json --release app@1.2.3 --artifact dist/app.tgz --provenance dist/app.intoto.jsonl`,
      `id=$(conclave ceremony open --policy release-policy.json --release app@1.2.3 --artifact dist/app.tgz --provenance dist/app.intoto.jsonl --key "$MY_KEY" --pin-env PIN --quiet)`,
    ],
    exits: ['refused', 'blocked', 'token', 'unavailable'],
    load: ceremonyCommand('open'),
  },
  {
    words: ['ceremony', 'list'],
    summary: 'the ceremonies in the store, with their state',
    synopsis: '[--store DIR]',
    positionals: none,
    options: { store },
    examples: ['conclave ceremony list --json'],
    exits: [],
    load: ceremonyCommand('list'),
  },
  {
    words: ['ceremony', 'show'],
    summary: 'one ceremony: its artifacts, findings, statement, approvals, problems and next step',
    synopsis: '<id> [--store DIR]',
    positionals: id,
    options: { store },
    examples: [`conclave ceremony show ${exampleId}`],
    exits: ['refused'],
    load: ceremonyCommand('show'),
  },
  {
    words: ['ceremony', 'freeze'],
    summary: 'freeze the statement to sign; with failed findings, only with an override the policy allows',
    synopsis: '<id> --key URI [--override-reason TEXT]',
    positionals: id,
    options: { key, 'override-reason': { type: 'string', value: 'TEXT', description: 'why the failed findings are overridden (recorded and signed)' }, 'pin-env': pinEnv, store },
    examples: [`conclave ceremony freeze ${exampleId} --key "$MY_KEY" --override-reason 'provenance from the old builder, checked by hand'`],
    exits: ['refused', 'token'],
    load: ceremonyCommand('freeze'),
  },
  {
    words: ['ceremony', 'approve'],
    summary: 'sign the frozen statement with your token',
    synopsis: '<id> --key URI [--statement SHA256] [--pin-env VARIABLE] [--insecure-registry HOST...]',
    positionals: id,
    options: { key, statement, 'pin-env': pinEnv, 'insecure-registry': insecureRegistry, store },
    details: 'The statement is shown first, read from its own bytes (standard error); --statement makes sure it is the one you reviewed. Prints one line: who approved and where the ceremony stands, then the next step.',
    examples: [`conclave ceremony approve ${exampleId} --key ${aliceKey} --statement sha256:12ec81b9…`],
    exits: ['refused', 'token', 'unavailable'],
    load: ceremonyCommand('approve'),
  },
  {
    words: ['ceremony', 'reject'],
    summary: 'reject the frozen statement, saying why',
    synopsis: '<id> --key URI --reason TEXT [--statement SHA256]',
    positionals: id,
    options: { key, reason: { type: 'string', value: 'TEXT', description: 'why (signed with the rejection)' }, statement, 'pin-env': pinEnv, store },
    examples: [`conclave ceremony reject ${exampleId} --key ${aliceKey} --reason 'the SBOM lists a library we banned'`],
    exits: ['refused', 'token', 'unavailable'],
    load: ceremonyCommand('reject'),
  },
  {
    words: ['ceremony', 'withdraw'],
    summary: 'take back your approval, until the ceremony is published',
    synopsis: '<id> --key URI --reason TEXT [--statement SHA256]',
    positionals: id,
    options: { key, reason: { type: 'string', value: 'TEXT', description: 'why (signed with the withdrawal)' }, statement, 'pin-env': pinEnv, store },
    examples: [`conclave ceremony withdraw ${exampleId} --key ${aliceKey} --reason 'approved the wrong build'`],
    exits: ['refused', 'token', 'unavailable'],
    load: ceremonyCommand('withdraw'),
  },
  {
    words: ['ceremony', 'cancel'],
    summary: 'cancel a ceremony that is not published',
    synopsis: '<id> --key URI [--reason TEXT]',
    positionals: id,
    options: { key, reason: { type: 'string', value: 'TEXT', description: 'why (recorded and signed)' }, 'pin-env': pinEnv, store },
    examples: [`conclave ceremony cancel ${exampleId} --key "$MY_KEY" --reason 'superseded by 1.2.4'`],
    exits: ['refused', 'token'],
    load: ceremonyCommand('cancel'),
  },
  {
    words: ['ceremony', 'publish'],
    summary: 'write the combined envelope, one Sigstore bundle per approver and a summary; attach it to images',
    synopsis: '<id> --out DIR --key URI [--insecure-registry HOST...]',
    moreSynopses: ['<id> --dry-run [--key URI]'],
    positionals: id,
    options: {
      out: { type: 'string', value: 'DIR', description: 'the folder to write the envelope, bundles, policy and summary to' },
      key,
      'pin-env': pinEnv,
      'insecure-registry': insecureRegistry,
      'dry-run': { type: 'boolean', description: 'sign, write and push nothing: say what conclave verify, cosign (per approver key), Kyverno and notation will say about the publication' },
      store,
    },
    details:
      'Only once the policy is met. Prints the verification report, where each file went, and the "conclave verify" command that checks the release (absolute paths). With --dry-run, no PIN: prints one line per verifier (exit 0 when the ceremony can be published, whatever the other verifiers say; 1 when it cannot); --key names the publisher whose VSA Kyverno checks, otherwise every key that may publish is considered.',
    examples: [`conclave ceremony publish ${exampleId} --out dist/ --key "$MY_KEY"`, `conclave ceremony publish ${exampleId} --dry-run`],
    exits: ['refused', 'token', 'unavailable'],
    load: ceremonyCommand('publish'),
  },
  {
    words: ['ceremony', 'export'],
    summary: 'write a whole ceremony to one bundle file, to carry to another machine',
    synopsis: '<id> --out FILE [--store DIR]',
    positionals: id,
    options: { out: { type: 'string', value: 'FILE', description: 'where to write the bundle ("-" for standard output)' }, store },
    examples: [`conclave ceremony export ${exampleId} --out /media/usb/ceremony.json`],
    exits: ['refused'],
    load: ceremonyCommand('export'),
  },
  {
    words: ['ceremony', 'import'],
    summary: 'merge a ceremony bundle: adds the events that verify, reports any refused',
    synopsis: 'FILE [--store DIR]',
    positionals: { min: 1, max: 1, what: 'one bundle file' },
    options: { store },
    examples: ['conclave ceremony import /media/usb/ceremony.json'],
    exits: ['refused'],
    load: ceremonyCommand('import'),
  },
  {
    words: ['verify'],
    summary: 'check a published release against a policy: exit 0 only when the policy is met',
    synopsis: '--policy FILE --envelope FILE [--artifact FILE...] [--bundle FILE...] [--crl FILE...]',
    moreSynopses: [
      '--policy FILE oci://REGISTRY/REPOSITORY@sha256:DIGEST [--insecure-registry HOST...] [--bundle FILE...] [--crl FILE...]',
      '--policy-root FIRST.json (--policy-chain FILE | --policy-chain-from-store [--store DIR]) …',
    ],
    positionals: { min: 0, max: 1, what: 'at most one image, as oci://REGISTRY/REPOSITORY@sha256:DIGEST' },
    options: {
      policy: { type: 'string', value: 'FILE', description: 'the policy your team keeps' },
      envelope: { type: 'string', value: 'FILE', description: 'the published DSSE envelope' },
      artifact: { type: 'string', multiple: true, value: 'FILE', description: 'a file that must be a subject of the signed statement' },
      bundle,
      crl,
      'policy-root': { type: 'string', value: 'FILE', description: 'the first policy you trust, when the policy changed by policy ceremonies since' },
      'policy-chain': { type: 'string', value: 'FILE', description: 'the chain of policy ceremonies ("conclave policy chain" writes it)' },
      'policy-chain-from-store': { type: 'boolean', description: 'read the chain from the ceremony store instead' },
      'insecure-registry': insecureRegistry,
      store,
    },
    details: 'Exit 0 only when the envelope meets the policy and every given artifact is a subject of it; exit 1 when it does not (the report says why). For an image, an envelope attached to it in its registry must meet the policy and name its digest (docs/verify.md).',
    examples: [
      'conclave verify --policy release-policy.json --envelope dist/app-1.2.3.intoto.dsse.json --artifact dist/app.tgz',
      'conclave verify --policy release-policy.json oci://ghcr.io/acme/app@sha256:3a1f…',
    ],
    exits: ['refused', 'unavailable'],
    load: async () => (await import('./commands/verify')).runVerify,
  },
  {
    words: ['remote', 'add'],
    summary: "share this store's ceremonies through a git remote (SSH, HTTPS or a path)",
    synopsis: 'URL [--store DIR]',
    details: 'A relative path is from the folder you type it in, and ~/ from your home folder, even when quoted; ~name/ (another account) is refused: give the full path.',
    positionals: { min: 1, max: 1, what: 'one URL' },
    options: { store },
    examples: ['conclave remote add git@example.org:release/ceremonies.git'],
    exits: ['refused'],
    load: remoteCommand('add'),
  },
  {
    words: ['remote', 'show'],
    summary: 'the remote, and where this store stands: up to date, ahead, behind, offline…',
    synopsis: '[--store DIR]',
    positionals: none,
    options: { store },
    examples: ['conclave remote show'],
    exits: ['refused', 'unavailable'],
    load: remoteCommand('show'),
  },
  {
    words: ['remote', 'remove'],
    summary: 'stop sharing (the store keeps every event)',
    synopsis: '[--store DIR]',
    positionals: none,
    options: { store },
    examples: ['conclave remote remove'],
    exits: ['refused'],
    load: remoteCommand('remove'),
  },
  {
    words: ['sync'],
    summary: 'commit new events, fetch, merge what others added, push',
    synopsis: '[--store DIR]',
    positionals: none,
    options: { store },
    details: 'Uses your git, its SSH keys and credential helpers. Exit 5 when the remote cannot be reached (everything stays committed here and goes up at the next sync); exit 1 when the remote refused or was rewritten.',
    examples: ['conclave sync'],
    exits: ['refused', 'unavailable'],
    load: remoteCommand('sync'),
  },
  {
    words: ['audit', 'verify'],
    summary: 're-check every event, signature, ceremony state, published envelope and the git history of the store',
    synopsis: '[--since REF] [--store DIR]',
    positionals: none,
    options: { since: { type: 'string', value: 'REF', description: 'only the commits after REF (e.g. refs/conclave/verified, where the last clean audit got to)' }, store },
    details: 'Lists every problem, not only the first; exit 1 on any.',
    examples: ['conclave audit verify', 'conclave audit verify --since refs/conclave/verified --json'],
    exits: ['refused'],
    load: async () => (await import('./commands/audit')).runAudit,
  },
];

/** The command the words name, and how many words that took. */
export function findCommand(argv: readonly string[]): CommandSpec | undefined {
  return commands.find((command) => command.words.every((word, index) => argv[index] === word));
}

export function groupOf(word: string): CommandGroup | undefined {
  return commandGroups.find((group) => group.word === word);
}

export const commandsOfGroup = (word: string): CommandSpec[] => commands.filter((command) => command.words.length > 1 && command.words[0] === word);
