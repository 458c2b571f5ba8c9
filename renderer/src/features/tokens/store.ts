/**
 * The Tokens screen's state: a projection of what the core owns (the tokens
 * snapshot and each token's keys), plus what this window is doing right now
 * (busy flags, errors, the open dialog).
 *
 * PINs pass through `login` and `generateKey` as arguments, straight to the
 * API (as bytes, overwritten once it answered). They are never put in this
 * store, logged, or kept anywhere else.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { CallInput, CallName, CallOutput, ModuleConfirmation, PivSlot, TokenKey, TokensSnapshot } from '../../../../shared/api/contract';
import type { Result } from '../../../../shared/api/result';
import type { ErrorData } from '../../../../shared/errors';
import type { KeyAlgorithm } from '../../../../shared/keys/algorithms';
import { getApi } from '../../api';
import { withPinBytes } from '../../lib/pin';
import { busyText, tokenName } from './format';
import { op } from './ops';
import { findModule, findToken, mergeKeyLists } from './selectors';
import { latestRequests } from '../../lib/latest';
import { contractSchemas } from '../../api/schemas';

export { op };

/** add-module: the path form (the browser shell), then the confirmation of what the core found at that path (issue 12). */
export type TokenDialog = { kind: 'login' | 'generate'; tokenUri: string; tokenLabel: string } | { kind: 'add-module'; confirmation?: ModuleConfirmation };

export interface GenerateKeyRequest {
  tokenUri: string;
  label: string;
  algorithm: KeyAlgorithm;
  /** null for a token with a PIN pad: it asks for the PIN itself. With pivSlot: the management key. */
  pin: string | null;
  /** A YubiKey (Token.keygen 'piv-slot'): the PIV slot the key is made in. */
  pivSlot?: PivSlot;
}

export interface TokensData {
  /** The core's latest snapshot; undefined until the first one arrives. */
  snapshot: TokensSnapshot | undefined;
  /** Keys per token URI, once loaded. */
  keys: Readonly<Record<string, readonly TokenKey[]>>;
  /** Tokens whose key list is shown. */
  expanded: Readonly<Record<string, true>>;
  /** Tokens that accepted a PIN typed in this window (Log in), until they leave; the core keeps no session open. */
  pinAccepted: Readonly<Record<string, true>>;
  /** Operation key → progress text for people, while the operation runs. */
  busy: Readonly<Record<string, string>>;
  /** Operation key → the error its last run ended with. */
  errors: Readonly<Record<string, ErrorData>>;
  dialog: TokenDialog | undefined;
}

export interface TokensActions {
  /** Subscribes to `tokens.changed` and loads the list; returns the function that stops listening. */
  start(): () => void;
  load(): Promise<void>;
  /** Replaces the snapshot, forgets tokens that left, and reloads the keys of tokens being shown. */
  applySnapshot(snapshot: TokensSnapshot): void;
  toggleKeys(tokenUri: string): void;
  loadKeys(tokenUri: string): Promise<void>;
  /** Resolves true when the token accepted the PIN. */
  login(tokenUri: string, pin: string | null): Promise<boolean>;
  /** Resolves true when the key was made. */
  generateKey(request: GenerateKeyRequest): Promise<boolean>;
  /**
   * The browser shell's path form: asks the core about the file at `path`. Resolves true when the core answered with
   * what it found there, for the person to confirm (or, in the desktop app, added it). `initParameters`: the module's
   * own C_Initialize parameters, for modules that need some (issue 13), checked by the caller (Settings → Modules).
   */
  addModule(path: string, initParameters?: string): Promise<boolean>;
  /** The person confirmed the module the dialog shows: resolves true when it was loaded. */
  confirmAddModule(): Promise<boolean>;
  removeModule(moduleId: string): Promise<void>;
  createDemo(): Promise<void>;
  openLogin(tokenUri: string): void;
  openGenerate(tokenUri: string): void;
  /**
   * "Add module…": the core decides how the person chooses (issue 12). The desktop app opens the system's file dialog
   * and adds what the person picked; the browser shell asks for a path (the dialog), then for a confirmation.
   */
  openAddModule(initParameters?: string): Promise<void>;
  closeDialog(): void;
  dismissError(opKey: string): void;
}

export type TokensState = TokensData & TokensActions;

export function initialTokensData(): TokensData {
  return { snapshot: undefined, keys: {}, expanded: {}, pinAccepted: {}, busy: {}, errors: {}, dialog: undefined };
}

const without = <V>(record: Readonly<Record<string, V>>, key: string): Record<string, V> => {
  if (!(key in record)) return record as Record<string, V>;
  const copy = { ...record };
  delete copy[key];
  return copy;
};

function thrownToError(error: unknown): ErrorData {
  return {
    code: 'internal',
    message: error instanceof Error && error.message ? error.message : 'Conclave could not be reached. Restart it and try again.',
  };
}

/** Calls the API; a throw (no API, broken connection) becomes an error result like any other. */
async function callApi<C extends CallName>(name: C, input: CallInput<C>): Promise<Result<CallOutput<C>>> {
  try {
    return await getApi().call(name, input);
  } catch (error) {
    return { ok: false, error: thrownToError(error) };
  }
}

