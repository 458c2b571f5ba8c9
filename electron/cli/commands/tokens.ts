/** The token commands: tokens, keys, keygen, pubkey. */
import type { Token, TokenKey, TokenModule } from '../../../shared/api/contract';
import { keyAlgorithms, describeKeyType, type KeyAlgorithm } from '../../../shared/keys/algorithms';
import { parsePkcs11Uri } from '../../../shared/pkcs11/uri';
import { machineTokens, tokensFor } from '../command-tokens';
import type { CommandInput } from '../command-spec';
import { exitCodes } from '../exit-codes';
import type { TokenService } from '../../core/tokens/token-service';
import { protectedAuthenticationPath } from '../../core/tokens/token-flags';
import { UsageError, type CliIo } from '../io';
import { pinFor, terminalPinPrompt } from '../pin';
import { noticeWhileWaiting, waitingMessage } from '../waiting';

/** `conclave tokens`: every module of the machine (or the ones named with --module) and its tokens. */
export async function runTokens(input: CommandInput, io: CliIo): Promise<number> {
  const machine = await machineTokens(io, input.strings('module'));
  try {
    const snapshot = await machine.snapshot();
    if (input.json) io.out(`${JSON.stringify(snapshot, null, 2)}\n`);
    else if (!input.quiet) io.out(formatModules(snapshot.modules, snapshot.demo.created ? snapshot.demo.pin : undefined, (module, token) => machine.tokens.pinNoteOf(module.id, token.slotId)));
    return snapshot.modules.some((module) => module.status === 'ready') || snapshot.modules.length === 0 ? exitCodes.done : exitCodes.refused;
  } finally {
    await machine.dispose();
  }
}

/** Runs `work` with the tokens the URI needs, and stops them when it ends, however it ends. */
async function withTokensFor<T>(io: CliIo, uri: string, work: (tokens: TokenService) => Promise<T>): Promise<T> {
  const session = await tokensFor(io, uri);
  try {
    return await work(session.tokens);
  } finally {
    await session.dispose();
  }
}

/**
 * The PIN for a command that only reads keys: asked for where the token shows
 * its keys only after login (a YubiHSM 2), or where --pin-env or pin-source
 * gives one; undefined otherwise (the keys as seen without login).
 */
async function readingPin(io: CliIo, tokens: TokenService, uriText: string): Promise<Buffer | null | undefined> {
  const { token } = await tokens.resolveToken(uriText);
  const uri = parsePkcs11Uri(uriText);
  const given = io.pinVariable !== undefined || uri.pinSource !== undefined;
  if (!given && !(await tokens.keysNeedLogin(uriText))) return undefined;
  if ((token.flags & protectedAuthenticationPath) !== 0) return null;
  if (!given && !io.interactive()) return undefined;
  return pinFor({ uri, pinVariable: io.pinVariable, tokenLabel: token.label, prompt: terminalPinPrompt(io) });
}

export async function runKeys(input: CommandInput, io: CliIo): Promise<number> {
  const tokenUri = input.positionals[0]!;
  let token: Token | undefined;
  const keys = await withTokensFor(io, tokenUri, async (tokens) => {
    token = await tokens.describeTokenOf(tokenUri);
    const pin = await readingPin(io, tokens, tokenUri);
    if (pin === undefined) return tokens.listKeys(tokenUri);
    try {
      return await tokens.login(tokenUri, pin);
    } finally {
      pin?.fill(0);
    }
  });
  if (input.json) io.out(`${JSON.stringify(keys, null, 2)}\n`);
  else if (!input.quiet) io.out(formatKeys(keys, tokenUri, token));
  return exitCodes.done;
}

export async function runPubkey(input: CommandInput, io: CliIo): Promise<number> {
  const keyUri = input.positionals[0]!;
  const { key } = await withTokensFor(io, keyUri, async (tokens) => {
    const pin = await readingPin(io, tokens, keyUri);
    try {
      return await tokens.resolveKey(keyUri, pin);
    } finally {
      pin?.fill(0);
    }
  });
  if (input.json) io.out(`${JSON.stringify({ uri: key.uri, keyId: key.keyId, type: key.type, publicKeyPem: key.publicKeyPem }, null, 2)}\n`);
  else io.out(key.publicKeyPem);
  return exitCodes.done;
}

