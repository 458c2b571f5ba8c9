/**
 * The window's core in a process of its own, as the browser shell runs it
 * (token hosts forked with child_process.fork), for pin-memory.test.ts. It
 * reads one API call per line on standard input and parses it as the shell
 * parses a WebSocket frame (JSON text to object), answers each on standard
 * output, and stays alive between calls so that its memory, and its token
 * hosts', can be read after a signature. Standard input closing ends it.
 *
 * A line "sign KEY_URI PIN_FILE" instead signs with the token service
 * directly, the PIN read from the file as bytes (no JavaScript string of
 * it is ever made): the core's own path to the host, without the API's text.
 *
 * Run with: node --import tsx pin-core-harness.ts DATA_DIR STORE_DIR MODULE_PATH SOFTHSM2_CONF
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createCore } from '../../../electron/core/create-core';
import { dispatchCall } from '../../../electron/core/api/dispatch';
import { pinBuffer } from '../../../electron/core/pin-bytes';

const [dataDir, storeDir, modulePath, softhsmConf] = process.argv.slice(2);
if (!dataDir || !storeDir || !modulePath || !softhsmConf) throw new Error('usage: pin-core-harness.ts DATA_DIR STORE_DIR MODULE_PATH SOFTHSM2_CONF');

const core = createCore({ dataDir, storeDir, shell: 'browser', version: 'test', modules: [{ path: modulePath, env: { SOFTHSM2_CONF: softhsmConf } }] });
await core.ready;
process.stdout.write('ready\n');

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
      continue;
    }
    // As the browser shell takes a frame: JSON.parse(data.toString()).
    const { name, input } = JSON.parse(line.toString()) as { name: string; input: unknown };
    void dispatchCall(core.handlers, name, input).then((result) => {
      process.stdout.write(`${JSON.stringify(result.ok ? { ok: true } : { ok: false, error: result.error })}\n`);
    });
  }
});
process.stdin.once('end', () => {
  void core.dispose().then(() => process.exit(0));
});
