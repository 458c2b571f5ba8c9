/**
 * The browser shell's start (issue 15): it listens and sends the window its
 * page before the core has loaded, tells its starter once the page and every
 * file it loads with it are sent, and keeps a window's calls made meanwhile
 * until the core is there: none lost, answered in the order made.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiHandlers } from '../../electron/core/api/handlers';
import { filesThePageLoads } from '../../electron/core/renderer-files';
import { startWebShell, type WebShell } from '../../electron/web/server';
import type { ApiCore } from '../../electron/web/api-socket';
import { call, connect, get, launch } from '../support/web-shell-client';

/** index.html as Vite writes it: the module script, the chunks it preloads, its style sheets. */
const builtPage = `<!doctype html>
<html lang="en">
  <head>
    <link rel="icon" href="data:," />
    <script type="module" crossorigin src="./assets/index-DGKZ2-L1.js"></script>
    <link rel="modulepreload" crossorigin href="./assets/react-DCTAcUCH.js">
    <link rel="stylesheet" crossorigin href="./assets/index-BWDuh1Nd.css">
  </head>
  <body><div id="root"></div></body>
</html>
`;
const pageFiles = ['/assets/index-DGKZ2-L1.js', '/assets/react-DCTAcUCH.js', '/assets/index-BWDuh1Nd.css'];

let rendererDir: string;
let shell: WebShell | undefined;

beforeEach(() => {
  rendererDir = mkdtempSync(join(tmpdir(), 'conclave-renderer-'));
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(join(rendererDir, 'index.html'), builtPage);
  for (const file of [...pageFiles, '/assets/HistoryScreen-HLM8NZ9w.js']) writeFileSync(join(rendererDir, file), `/* ${file} */`);
});

afterEach(async () => {
  await shell?.close();
  shell = undefined;
  rmSync(rendererDir, { recursive: true, force: true });
});

/** A core whose start the test ends: handlers answer with their call's name and input, in the order they ran. */
function coreStartedLater(): { core: Promise<ApiCore>; ready(): void; fail(): void; ran: string[] } {
  const ran: string[] = [];
  const handlers = new Proxy({} as ApiHandlers, {
    get: (_target, name: string) => async (input: unknown) => {
      ran.push(name);
      return name === 'tokens.list' ? { modules: [], demo: { available: true, created: false }, input } : { version: '1', shell: 'browser', dataDir: '/x' };
    },
  });
  let ready!: () => void;
  let fail!: () => void;
  const core = new Promise<ApiCore>((resolve, reject) => {
    ready = () => resolve({ handlers, subscribe: () => () => undefined });
    fail = () => reject(new Error('the token host would not start'));
  });
  return { core, ready, fail, ran };
}

describe('the browser shell’s start', () => {
  it('reads the files the page loads from index.html as Vite writes it', () => {
    expect(filesThePageLoads(builtPage)).toEqual(pageFiles);
    expect(filesThePageLoads('<!doctype html><title>Conclave</title>')).toEqual([]);
  });

  it('sends the page before the core is there, and tells its starter only once the page and all its files are sent', async () => {
    const starting = coreStartedLater();
    let told = 0;
    shell = await startWebShell({ core: starting.core, rendererDir, onPageServed: () => told++ });
    const cookie = await launch(shell);
    const page = await get(shell, '/', undefined, cookie);
    expect(page.status).toBe(200);
    expect(page.body).toBe(builtPage);
    expect(told).toBe(0);
    // A screen loaded on demand is not part of the page: it tells nothing.
    expect((await get(shell, '/assets/HistoryScreen-HLM8NZ9w.js')).status).toBe(200);
    for (const file of pageFiles.slice(0, -1)) expect((await get(shell, file)).status).toBe(200);
    expect(told).toBe(0);
    expect((await get(shell, pageFiles.at(-1)!)).status).toBe(200);
    // Told when the server has handed the last file over, which can come a moment after this client read it.
    await vi.waitFor(() => expect(told).toBe(1));
    // Once only: a reload sends the page again and tells nothing more.
    await get(shell, '/');
    for (const file of pageFiles) await get(shell, file);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(told).toBe(1);
    expect(starting.ran).toEqual([]);
  });

  it('tells its starter when a window connects, even with the page not (yet) loaded from it', async () => {
    let told = 0;
    shell = await startWebShell({ core: coreStartedLater().core, rendererDir, onPageServed: () => told++ });
    const ws = await connect(shell, { cookie: await launch(shell) });
    expect(told).toBe(1);
    ws.terminate();
  });

  it('keeps a window’s calls made while the core starts, and answers each once it is there, in the order made', async () => {
    const starting = coreStartedLater();
    shell = await startWebShell({ core: starting.core, rendererDir });
    const ws = await connect(shell, { cookie: await launch(shell) });
    const answers = Promise.all([call(ws, 1, 'app.info', {}), call(ws, 2, 'tokens.list', {}), call(ws, 3, 'keys.list', { tokenUri: 7 })] as const);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(starting.ran).toEqual([]);
    starting.ready();
    const [info, tokens, invalid] = await answers;
    expect(info).toEqual({ ok: true, value: { version: '1', shell: 'browser', dataDir: '/x' } });
    expect(tokens.ok).toBe(true);
    // The contract still decides: an invalid call made before the core was there is refused, not run.
    expect(invalid.error?.code).toBe('invalid-input');
    expect(starting.ran).toEqual(['app.info', 'tokens.list']);
    ws.terminate();
  });

  it('closes a window’s connection with a reason when the core cannot start, and keeps serving the page', async () => {
    const starting = coreStartedLater();
    shell = await startWebShell({ core: starting.core, rendererDir });
    const ws = await connect(shell, { cookie: await launch(shell) });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    starting.fail();
    expect(await closed).toEqual({ code: 1011, reason: 'Conclave could not start' });
    expect((await get(shell, '/')).status).toBe(200);
  });
});