export async function runKeygen(input: CommandInput, io: CliIo): Promise<number> {
  const keyUri = input.positionals[0]!;
  const algorithm = input.string('alg');
  if (!algorithm || !(keyAlgorithms as readonly string[]).includes(algorithm)) throw new UsageError(`needs --alg, one of ${keyAlgorithms.join(', ')}.`);
  const uri = parsePkcs11Uri(keyUri);
  if (!uri.object) throw new UsageError("needs the new key's label as object=<label> in the URI.");
  // The hosts get the command's environment, without a --pin-env variable (runCli took it into io.pinVariable).
  const key = await withTokensFor(io, keyUri, async (tokens) => {
    const { token } = await tokens.resolveToken(keyUri);
    const needsPin = (token.flags & protectedAuthenticationPath) === 0;
    const pin = needsPin ? await pinFor({ uri, pinVariable: io.pinVariable, tokenLabel: token.label, prompt: terminalPinPrompt(io) }) : null;
    if (!input.quiet && !input.json) io.err(`Making ${algorithm} key "${uri.object}" on token ${token.label}…\n`);
    try {
      return await noticeWhileWaiting(
        () => tokens.generateKey(keyUri, uri.object!, algorithm as KeyAlgorithm, pin),
        () => io.err(waitingMessage({ tokenLabel: token.label, pinPad: !needsPin, doing: 'make the key' })),
      );
    } finally {
      pin?.fill(0); // the PIN's bytes, overwritten once the token has them (issue 12)
    }
  });
  if (input.json) io.out(`${JSON.stringify(key, null, 2)}\n`);
  else if (input.quiet) io.out(`${key.uri}\n`);
  else io.out(`Made ${describeKeyType(key.type)} key "${key.label}", keyid ${key.keyId}:\n${key.uri}\n${key.publicKeyPem}Next: add its public key to your team's policy ("conclave pubkey '${key.uri}'" prints it again).\n`);
  return exitCodes.done;
}

function formatModules(modules: TokenModule[], demoPin: string | undefined, pinNoteOf: (module: TokenModule, token: Token) => string | undefined): string {
  if (modules.length === 0) {
    return 'No PKCS#11 module found. Install your token\'s software (SoftHSM2, yubico-piv-tool, OpenSC, YubiHSM shell) or name one with --module PATH.\n';
  }
  const lines: string[] = [];
  for (const module of modules) {
    lines.push(`${module.label}  ${module.path}${module.library ? `  (${module.library.manufacturer} ${module.library.version})` : ''}`);
    if (module.status === 'failed') {
      lines.push(`  failed: ${module.error?.message ?? 'unknown reason'}`);
      continue;
    }
    if (module.origin === 'demo' && demoPin) lines.push(`  demo tokens, PIN ${demoPin}: for trying Conclave, never for real releases`);
    if (module.tokens.length === 0) lines.push('  no token');
    for (const token of module.tokens) {
      const flags = [
        token.loginRequired ? 'PIN required' : 'no PIN',
        token.protectedAuthenticationPath ? 'PIN pad' : '',
        pinNoteOf(module, token) ?? (token.pinStatus !== 'ok' ? `PIN ${token.pinStatus}` : ''),
      ].filter(Boolean);
      lines.push(`  ${token.label}  ${token.manufacturer} ${token.model}  serial ${token.serial}  ${flags.join(', ')}`);
      lines.push(`    ${token.uri}`);
      if (token.pinFormat) lines.push(`    PIN: ${token.pinFormat}${token.keysAfterLogin ? '; its keys show only after login (conclave keys … --pin-env VARIABLE)' : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function formatKeys(keys: TokenKey[], tokenUri: string, token: Token | undefined): string {
  if (keys.length === 0 && token?.keysAfterLogin) {
    return `Token "${token.label}" shows its keys only after login. List them with its PIN: conclave keys '${tokenUri}' --pin-env VARIABLE${token.pinFormat ? ` (the PIN is ${token.pinFormat})` : ''}.\n`;
  }
  if (keys.length === 0) {
    const [path, query] = tokenUri.split('?');
    return `No keys on this token. Make one with: conclave keygen '${path};object=release-signing${query ? `?${query}` : ''}' --alg ecdsa-p256\n`;
  }
  return `${keys.map((key) => `${key.label}  ${describeKeyType(key.type)}  id ${key.id}  keyid ${key.keyId}${key.certificatePem ? '  certificate' : ''}\n  ${key.uri}`).join('\n')}\n`;
}

