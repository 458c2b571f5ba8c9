/**
 * Questions the Tokens screen asks of the state. They take plain slices (not
 * the whole store) so components can select stable references and call these
 * while rendering.
 */
import type { Token, TokenKey, TokenModule, TokensSnapshot } from '../../../../shared/api/contract';
import type { ErrorData } from '../../../../shared/errors';
import { op } from './ops';


export function findToken(snapshot: TokensSnapshot | undefined, tokenUri: string): { module: TokenModule; token: Token } | undefined {
  for (const module of snapshot?.modules ?? []) {
    const token = module.tokens.find((candidate) => candidate.uri === tokenUri);
    if (token) return { module, token };
  }
  return undefined;
}

export function findModule(snapshot: TokensSnapshot | undefined, moduleId: string): TokenModule | undefined {
  return snapshot?.modules.find((module) => module.id === moduleId);
}

/**
 * Modules in the order a person looks for them: those with tokens (their own,
 * or the demo's) first, then modules with empty slots, then those that failed
 * to load; the core's order within each.
 */
export function modulesInOrder(modules: readonly TokenModule[]): TokenModule[] {
  const rank = (module: TokenModule) => (module.status === 'failed' ? 2 : module.tokens.length > 0 ? 0 : 1);
  return modules
    .map((module, index) => ({ module, index }))
    .sort((a, b) => rank(a.module) - rank(b.module) || a.index - b.index)
    .map(({ module }) => module);
}

export function hasAnyToken(snapshot: TokensSnapshot): boolean {
  return snapshot.modules.some((module) => module.tokens.length > 0);
}

type DialogLike = { kind: string; tokenUri?: string } | undefined;

export interface OpError {
  opKey: string;
  error: ErrorData;
}

/**
 * Errors to show on a token's card: loading its keys, and logging in or
 * generating when that dialog is no longer open (an open dialog shows its own).
 */
export function tokenErrors(errors: Readonly<Record<string, ErrorData>>, dialog: DialogLike, tokenUri: string): OpError[] {
  const openHere = dialog && dialog.tokenUri === tokenUri ? dialog.kind : undefined;
  const keys = [op.listKeys(tokenUri)];
  if (openHere !== 'login') keys.push(op.login(tokenUri));
  if (openHere !== 'generate') keys.push(op.generate(tokenUri));
  return keys.flatMap((opKey) => {
    const error = errors[opKey];
    return error ? [{ opKey, error }] : [];
  });
}

/** Everything under way on a token, as progress texts ("Generating key on alice…"). */
export function tokenBusyTexts(busy: Readonly<Record<string, string>>, tokenUri: string): string[] {
  return [op.listKeys(tokenUri), op.login(tokenUri), op.generate(tokenUri)].flatMap((opKey) => {
    const text = busy[opKey];
    return text ? [text] : [];
  });
}

export type DemoOffer =
  | { kind: 'offer' }
  | { kind: 'unavailable'; hint: string }
  | { kind: 'created'; pin: string | undefined };

/** What the empty state says about demo tokens. */
export function demoOffer(demo: TokensSnapshot['demo']): DemoOffer {
  if (demo.created) return { kind: 'created', pin: demo.pin };
  if (demo.available) return { kind: 'offer' };
  return { kind: 'unavailable', hint: demo.hint ?? 'Demo tokens need SoftHSM2. Install it, then start Conclave again.' };
}

/** The demo PIN to show next to a module: only for the demo module, and only once the demo tokens exist. */
export function demoPinFor(module: Pick<TokenModule, 'origin'>, demo: TokensSnapshot['demo']): string | undefined {
  return module.origin === 'demo' && demo.created ? demo.pin : undefined;
}

/**
 * A fresh key list, keeping what this window already learned: a listing made
 * without a login says null ("hidden") for a private key that a login or
 * generate just showed is there, so the known answer for the same key stays.
 */
export function mergeKeyLists(known: readonly TokenKey[] | undefined, fresh: readonly TokenKey[]): TokenKey[] {
  const before = new Map((known ?? []).map((key) => [key.uri, key]));
  return fresh.map((key) => {
    const previous = before.get(key.uri);
    return key.hasPrivateKey === null && previous && previous.keyId === key.keyId && previous.hasPrivateKey !== null
      ? { ...key, hasPrivateKey: previous.hasPrivateKey }
      : key;
  });
}
