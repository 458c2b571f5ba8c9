/**
 * Tries left after a wrong PIN, as a script reading `conclave … --json` gets
 * them (issue 13): the coarse word and the number only where the token says
 * them. The real `conclave` process on a real SoftHSM2 token, which never
 * locks a PIN, so it must report no tries at all (the ykcs11 emulation's
 * counts are checked in emulation/ykcs11.test.ts).
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtCli, ends, runEnvironment } from '../cli-process/support';
import { makeDataDir, makeTokenFolder, type TokenFolder } from '../support/softhsm';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let env: Record<string, string>;

beforeEach(() => {
  expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
  folder = makeTokenFolder();
  folder.addToken('alice');
  home = makeDataDir();
  env = runEnvironment(folder, home.dir);
});

afterEach(() => {
  folder.cleanup();
  home.cleanup();
});

describe('a wrong PIN on SoftHSM2, through conclave --json', () => {
  it('exit 4, pin-incorrect, and neither a word nor a number of tries the token never gave', async () => {
    const run = await ends(env, ['keygen', 'pkcs11:token=alice;object=release', '--alg', 'ecdsa-p256', '--pin-env', 'WRONG_PIN', '--json'], 4);
    const { error } = JSON.parse(run.out) as { ok: false; error: Record<string, unknown> };
    expect(error).toMatchObject({ code: 'pin-incorrect', exitCode: 4 });
    expect(error.message).toBe('The PIN for token "alice" is wrong. Check it and try again.');
    expect(error).not.toHaveProperty('triesLeft');
    expect(error).not.toHaveProperty('triesLeftCount');
    expect(run.out + run.err).not.toContain('98765');
    // Nothing was made: the right PIN makes the key under that label.
    await ends(env, ['keygen', 'pkcs11:token=alice;object=release', '--alg', 'ecdsa-p256', '--pin-env', 'GOOD_PIN', '--json'], 0);
  });
});
