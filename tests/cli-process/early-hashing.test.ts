/**
 * An opening's artifacts start hashing before the command line has loaded
 * (electron/cli/start.ts, issue 11). What the first step reads from the
 * arguments must be what the opening will ask for, or nothing: a wrong
 * guess costs only time (the opening stops it and hashes itself), but a
 * guess where there should be none would hash files for a command that
 * never asked.
 */
import { describe, expect, it } from 'vitest';
import { artifactsToHashEarly } from '../../electron/cli/start';

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
