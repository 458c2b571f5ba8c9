/**
 * For pin-environment.test.ts: a process that takes the variable named on its
 * command line out of its own environment, as `conclave … --pin-env NAME`
 * does at its start (takePinVariable), then reports, as one line of JSON,
 * what is left of it: in process.env, in its environment block as the kernel
 * shows it (/proc/self/environ, the memory exec wrote it to), in a child
 * process and in a worker thread it starts afterwards; and the PIN's bytes
 * as taken (hex), which the test compares.
 *
 * Run with: node --import tsx take-pin-variable.ts NAME
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { takePinVariable } from '../../../electron/cli/pin';

const name = process.argv[2]!;
const { pinVariable, env } = takePinVariable(name, process.env);
const pin = pinVariable.copy();
const taken = pin?.toString('hex') ?? null;
pin?.fill(0);

const child = spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(process.env[${JSON.stringify(name)}] ?? null))`], { encoding: 'utf8' });
const inWorker = await new Promise<unknown>((resolve, reject) => {
  const worker = new Worker(`require('node:worker_threads').parentPort.postMessage(process.env[${JSON.stringify(name)}] ?? null)`, { eval: true });
  worker.once('message', resolve);
  worker.once('error', reject);
});

process.stdout.write(
  `${JSON.stringify({
    taken,
    sameEnvironment: env === process.env,
    inProcessEnv: name in process.env,
    // Hex, so that this report itself does not spell the PIN.
    environmentBlock: readFileSync('/proc/self/environ').toString('hex'),
    inChild: JSON.parse(child.stdout) as unknown,
    inWorker,
  })}\n`,
);
pinVariable.forget();
