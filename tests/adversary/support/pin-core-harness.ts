/**
 * The window's core in a process of its own, as the browser shell runs it
 * (its web shell on 127.0.0.1, token hosts forked with child_process.fork),
 * for pin-memory.test.ts. It prints "ready LAUNCH_ADDRESS" once the shell
 * listens; the test lets itself in with that address and makes its calls
 * over the shell's WebSocket as the window does. It stays alive between
 * calls so that its memory, and its token hosts', can be read after a
 * signature. Standard input closing ends it.
 *
 * A line "sign KEY_URI PIN_FILE" on standard input instead signs with the
 * token service directly, the PIN read from the file as bytes (no JavaScript
 * string of it is ever made): the core's own path to the host, without the
 * API.
 *
 * Run with: node --import tsx pin-core-harness.ts DATA_DIR STORE_DIR MODULE_PATH SOFTHSM2_CONF
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../../electron/core/create-core';
import { pinBuffer } from '../../../electron/core/pin-bytes';
import { startWebShell } from '../../../electron/web/server';

const [dataDir, storeDir, modulePath, softhsmConf] = process.argv.slice(2);
if (!dataDir || !storeDir || !modulePath || !softhsmConf) throw new Error('usage: pin-core-harness.ts DATA_DIR STORE_DIR MODULE_PATH SOFTHSM2_CONF');

const core = createCore({ dataDir, storeDir, shell: 'browser', version: 'test', modules: [{ path: modulePath, env: { SOFTHSM2_CONF: softhsmConf } }] });
await core.ready;
const rendererDir = mkdtempSync(join(tmpdir(), 'conclave-pin-renderer-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Conclave</title>');
const shell = await startWebShell({ core, rendererDir });
process.stdout.write(`ready ${shell.launchAddress()}\n`);

let pending = Buffer.alloc(0);
process.stdin.on('data', (chunk: Buffer) => {
  pending = Buffer.concat([pending, chunk]);
  for (let end = pending.indexOf(0x0a); end !== -1; end = pending.indexOf(0x0a)) {
    const line = pending.subarray(0, end);
    pending = pending.subarray(end + 1);
    if (line.subarray(0, 5).toString() === 'sign ') {
      const [keyUri, pinFile] = line.subarray(5).toString().split(' ') as [string, string];
      const pin = pinBuffer(256);
      const fd = openSync(pinFile, 'r');
      const length = readSync(fd, pin);
      closeSync(fd);
      void core.tokens
        .signMany(keyUri, [Buffer.from('a message')], pin.subarray(0, length))
        .then(
          () => ({ ok: true }),
          (error: unknown) => ({ ok: false, error: String(error) }),
        )
        .then((answer) => {
          pin.fill(0);
          process.stdout.write(`${JSON.stringify(answer)}\n`);
        });
    }
  }
});
process.stdin.once('end', () => {
  void shell
    .close()
    .then(() => core.dispose())
    .then(() => {
      rmSync(rendererDir, { recursive: true, force: true });
      process.exit(0);
    });
});
