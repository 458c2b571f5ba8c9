/**
 * What the audit report (report.ts) shows of each ceremony besides its
 * detail: the verification result now, and the `conclave verify` commands
 * for its published files, every path absolute (issue 16).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifyCommands } from '../../../shared/cli/verify-command';
import type { CeremonyDetail } from '../../../shared/api/ceremony-schemas';
import type { ArtifactLocations } from './artifact-locations';
import type { CeremonyService } from './ceremony-service';
import { verifyCeremony } from './ceremony-verification';
import type { ReportCeremony } from './report';

/** Reports beyond this many ceremonies list the rest as a row each: a report of a year is read, not every ceremony in full. */
export const mostCeremoniesInFull = 200;

const fileSafe = (text: string) => text.replace(/[^A-Za-z0-9._@+-]+/g, '_');

export interface ReportSources {
  detail(id: string): Promise<CeremonyDetail>;
  reader: CeremonyService;
  now: () => Date;
  /** Where the window publishes (`<publishDir>/<name>-<version>`): the published files are looked for there. */
  publishDir?: string;
  artifactLocations?: ArtifactLocations;
}

/**
 * The `conclave verify` commands of a published ceremony, from the files in
 * the folder the window published it to, when they are there. A release
 * published elsewhere (`conclave ceremony publish --out DIR`) has none here:
 * the report then gives the audit command only.
 */
async function publishedCommands(detail: CeremonyDetail, sources: ReportSources): Promise<string[] | undefined> {
  if (!detail.published || !sources.publishDir) return undefined;
  const base = fileSafe(`${detail.release.name}-${detail.release.version}`);
  const folder = resolve(join(sources.publishDir, base));
  const envelopePath = join(folder, `${base}.intoto.dsse.json`);
  const policyPath = join(folder, `${base}.policy.json`);
  if (!existsSync(envelopePath) || !existsSync(policyPath)) return undefined;
  const bundlePaths = readdirSync(folder)
    .filter((name) => name.startsWith(`${base}.`) && name.endsWith('.sigstore.json') && name !== `${base}.vsa.sigstore.json`)
    .sort()
    .map((name) => join(folder, name));
  const files = detail.artifacts.filter((artifact) => artifact.reference === undefined);
  const located = sources.artifactLocations ? await sources.artifactLocations.locate(detail.id, files.map((artifact) => ({ name: artifact.name, digest: { sha256: artifact.sha256 } }))) : new Map<string, string>();
  return verifyCommands({
    policyPath,
    envelopePath,
    bundlePaths,
    files: files.map((artifact) => ({ name: artifact.name, ...(located.has(artifact.name) ? { path: located.get(artifact.name)! } : {}) })),
    images: detail.artifacts.flatMap((artifact) => (artifact.reference ? [artifact.reference] : [])),
  });
}

export async function reportCeremonies(ids: readonly string[], sources: ReportSources): Promise<ReportCeremony[]> {
  const ceremonies: ReportCeremony[] = [];
  for (const id of ids.slice(0, mostCeremoniesInFull)) {
    const detail = await sources.detail(id);
    const verification = await verifyCeremony(sources.reader, id, sources.now);
    const commands = await publishedCommands(detail, sources);
    ceremonies.push({ detail, verification, ...(commands ? { verifyCommands: commands } : {}) });
  }
  return ceremonies;
}
