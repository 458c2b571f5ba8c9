/**
 * A PIN given with --pin-env is read by the command and nowhere else (issue
 * 12, point 6): the token hosts a command starts get its environment without
 * that variable. Checked at the seam every token host is made from.
 */
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../electron/cli/io';
import { pinFor, withoutPinVariable } from '../../electron/cli/pin';
import { parsePkcs11Uri } from '../../shared/pkcs11/uri';

const io: CliIo = { out: () => undefined, err: () => undefined, env: { PATH: '/usr/bin', RELEASE_PIN: '123456', SOFTHSM2_CONF: '/x.conf' }, interactive: false };

describe('--pin-env', () => {
  it('the command reads the PIN; the environment token hosts get has no such variable, and the rest is kept', async () => {
    await expect(pinFor({ uri: parsePkcs11Uri('pkcs11:token=alice'), pinEnv: 'RELEASE_PIN', tokenLabel: 'alice', env: io.env })).resolves.toEqual(Buffer.from('123456'));
    const forHosts = withoutPinVariable(io, 'RELEASE_PIN');
    expect(forHosts.env).toEqual({ PATH: '/usr/bin', SOFTHSM2_CONF: '/x.conf' });
    expect(Object.values(forHosts.env)).not.toContain('123456');
    // The command's own environment is untouched: a second signature in the same command still finds it.
    expect(io.env.RELEASE_PIN).toBe('123456');
    expect(withoutPinVariable(io, undefined)).toBe(io);
  });
});
