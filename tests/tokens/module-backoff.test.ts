/**
 * A module that crashes its token host at load is started again after a
 * back-off that grows with each crash (issue 13: it was restarted at once,
 * 47 times in 20 s, a whole core busy), and no more once the service is
 * disposed. The module is a real shared library, built here with cc, whose
 * constructor ends the process the moment the host loads it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkHostLauncher, type HostLauncher } from '../../electron/core/tokens/host-process';
import { TokenService } from '../../electron/core/tokens/token-service';

const hasCc = spawnSync('cc', ['--version']).status === 0;

describe.skipIf(!hasCc)('a module that crashes at load', () => {
  let dir: string;
  let library: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-crashing-module-'));
    library = join(dir, 'libcrashing-pkcs11.so');
    const source = join(dir, 'crashing.c');
    // Ends the process while the dynamic loader runs constructors: before C_GetFunctionList is ever called.
    writeFileSync(source, '#include <unistd.h>\n__attribute__((constructor)) static void crash(void) { _exit(70); }\nvoid *C_GetFunctionList(void) { return 0; }\n');
    const built = spawnSync('cc', ['-shared', '-fPIC', '-o', library, source], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`cc failed: ${built.stderr}`);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is started again after a growing back-off, each crash one retry, and never after dispose', async () => {
    let launches = 0;
    const launcher: HostLauncher = (options) => {
      launches += 1;
      return forkHostLauncher(options);
    };
    const asked: number[] = [];
    let third!: () => void;
    const thirdRetry = new Promise<void>((resolve) => (third = resolve));
    // The service asks how long to wait before each start again; the test answers at once and counts the asks.
    const service = new TokenService(launcher, process.env, undefined, undefined, {
      retryDelayMs: (attempt) => {
        asked.push(attempt);
        if (attempt === 3) third();
        return 10;
      },
    });
    const entry = await service.addModule({ path: library, origin: 'added' });
    expect(entry.status).toBe('failed');
    expect(entry.error?.code).toBe('token-error');
    expect(entry.error?.message).toMatch(/stopped unexpectedly \(exit code 70\)/);
    await thirdRetry;
    await service.dispose();
    const launchedAtDispose = launches;
    // Each crash led to one retry (the failed start and the host's exit do not each schedule one), counted up for the back-off.
    expect(asked).toEqual(asked.map((_, index) => index + 1));
    expect(launches).toBeGreaterThanOrEqual(asked.length);
    expect(launches).toBeLessThanOrEqual(asked.length + 1);
    // Nothing starts after dispose: wait for what a pending retry would have needed, and more.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(launches).toBe(launchedAtDispose);
  });
});
