/**
 * A PIN given with --pin-env is read by the command and nowhere else (issue
 * 12, point 6). runCli takes the variable out of the command's environment
 * before anything else runs (takePinVariable): the command keeps the PIN as
 * bytes, and no thread or process it starts (token hosts, hashing, git)
 * inherits the variable. In the process's own environment the value is also
 * overwritten in the block exec wrote it to, which otherwise keeps it for the
 * life of the process (/proc/PID/environ shows that block).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { environmentBounds } from '../../electron/core/initial-environment';
import { pinFor, takePinVariable } from '../../electron/cli/pin';
import { parsePkcs11Uri } from '../../shared/pkcs11/uri';

const takingProcess = fileURLToPath(new URL('./support/take-pin-variable.ts', import.meta.url));
const uri = parsePkcs11Uri('pkcs11:token=alice');

describe('--pin-env', () => {
  it('takes the PIN as bytes; the environment the command goes on with has no such variable, the rest is kept, and the given one is untouched', async () => {
    const given: NodeJS.ProcessEnv = { PATH: '/usr/bin', RELEASE_PIN: '123456', SOFTHSM2_CONF: '/x.conf' };
    const { pinVariable, env } = takePinVariable('RELEASE_PIN', given);
    expect(env).toEqual({ PATH: '/usr/bin', SOFTHSM2_CONF: '/x.conf' });
    expect(given.RELEASE_PIN).toBe('123456');
    // Each use gets a copy of its own, which it overwrites; a second signature in the same command still finds the PIN.
    const first = await pinFor({ uri, pinVariable, tokenLabel: 'alice' });
    expect(first).toEqual(Buffer.from('123456'));
    first.fill(0);
    await expect(pinFor({ uri, pinVariable, tokenLabel: 'alice' })).resolves.toEqual(Buffer.from('123456'));
    // The command's end overwrites what it kept.
    pinVariable.forget();
    await expect(pinFor({ uri, pinVariable, tokenLabel: 'alice' })).resolves.toEqual(Buffer.alloc(6));
  });

  it('a variable that is not set (or empty) is reported when the PIN is needed, naming the variable', async () => {
    for (const env of [{ PATH: '/usr/bin' }, { PATH: '/usr/bin', RELEASE_PIN: '' }]) {
      const { pinVariable } = takePinVariable('RELEASE_PIN', env);
      await expect(pinFor({ uri, pinVariable, tokenLabel: 'alice' })).rejects.toMatchObject({ code: 'pin-required', message: expect.stringContaining('RELEASE_PIN') });
    }
  });

  it.runIf(process.platform === 'linux')(
    "from the process's own environment: the variable is gone from process.env, its value overwritten in the environment block, and neither a child process nor a worker started afterwards gets it",
    () => {
      const pin = `Pn${randomBytes(17).toString('base64url')}`;
      const report = JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', takingProcess, 'DAVE_PIN'], { env: { ...process.env, DAVE_PIN: pin, AFTER_PIN: 'kept' }, encoding: 'utf8' }),
      ) as { taken: string; sameEnvironment: boolean; inProcessEnv: boolean; environmentBlock: string; inChild: unknown; inWorker: unknown };
      expect(Buffer.from(report.taken, 'hex').toString()).toBe(pin);
      expect(report.sameEnvironment).toBe(true);
      expect(report.inProcessEnv).toBe(false);
      const block = Buffer.from(report.environmentBlock, 'hex');
      expect(block.includes(Buffer.from(pin))).toBe(false);
      // Only the value is overwritten: the block is otherwise as exec wrote it (the variable after it is intact).
      expect(block.includes(Buffer.from('DAVE_PIN=\0'))).toBe(true);
      expect(block.includes(Buffer.from('AFTER_PIN=kept\0'))).toBe(true);
      expect(report.inChild).toBeNull();
      expect(report.inWorker).toBeNull();
    },
  );

  it('finds the environment block in /proc/PID/stat, whatever the command name holds', () => {
    const fields = (name: string) => `1234 (${name}) S ${Array.from({ length: 49 }, (_, index) => (index === 46 ? 140_000_000 : index === 47 ? 140_004_096 : index)).join(' ')}`;
    expect(environmentBounds(fields('node'))).toEqual({ start: 140_000_000, end: 140_004_096 });
    expect(environmentBounds(fields('a) b (c'))).toEqual({ start: 140_000_000, end: 140_004_096 });
    // An older kernel without the fields, or one that hides them (zeros): nothing to overwrite.
    expect(environmentBounds('1234 (node) S 1 2 3')).toBeUndefined();
    expect(environmentBounds(fields('node').replace(/140000000 140004096/, '0 0'))).toBeUndefined();
  });
});