function firstIssue(error: { issues: readonly { message: string }[] }): ErrorData {
  return { code: 'invalid-input', message: error.issues[0]?.message ?? 'Check the form and try again.' };
}

export function createTokensStore(): StoreApi<TokensState> {
  // A late answer loses to a newer one instead of overwriting it: the token list, and each token's keys (by its URI).
  const latestSnapshot = latestRequests<'snapshot'>();
  const latestKeys = latestRequests<string>();

  return createStore<TokensState>()((set, get) => {
    const begin = (key: string, text: string) => set((s) => ({ busy: { ...s.busy, [key]: text }, errors: without(s.errors, key) }));
    const succeed = (key: string) => set((s) => ({ busy: without(s.busy, key) }));
    const fail = (key: string, error: ErrorData) => set((s) => ({ busy: without(s.busy, key), errors: { ...s.errors, [key]: error } }));
    const tokenLabel = (tokenUri: string) => {
      const found = findToken(get().snapshot, tokenUri);
      return found ? tokenName(found.token) : 'the token';
    };
    /** Shows a token's keys as the core just gave them, overriding any list still on its way. */
    const showKeys = (tokenUri: string, keys: readonly TokenKey[]) => {
      latestKeys.drop(tokenUri);
      set((s) => ({
        keys: { ...s.keys, [tokenUri]: keys },
        expanded: { ...s.expanded, [tokenUri]: true },
        busy: without(s.busy, op.listKeys(tokenUri)),
      }));
    };
    const closeDialogIf = (matches: (dialog: TokenDialog) => boolean) =>
      set((s) => (s.dialog && matches(s.dialog) ? { dialog: undefined } : {}));
    /** What the core answered to modules.add: added, nothing (cancelled), the path form, or what to confirm. Resolves whether to go on. */
    const moduleAnswer = (answer: CallOutput<'modules.add'>): boolean => {
      switch (answer.outcome) {
        case 'added':
          get().applySnapshot(answer.tokens);
          closeDialogIf((d) => d.kind === 'add-module');
          return true;
        case 'cancelled':
          return false;
        case 'path-needed':
          set({ dialog: { kind: 'add-module' } });
          return false;
        case 'confirm':
          set({ dialog: { kind: 'add-module', confirmation: answer.confirmation } });
          return true;
      }
    };

    return {
      ...initialTokensData(),

      start() {
        let stop: () => void;
        try {
          stop = getApi().on('tokens.changed', (snapshot) => get().applySnapshot(snapshot));
        } catch (error) {
          fail(op.load, thrownToError(error));
          return () => undefined;
        }
        void get().load();
        return stop;
      },

      async load() {
        const isLatest = latestSnapshot.begin('snapshot');
        begin(op.load, busyText.load);
        const result = await callApi('tokens.list', {});
        if (!result.ok) return fail(op.load, result.error);
        succeed(op.load);
        // A tokens.changed that arrived meanwhile is newer than this answer.
        if (isLatest()) get().applySnapshot(result.value);
      },

      applySnapshot(snapshot) {
        latestSnapshot.drop('snapshot');
        const present = new Set(snapshot.modules.flatMap((module) => module.tokens.map((token) => token.uri)));
        const shown = Object.keys(get().expanded).filter((uri) => present.has(uri));
        set((s) => ({
          snapshot,
          expanded: Object.fromEntries(shown.map((uri) => [uri, true] as const)),
          pinAccepted: Object.fromEntries(Object.keys(s.pinAccepted).filter((uri) => present.has(uri)).map((uri) => [uri, true] as const)),
          keys: Object.fromEntries(Object.entries(s.keys).filter(([uri]) => shown.includes(uri))),
        }));
        for (const uri of shown) void get().loadKeys(uri);
      },

      toggleKeys(tokenUri) {
        if (get().expanded[tokenUri]) {
          set((s) => ({ expanded: without(s.expanded, tokenUri) }));
          return;
        }
        set((s) => ({ expanded: { ...s.expanded, [tokenUri]: true } }));
        void get().loadKeys(tokenUri);
      },

      async loadKeys(tokenUri) {
        const isLatest = latestKeys.begin(tokenUri);
        const key = op.listKeys(tokenUri);
        // Say so the first time; a reload of keys already on screen happens quietly.
        if (get().keys[tokenUri]) set((s) => ({ errors: without(s.errors, key) }));
        else begin(key, busyText.listKeys(tokenLabel(tokenUri)));
        const result = await callApi('keys.list', { tokenUri });
        if (!isLatest()) return;
        if (!result.ok) return fail(key, result.error);
        succeed(key);
        set((s) => ({ keys: { ...s.keys, [tokenUri]: mergeKeyLists(s.keys[tokenUri], result.value) } }));
      },

      async login(tokenUri, pin) {
        const key = op.login(tokenUri);
        const { Pin } = await contractSchemas();
        if (get().busy[key]) return false;
        // The PIN goes to the core as bytes, overwritten once it answered (issue 12).
        const result = await withPinBytes(pin, async (bytes) => {
          const checked = Pin.nullable().safeParse(bytes);
          if (!checked.success) return fail(key, firstIssue(checked.error));
          begin(key, busyText.login(tokenLabel(tokenUri)));
          return callApi('tokens.login', { tokenUri, pin: checked.data });
        });
        if (!result) return false;
        if (!result.ok) {
          fail(key, result.error);
          return false;
        }
        succeed(key);
        set((s) => ({ pinAccepted: { ...s.pinAccepted, [tokenUri]: true } }));
        showKeys(tokenUri, result.value.keys);
        closeDialogIf((d) => d.kind === 'login' && d.tokenUri === tokenUri);
        return true;
      },

      async generateKey(request) {
        const key = op.generate(request.tokenUri);
        const { calls } = await contractSchemas();
        if (get().busy[key]) return false;
        const result = await withPinBytes(request.pin, async (pin) => {
          const checked = calls['keys.generate'].input.safeParse({ ...request, pin });
          if (!checked.success) return fail(key, firstIssue(checked.error));
          begin(key, busyText.generate(tokenLabel(request.tokenUri)));
          return callApi('keys.generate', checked.data);
        });
        if (!result) return false;
        if (!result.ok) {
          fail(key, result.error);
          return false;
        }
        succeed(key);
        const created = result.value;
        const current = get().keys[request.tokenUri] ?? [];
        showKeys(request.tokenUri, [...current.filter((k) => k.uri !== created.uri), created]);
        closeDialogIf((d) => d.kind === 'generate' && d.tokenUri === request.tokenUri);
        return true;
      },

      async addModule(path, initParameters) {
        const key = op.addModule;
        const { calls } = await contractSchemas();
        if (get().busy[key]) return false;
        const trimmed = path.trim();
        const checked = calls['modules.add'].input.safeParse({ path: trimmed, ...(initParameters !== undefined ? { initParameters } : {}) });
        if (!checked.success) {
          fail(key, { code: 'invalid-input', message: 'Enter the full path of a PKCS#11 module (a .so, .dylib or .dll file), from the root.' });
          return false;
        }
        begin(key, busyText.addModule);
        const result = await callApi('modules.add', checked.data);
        if (!result.ok) {
          fail(key, result.error);
          return false;
        }
        succeed(key);
        return moduleAnswer(result.value);
      },

      async confirmAddModule() {
        const key = op.addModule;
        const dialog = get().dialog;
        if (get().busy[key] || dialog?.kind !== 'add-module' || !dialog.confirmation) return false;
        begin(key, busyText.addModule);
        const result = await callApi('modules.confirmAdd', { token: dialog.confirmation.token });
        if (!result.ok) {
          fail(key, result.error);
          // A confirmation is good once: back to the path form, with the reason.
          set((s) => (s.dialog?.kind === 'add-module' ? { dialog: { kind: 'add-module' } } : {}));
          return false;
        }
        succeed(key);
        get().applySnapshot(result.value);
        closeDialogIf((d) => d.kind === 'add-module');
        return true;
      },

      async removeModule(moduleId) {
        const key = op.removeModule(moduleId);
        if (get().busy[key]) return;
        const module = findModule(get().snapshot, moduleId);
        begin(key, busyText.removeModule(module?.label ?? 'the module'));
        const result = await callApi('modules.remove', { moduleId });
        if (!result.ok) return fail(key, result.error);
        succeed(key);
        get().applySnapshot(result.value);
      },

      async createDemo() {
        const key = op.createDemo;
        if (get().busy[key]) return;
        begin(key, busyText.createDemo);
        const result = await callApi('demo.create', {});
        if (!result.ok) return fail(key, result.error);
        succeed(key);
        get().applySnapshot(result.value);
      },

      openLogin(tokenUri) {
        set((s) => ({ dialog: { kind: 'login', tokenUri, tokenLabel: tokenLabel(tokenUri) }, errors: without(s.errors, op.login(tokenUri)) }));
      },

      openGenerate(tokenUri) {
        set((s) => ({ dialog: { kind: 'generate', tokenUri, tokenLabel: tokenLabel(tokenUri) }, errors: without(s.errors, op.generate(tokenUri)) }));
      },

      async openAddModule(initParameters) {
        const key = op.addModule;
        if (get().busy[key]) return;
        begin(key, busyText.chooseModule);
        const result = await callApi('modules.add', initParameters !== undefined ? { initParameters } : {});
        if (!result.ok) return fail(key, result.error);
        succeed(key);
        moduleAnswer(result.value);
      },

      closeDialog() {
        set({ dialog: undefined });
      },

      dismissError(opKey) {
        set((s) => ({ errors: without(s.errors, opKey) }));
      },
    };
  });
}

/** The one Tokens store of this window. */
export const tokensStore = createTokensStore();

/** Reads the Tokens store from a component; pick one slice per call so renders stay small. */
export function useTokens<T>(selector: (state: TokensState) => T): T {
  return useStore(tokensStore, selector);
}

/** For tests: puts the window's store back to its first state (actions are kept). */
export function resetTokensStore(): void {
  tokensStore.setState(initialTokensData());
}
