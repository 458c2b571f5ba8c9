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

const secretKey = 'conclave.secret';

function browserShellSecret(): string | undefined {
  // The shell opens the page at #secret=…; keep it for reloads of this tab only, and take it out of the address bar.
  const match = /(?:^#|&)secret=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(secretKey, match[1]);
    history.replaceState(null, '', location.pathname + location.search);
    return match[1];
  }
  return sessionStorage.getItem(secretKey) ?? undefined;
}

let api: ConclaveApi | undefined;

export function getApi(): ConclaveApi {
  if (api) return api;
  if (window.conclave) return (api = window.conclave);
  const secret = browserShellSecret();
  if (!secret) throw new Error('This page must be opened by Conclave (npm start or npm run start:web), which adds its access key to the address.');
  return (api = createWebClient(secret));
}

/** For tests: use a given API instead of the real one. */
export function setApiForTests(replacement: ConclaveApi | undefined): void {
  api = replacement;
}
