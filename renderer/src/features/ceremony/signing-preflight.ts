/**
 * Pre-flight before a PIN (issue 16): once a key is picked to approve or
 * reject, the core says whether its token is attached, whether the key is one
 * the policy names, whether its holder may still decide, how many PIN tries
 * are left and what touch the key asks for. Asked again when a token comes,
 * goes or changes (a wrong PIN lowers its tries), the newest answer winning.
 */
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CallOutput } from '../../../../shared/api/contract';
import type { ErrorData } from '../../../../shared/errors';
import { getApi } from '../../api';
import { callApi } from '../../components/api-call';
import { latestRequests } from '../../lib/latest';

export type SigningPreflightAnswer = CallOutput<'preflight.signing'>;
export type SigningCheck = SigningPreflightAnswer['checks'][number];

export interface SigningPreflightState {
  /** The key the answer or the check under way is about. */
  keyUri: string | undefined;
  checking: boolean;
  answer: SigningPreflightAnswer | undefined;
  /** The check could not be made (the ceremony could not be read): signing is left to say what is wrong. */
  error: ErrorData | undefined;
}

export const noSigningPreflight: SigningPreflightState = { keyUri: undefined, checking: false, answer: undefined, error: undefined };

/** A check that stops the signature: the PIN is not asked for and signing is not offered. */
export function blockingChecks(state: SigningPreflightState): SigningCheck[] {
  return state.answer?.checks.filter((check) => check.level === 'block') ?? [];
}

/**
 * Whether the PIN may be typed now: the pre-flight answered for this key and
 * nothing blocks (a check again under way keeps the last answer, so the field
 * does not flicker), or it could not check and signing says what is wrong.
 */
export function pinAskable(state: SigningPreflightState): boolean {
  if (state.answer !== undefined) return state.answer.ready;
  return !state.checking && state.error !== undefined;
}

const tokenEvents = ['token.inserted', 'token.removed', 'tokens.changed'] as const;

export interface SigningPreflightStore {
  preflight: SigningPreflightState;
  /**
   * Checks `keyUri` for ceremony `ceremonyId` now and again whenever a token
   * comes, goes or changes; nothing while no key is picked. Returns the
   * function that stops following (the dialog closed, another key picked).
   */
  follow(ceremonyId: string | undefined, keyUri: string | undefined): () => void;
  /**
   * A signature is under way: its token's changes (logging in and out) are not news, and the last answer stays. When
   * it ends, the key is checked again: a refused PIN leaves fewer tries, which the next attempt must be told first.
   */
  setPaused(paused: boolean): void;
}

export function createSigningPreflightStore(): StoreApi<SigningPreflightStore> {
  const latest = latestRequests<'key'>();
  let paused = false;
  // The check of the key followed now, for setPaused's check once a signature ended.
  let checkFollowed: (() => Promise<void>) | undefined;
  return createStore<SigningPreflightStore>()((set) => ({
    preflight: noSigningPreflight,

    follow(ceremonyId, keyUri) {
      latest.drop('key');
      if (ceremonyId === undefined || keyUri === undefined) {
        set({ preflight: noSigningPreflight });
        return () => undefined;
      }
      const check = async () => {
        const isLatest = latest.begin('key');
        // Checking again keeps the last answer about this key shown, so the PIN field does not flicker.
        set((s) => ({ preflight: { keyUri, checking: true, answer: s.preflight.keyUri === keyUri ? s.preflight.answer : undefined, error: undefined } }));
        const result = await callApi('preflight.signing', { id: ceremonyId, keyUri });
        if (!isLatest()) return;
        set({ preflight: result.ok ? { keyUri, checking: false, answer: result.value, error: undefined } : { keyUri, checking: false, answer: undefined, error: result.error } });
      };
      checkFollowed = check;
      void check();
      const stops: (() => void)[] = [];
      try {
        for (const name of tokenEvents) stops.push(getApi().on(name, () => void (paused ? undefined : check())));
      } catch {
        // No API: the check itself says so.
      }
      return () => {
        stops.forEach((stop) => stop());
        if (checkFollowed === check) checkFollowed = undefined;
        latest.drop('key');
        set({ preflight: noSigningPreflight });
      };
    },

    setPaused(value) {
      const ended = paused && !value;
      paused = value;
      if (ended) void checkFollowed?.();
    },
  }));
}

/** The sign dialog's pre-flight: there is one sign dialog at a time. */
export const signingPreflightStore = createSigningPreflightStore();

/** The pre-flight of the key picked in a dialog that signs a decision on ceremony `ceremonyId`. */
export function useSigningPreflight(ceremonyId: string | undefined, keyUri: string | undefined, paused: boolean): SigningPreflightState {
  useEffect(() => signingPreflightStore.getState().follow(ceremonyId, keyUri), [ceremonyId, keyUri]);
  useEffect(() => signingPreflightStore.getState().setPaused(paused), [paused]);
  return useStore(signingPreflightStore, (s) => s.preflight);
}
