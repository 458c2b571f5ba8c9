/**
 * Where the artifacts opened on this machine are (issue 11): the verify
 * command after publishing names them by absolute path while they are still
 * there, and not once they moved or changed.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactLocations } from '../../electron/core/ceremony/artifact-locations';

const id = 'c-20261122-abcdefghij';
const digest = 'a'.repeat(64);
let dir: string;
let locations: ArtifactLocations;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-locations-'));
  locations = new ArtifactLocations(join(dir, 'data'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ArtifactLocations', () => {
  it('gives the absolute path of an artifact still where it was opened, recorded from a relative path', async () => {
    const file = join(dir, 'My Release é', 'app.tgz');
    mkdirSync(join(dir, 'My Release é'));
    writeFileSync(file, 'twelve bytes');
    await locations.record(id, [{ name: 'app.tgz', path: relative(process.cwd(), file), size: 12, sha256: digest }]);
    const found = await locations.locate(id, [{ name: 'app.tgz', digest: { sha256: digest } }]);
    expect(found.get('app.tgz')).toBe(file);
  });

  it('leaves out an artifact that moved, changed size, or has another digest, and knows nothing of other ceremonies', async () => {
    const file = join(dir, 'app.tgz');
    writeFileSync(file, 'twelve bytes');
    await locations.record(id, [{ name: 'app.tgz', path: file, size: 12, sha256: digest }]);
    expect((await locations.locate(id, [{ name: 'app.tgz', digest: { sha256: 'b'.repeat(64) } }])).size).toBe(0);
    expect((await locations.locate('c-20261122-klmnopqrst', [{ name: 'app.tgz', digest: { sha256: digest } }])).size).toBe(0);
    writeFileSync(file, 'thirteen bytes');
    expect((await locations.locate(id, [{ name: 'app.tgz', digest: { sha256: digest } }])).size).toBe(0);
    writeFileSync(file, 'twelve bytes');
    renameSync(file, join(dir, 'moved.tgz'));
    expect((await locations.locate(id, [{ name: 'app.tgz', digest: { sha256: digest } }])).size).toBe(0);
  });

  it('treats an unreadable record as no record, and refuses a path that is not a ceremony id', async () => {
    await locations.record(id, []);
    writeFileSync(join(dir, 'data', 'artifact-locations', `${id}.json`), '{ not json');
    expect((await locations.locate(id, [{ name: 'app.tgz', digest: { sha256: digest } }])).size).toBe(0);
    await expect(locations.record('../escape', [])).rejects.toThrow(/not a ceremony id/);
  });
});
