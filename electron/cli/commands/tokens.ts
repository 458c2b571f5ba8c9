/** The token commands: tokens, keys, keygen, pubkey. */
import { parseArgs } from 'node:util';
import type { TokenKey, TokenModule } from '../../../shared/api/contract';
import { keyAlgorithms, describeKeyType, type KeyAlgorithm } from '../../../shared/keys/algorithms';
import { parsePkcs11Uri } from '../../../shared/pkcs11/uri';
import { machineTokens, tokensFor, type CommandTokens } from '../command-tokens';
import { protectedAuthenticationPath } from '../../core/tokens/token-flags';
import { UsageError, type CliIo } from '../io';
import { pinFor, promptHidden } from '../pin';

export const tokenCommands = ['tokens', 'keys', 'keygen', 'pubkey'] as const;

export const tokenUsage = `  tokens [--module PATH] [--json]          list PKCS#11 modules and their tokens
  keys <token-uri> [--json]                list the keys on a token
  keygen <key-uri> --alg ALGORITHM         make a key pair on a token (${keyAlgorithms.join(', ')})
                   [--pin-env VARIABLE]    the key's label is the URI's object=
  pubkey <key-uri>                         print a key's public key (PEM SubjectPublicKeyInfo)
`;

export async function runTokenCommand(command: string, rest: string[], io: CliIo): Promise<number> {
  let session: CommandTokens | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        module: { type: 'string', multiple: true },
        alg: { type: 'string' },
        'pin-env': { type: 'string' },
      },
    });
    const forUri = async (uri: string) => (session = await tokensFor(io, uri)).tokens;
    switch (command) {
      case 'tokens': {
        const machine = await machineTokens(io, values.module);
        session = machine;
        const snapshot = await machine.snapshot();
        io.out(values.json ? `${JSON.stringify(snapshot, null, 2)}\n` : formatModules(snapshot.modules, snapshot.demo.created ? snapshot.demo.pin : undefined));
        return snapshot.modules.some((module) => module.status === 'ready') || snapshot.modules.length === 0 ? 0 : 1;
      }
      case 'keys': {
        const tokenUri = onePositional(positionals, 'a token URI');
        const keys = await (await forUri(tokenUri)).listKeys(tokenUri);
        io.out(values.json ? `${JSON.stringify(keys, null, 2)}\n` : formatKeys(keys));
        return 0;
      }
      case 'pubkey': {
        const keyUri = onePositional(positionals, 'a key URI');
        const { key } = await (await forUri(keyUri)).resolveKey(keyUri);
        io.out(key.publicKeyPem);
        return 0;
      }
      case 'keygen': {
        const keyUri = onePositional(positionals, 'a key URI');
        if (!values.alg || !(keyAlgorithms as readonly string[]).includes(values.alg)) {
          throw new UsageError(`keygen needs --alg, one of ${keyAlgorithms.join(', ')}.`);
        }
        const uri = parsePkcs11Uri(keyUri);
        if (!uri.object) throw new UsageError('keygen needs the new key\'s label as object=<label> in the URI.');
        const tokens = await forUri(keyUri);
        const { token } = await tokens.resolveToken(keyUri);
        const needsPin = (token.flags & protectedAuthenticationPath) === 0;
        const pin = needsPin
          ? await pinFor({ uri, pinEnv: values['pin-env'], tokenLabel: token.label, env: io.env, prompt: io.interactive ? (question) => promptHidden(question) : undefined })
          : null;
        io.err(`Making ${values.alg} key "${uri.object}" on token ${token.label}…\n`);
        const key = await tokens.generateKey(keyUri, uri.object, values.alg as KeyAlgorithm, pin);
        io.out(values.json ? `${JSON.stringify(key, null, 2)}\n` : `${key.uri}\nkeyid ${key.keyId}\n${key.publicKeyPem}`);
        return 0;
      }
      default:
        throw new UsageError(`"${command}" is not a conclave command.`);
    }
  } finally {
    await session?.dispose();
  }
}

function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`This command takes ${what}.`);
  return positionals[0]!;
}

function formatModules(modules: TokenModule[], demoPin: string | undefined): string {
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
        token.pinStatus !== 'ok' ? `PIN ${token.pinStatus}` : '',
      ].filter(Boolean);
      lines.push(`  ${token.label}  ${token.manufacturer} ${token.model}  serial ${token.serial}  ${flags.join(', ')}`);
      lines.push(`    ${token.uri}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function formatKeys(keys: TokenKey[]): string {
  if (keys.length === 0) return 'No keys on this token. Make one with: conclave keygen \'<token-uri>;object=<label>\' --alg ecdsa-p256\n';
  return `${keys.map((key) => `${key.label}  ${describeKeyType(key.type)}  id ${key.id}  keyid ${key.keyId}${key.certificatePem ? '  certificate' : ''}\n  ${key.uri}`).join('\n')}\n`;
}

