/**
 * Where this machine's artifact files were when a ceremony was opened here
 * (issue 11: the verify command the window prints after publishing must run
 * as copied, so it names each artifact by absolute path). The signed opening
 * records artifacts by file name only: it travels to other machines, where
 * the path would mean nothing. So the paths stay here, in the data folder,
 * outside the shared store, one small file per ceremony, and are trusted for
 * nothing but printing a command: `conclave verify` hashes the file it is
 * given either way.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { verifyCommand } from '../../../shared/cli/verify-command';
import { ceremonyIdPattern } from '../../../shared/ceremony/events';
import { writeFileAtomically } from '../atomic-file';

const LocationFile = z.object({
  artifacts: z.array(z.object({ name: z.string().min(1), path: z.string().min(1), size: z.number().int().nonnegative(), sha256: z.string() })).max(10_000),
});

export interface ArtifactLocation {
  /** The name the opening records (the file's base name). */
  name: string;
  path: string;
  size: number;
  sha256: string;
}

export class ArtifactLocations {
  constructor(private readonly dataDir: string) {}

  private file(ceremonyId: string): string {
    // The id names a file: only ever one of the store's own ids.
    if (!ceremonyIdPattern.test(ceremonyId)) throw new Error(`not a ceremony id: ${ceremonyId}`);
    return join(this.dataDir, 'artifact-locations', `${ceremonyId}.json`);
  }

  /** Remembers where the artifacts of a ceremony just opened are; paths are made absolute against this process's folder. */
  async record(ceremonyId: string, artifacts: readonly ArtifactLocation[]): Promise<void> {
    const document = { artifacts: artifacts.map((artifact) => ({ ...artifact, path: resolve(artifact.path) })) };
    await writeFileAtomically(this.file(ceremonyId), `${JSON.stringify(document, null, 2)}\n`);
  }

  /**
   * The absolute path of each artifact that is still where it was at opening:
   * the same name and digest recorded, and a file of the recorded size there
   * now (not hashed again: it may be gigabytes, and verifying hashes it).
   * Artifacts opened on another machine, or moved since, are left out.
   */
  async locate(ceremonyId: string, artifacts: readonly { name: string; digest: { sha256: string } }[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    let recorded: z.infer<typeof LocationFile>['artifacts'];
    try {
      recorded = LocationFile.parse(JSON.parse(await readFile(this.file(ceremonyId), 'utf8'))).artifacts;
    } catch {
      return found; // never opened here, or a record that cannot be read: no paths, only placeholders
    }
    for (const artifact of artifacts) {
      const entry = recorded.find((candidate) => candidate.name === artifact.name && candidate.sha256 === artifact.digest.sha256);
      if (!entry) continue;
      try {
        const file = await stat(entry.path);
        if (file.isFile() && file.size === entry.size) found.set(artifact.name, entry.path);
      } catch {
        // moved or deleted since the opening
      }
    }
    return found;
  }
}

/**
 * The `conclave verify` command for a publication, as the window and the CLI
 * print it: every path absolute (issue 11), each artifact by the path this
 * machine recorded at opening, and the names of those it could not find
 * (opened elsewhere, or moved since), which get a placeholder.
 */
export async function publishedVerifyCommand(
  locations: ArtifactLocations,
  ceremonyId: string,
  artifacts: readonly { name: string; reference?: unknown; digest: { sha256: string } }[],
  published: { policyPath: string; envelopePath: string; bundlePaths: readonly string[]; registry: readonly { image: string }[] },
): Promise<{ command: string; unlocated: string[] }> {
  const files = artifacts.filter((artifact) => artifact.reference === undefined);
  const located = await locations.locate(ceremonyId, files);
  const command = verifyCommand({
    policyPath: resolve(published.policyPath),
    envelopePath: resolve(published.envelopePath),
    bundlePaths: published.bundlePaths.map((path) => resolve(path)),
    files: files.map((artifact) => ({ name: artifact.name, ...(located.has(artifact.name) ? { path: located.get(artifact.name)! } : {}) })),
    images: published.registry.map((entry) => entry.image),
  });
  return { command, unlocated: files.filter((artifact) => !located.has(artifact.name)).map((artifact) => artifact.name) };
}
