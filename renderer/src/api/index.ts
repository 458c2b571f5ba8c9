/**
 * Where the window gets its API: the preload's `window.conclave` under
 * Electron, or the loopback client in the browser shell. Components and
 * stores only ever see ConclaveApi.
 */
import type { ConclaveApi } from '../../../shared/api/contract';
import { createWebClient } from './web-client';

declare global {
  interface Window {
    conclave?: ConclaveApi;
  }
}

let api: ConclaveApi | undefined;

export function getApi(): ConclaveApi {
  if (api) return api;
  if (window.conclave) return (api = window.conclave);
  // The browser shell let this browser in with a session cookie the page cannot read; the connection carries it.
  return (api = createWebClient());
}

/** For tests: use a given API instead of the real one. */
export function setApiForTests(replacement: ConclaveApi | undefined): void {
  api = replacement;
}
