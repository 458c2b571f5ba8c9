/**
 * A module whose C_Initialize crashes the process that loads it (issue 13:
 * "restarted without pause: 47 crashes in 20 s, a whole core busy"),
 * emulated (tests/support/pkcs11-emulation, SIGSEGV in C_Initialize). Every
 * start is counted by the module itself, in a file, before it crashes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { forkHostLauncher } from '../../../electron/core/tokens/host-process';
import { backoffDelayMs, TokenService } from '../../../electron/core/tokens/token-service';
import { makeEmulationLab, type EmulationLab } from '../../support/pkcs11-emulation';
import { makeDataDir } from '../../support/softhsm';
import { assertBuilt, cliEnvironment, conclaveWatching, hangBoundMs } from './support';

let lab: EmulationLab;
let home: ReturnType<typeof makeDataDir>;
let crashLog: string;
const starts = () => readFileSync(crashLog, 'utf8').split('\n').filter(Boolean).length;

beforeAll(() => {
  assertBuilt();
  lab = makeEmulationLab();
  lab.addYubiKey({ serial: 34567890, holder: 'erin' });
});

afterAll(() => lab?.cleanup());

beforeEach(() => {
  home = makeDataDir();
  crashLog = `${home.dir}/crash.log`;
  writeFileSync(crashLog, '');
  return () => home.cleanup();
});

describe('a module that crashes when it starts', () => {
  it('is started again later and later (back-off), each crash counting as one more failure in a row', async () => {
    // The waits the service asks for are recorded and shortened, so the test sees four restarts without waiting minutes.
    const asked: number[] = [];
    const tokens = new TokenService(forkHostLauncher, { ...process.env, ...lab.env('crash', { PKCS11_EMULATION_CRASH_LOG: crashLog }) }, undefined, undefined, {
      retryDelayMs: (attempt) => {
        asked.push(attempt);
        return 20;
      },
    });
    try {
      const fourRetries = new Promise<void>((resolve) => {
        const stop = tokens.onEvent(() => {
          if (asked.length >= 4) {
            stop();
            resolve();
          }
        });
      });
      await tokens.addModule({ path: lab.modules.crash, origin: 'discovered' });
      await fourRetries;
      const [module] = tokens.snapshotModules();
      expect(module!.status).toBe('failed');
      // Attempt numbers keep growing: a crash at load is never taken as a fresh start, so the real waits double.
      expect(asked.slice(0, 4)).toEqual([1, 2, 3, 4]);
      expect(asked.slice(0, 4).map(backoffDelayMs)).toEqual([1000, 2000, 4000, 8000]);
      expect(starts()).toBeGreaterThanOrEqual(4);
    } finally {
      await tokens.dispose();
    }
  });

  // `conclave tokens` starts every module of the machine, each in a process of its own (command-tokens.ts
  // machineTokens; commands that sign keep their one module in a thread): a SIGSEGV ends that host, not the command.
  it('conclave tokens still lists the YubiKey and reports the crashing module as failed', async () => {
    const env = cliEnvironment(lab, home.dir, ['crash', 'ykcs11'], { PKCS11_EMULATION_CRASH_LOG: crashLog });
    const run = await conclaveWatching(['tokens'], env);
    expect(run.hung, `did not end within ${hangBoundMs / 1000} s`).toBe(false);
    expect(run.signal).toBeNull();
    expect(run.out).toMatch(/YubiKey PIV #34567890/);
    expect(run.out).toMatch(/libcrash-pkcs11\.so[^\n]*\n {2}failed: /);
    expect(starts()).toBeGreaterThanOrEqual(1);
  });
});
