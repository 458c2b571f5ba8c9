/**
 * An opening's artifacts start hashing before the command line has loaded
 * (electron/cli/start.ts, issue 11). What the first step reads from the
 * arguments must be what the opening will ask for, or nothing: a wrong
 * guess costs only time (the opening stops it and hashes itself), but a
 * guess where there should be none would hash files for a command that
 * never asked.
 */
import { describe, expect, it } from 'vitest';
import { artifactsToHashEarly, tokenHostEnvironment } from '../../electron/cli/start';

describe('the files an opening hashes before the command line loads', () => {
  it('are its --artifact files, in order, in both spellings, with --sha512', () => {
    expect(artifactsToHashEarly(['ceremony', 'open', '--policy', 'p.json', '--artifact', 'a.tgz', '--release', 'app@1', '--artifact=b.tgz'])).toEqual({ paths: ['a.tgz', 'b.tgz'], sha512: false });
    expect(artifactsToHashEarly(['ceremony', 'open', '--sha512', '--artifact', 'a.tgz'])).toEqual({ paths: ['a.tgz'], sha512: true });
  });

  it('are none for any other command, or an opening without artifacts', () => {
    expect(artifactsToHashEarly(['digest', 'a.tgz'])).toBeUndefined();
    expect(artifactsToHashEarly(['ceremony', 'approve', 'c-1', '--artifact', 'a.tgz'])).toBeUndefined();
    expect(artifactsToHashEarly(['verify', '--artifact', 'a.tgz'])).toBeUndefined();
    expect(artifactsToHashEarly(['ceremony', 'open', '--image', 'registry.example/app@sha256:00'])).toBeUndefined();
  });

  it('are none where the reading is unsure or the command will not run: help, an option as the value, "--"', () => {
    expect(artifactsToHashEarly(['ceremony', 'open', '--artifact', 'a.tgz', '--help'])).toBeUndefined();
    expect(artifactsToHashEarly(['ceremony', 'open', '-h', '--artifact', 'a.tgz'])).toBeUndefined();
    expect(artifactsToHashEarly(['ceremony', 'open', '--artifact', '--release'])).toBeUndefined();
    expect(artifactsToHashEarly(['ceremony', 'open', '--artifact'])).toBeUndefined();
    expect(artifactsToHashEarly(['ceremony', 'open', '--', '--artifact', 'a.tgz'])).toBeUndefined();
  });
});

/**
 * A ceremony command that names a key starts its token host's thread before
 * the command line has loaded. The thread gets the command's environment
 * without its --pin-env variable: the PIN never reaches a thread's
 * environment, and the host started here must be the one the command's
 * token service would start (same environment), or it is not taken.
 */
describe('the token host a ceremony command starts before the command line loads', () => {
  const env = { HOME: '/home/alice', SOFTHSM2_CONF: '/etc/softhsm2.conf', RELEASE_PIN: '123456' };

  it('gets the environment without the --pin-env variable, in both spellings', () => {
    expect(tokenHostEnvironment(['ceremony', 'approve', 'c-1', '--key', 'pkcs11:token=alice', '--pin-env', 'RELEASE_PIN'], env)).toEqual({ HOME: '/home/alice', SOFTHSM2_CONF: '/etc/softhsm2.conf' });
    expect(tokenHostEnvironment(['ceremony', 'open', '--pin-env=RELEASE_PIN', '--key=pkcs11:token=alice'], env)).toEqual({ HOME: '/home/alice', SOFTHSM2_CONF: '/etc/softhsm2.conf' });
    // Without --pin-env the PIN is asked for on the terminal: the environment is the command's own.
    expect(tokenHostEnvironment(['ceremony', 'publish', 'c-1', '--key', 'pkcs11:token=alice'], env)).toBe(env);
  });

  it('never reads the --pin-env variable: its value would become a string in the memory of the command', () => {
    const read: string[] = [];
    // process.env makes a JavaScript string of a value when it is read: a getter stands for that here.
    const watched = { HOME: '/home/alice' } as NodeJS.ProcessEnv;
    Object.defineProperty(watched, 'RELEASE_PIN', { enumerable: true, get: () => (read.push('RELEASE_PIN'), '123456') });
    expect(tokenHostEnvironment(['ceremony', 'approve', 'c-1', '--key', 'pkcs11:token=alice', '--pin-env', 'RELEASE_PIN'], watched)).toEqual({ HOME: '/home/alice' });
    expect(read).toEqual([]);
  });

  it('is not started for commands that name no key, other commands, help, or arguments the reading is unsure of', () => {
    expect(tokenHostEnvironment(['ceremony', 'show', 'c-1'], env)).toBeUndefined();
    expect(tokenHostEnvironment(['keys', '--key', 'pkcs11:token=alice'], env)).toBeUndefined();
    expect(tokenHostEnvironment(['ceremony', 'approve', '--key', 'pkcs11:token=alice', '--help'], env)).toBeUndefined();
    expect(tokenHostEnvironment(['ceremony', 'approve', '--', '--key', 'pkcs11:token=alice'], env)).toBeUndefined();
    // "--pin-env" followed by an option: not a variable name, so not a guess this reading makes.
    expect(tokenHostEnvironment(['ceremony', 'approve', '--key', 'pkcs11:token=alice', '--pin-env', '--json'], env)).toBeUndefined();
  });
});
