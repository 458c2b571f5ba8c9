/**
 * The browser shell's client (renderer/src/api/web-client.ts) against the
 * real shell server: it checks every answer and event with the contract's
 * schemas, which it loads beside the first screen (issue 15), and hands
 * answers and events on in the order they came. Node's WebSocket here is
 * the `ws` package's, given the session cookie a browser would send.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import NodeWebSocket from 'ws';
import type { CallName, EventName } from '../../shared/api/contract';
import { createWebClient } from '../../renderer/src/api/web-client';

/** The shell as this test uses it (electron/web/server.ts), typed here: the window's type checking never sees the core's. */
interface Shell {
  origin: string;
  launchAddress(): string;
  close(): Promise<void>;
}
type Sink = (name: EventName, payload: unknown) => void;
interface ShellModule {
  startWebShell(options: { core: { handlers: Record<CallName, (input: unknown) => Promise<unknown>>; subscribe(sink: Sink): () => void }; rendererDir: string }): Promise<Shell>;
}
const serverModule = '../../electron/web/server';

let shell: Shell;
let rendererDir: string;
let sink: Sink | undefined;
let answers: Record<string, () => unknown>;
const realWebSocket = globalThis.WebSocket;

beforeEach(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'conclave-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Conclave</title>');
  answers = {};
  const handlers = new Proxy({} as Record<CallName, (input: unknown) => Promise<unknown>>, { get: (_target, name: string) => async () => answers[name]?.() });
  const { startWebShell } = (await import(/* @vite-ignore */ serverModule)) as ShellModule;
  shell = await startWebShell({
    core: {
      handlers,
      subscribe: (next) => {
        sink = next;
        return () => (sink = undefined);
      },
    },
    rendererDir,
  });
  // The launch address, opened as the browser does: its answer sets the session cookie.
  const launched = await fetch(shell.launchAddress(), { redirect: 'manual' });
  const cookie = (launched.headers.get('set-cookie') ?? '').split(';')[0]!;
  const origin = shell.origin;
  // The browser's WebSocket, as the page has it: same origin, the session cookie sent by the browser itself.
  class BrowserWebSocket extends NodeWebSocket {
    constructor(url: string, protocols: string[]) {
      super(url, protocols, { origin, headers: { cookie } });
    }
  }
  globalThis.WebSocket = BrowserWebSocket as unknown as typeof WebSocket;
});

afterEach(async () => {
  globalThis.WebSocket = realWebSocket;
  await shell.close();
  rmSync(rendererDir, { recursive: true, force: true });
});

describe('the window’s client of the browser shell', () => {
  it('checks each answer against the contract: one that does not fit fails its call with what to do', async () => {
    const client = createWebClient(shell.origin);
    answers['app.info'] = () => ({ version: '1.2.3', shell: 'browser', dataDir: '/home/dave/.conclave' });
    expect(await client.call('app.info', {})).toEqual({ ok: true, value: { version: '1.2.3', shell: 'browser', dataDir: '/home/dave/.conclave' } });
    answers['app.info'] = () => ({ version: 7 });
    const broken = await client.call('app.info', {});
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error.message).toMatch(/does not understand.*Reload the page/);
  });

  it('hands on events sent before an answer ahead of that answer, in order, and drops an event that does not fit', async () => {
    const client = createWebClient(shell.origin);
    const seen: unknown[] = [];
    client.on('ceremonies.indexed', (progress) => seen.push(progress.done));
    answers['app.info'] = () => {
      sink?.('ceremonies.indexed', { done: 1, total: 3, complete: false });
      sink?.('ceremonies.indexed', { done: 'two', total: 3 });
      sink?.('ceremonies.indexed', { done: 3, total: 3, complete: true });
      return { version: '1.2.3', shell: 'browser', dataDir: '/home/dave/.conclave' };
    };
    const answer = await client.call('app.info', {});
    seen.push(answer.ok ? 'answer' : 'failed');
    expect(seen).toEqual([1, 3, 'answer']);
  });
});
