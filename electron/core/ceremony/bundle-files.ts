/**
 * Bundle files for the window (issue 5, "the same from the window"): the
 * paths come from the renderer, which the core does not trust. So an export
 * writes only a new bundle file, named by the core, into an existing folder
 * given from the root, and never replaces a file that is there; an import
 * reads only the one regular file it was given, through readCeremonyBundle's
 * limits.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, rm, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { BundleImportReport } from '../../../shared/api/ceremony-schemas';
import { bundleFileExtension, eventFileNamePattern } from '../../../shared/ceremony/bundle-format';
import type { CeremonyEventType } from '../../../shared/ceremony/events';
import { ConclaveError } from '../../../shared/errors';
import { syncFolder } from '../atomic-file';
import { exportCeremonyBundle, importCeremonyBundle, isConflict, readCeremonyBundle, type ExportResult, type ImportReport } from './bundle';
import type { CeremonyService } from './ceremony-service';

/** A file name part from a release's words: no separators, no leading dot, nothing a shell or a FAT stick would trip on. */
function namePart(text: string, max: number): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._@+-]+/g, '_')
    .replace(/^[.]+/, '')
    .slice(0, max);
  return cleaned || 'release';
}

/** `<release>-<version>.<ceremony id>.conclave-bundle.json`; the second and later copies in one folder get `-2`, `-3`… after the id. */
export function bundleFileName(release: { name: string; version: string }, ceremonyId: string, copy = 1): string {
  return `${namePart(release.name, 80)}-${namePart(release.version, 40)}.${ceremonyId}${copy > 1 ? `-${copy}` : ''}${bundleFileExtension}`;
}

export interface WrittenBundle extends ExportResult {
  path: string;
  fileName: string;
}

const unsupportedLink = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EINVAL']);
const errorCode = (error: unknown): string | undefined => (error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined);

/**
 * Places a finished temporary file under a name that must not exist yet.
 * A hard link is atomic and fails when the name is taken, so a reader never
 * sees half a bundle and nothing is ever replaced. FAT and exFAT (most USB
 * sticks, the usual way to an air-gapped laptop) have no hard links: there an
 * exclusive copy still never replaces a file.
 */
async function placeWithoutReplacing(temporary: string, target: string): Promise<boolean> {
  try {
    await link(temporary, target);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') return false;
    if (!code || !unsupportedLink.has(code)) throw error;
  }
  try {
    await copyFile(temporary, target, constants.COPYFILE_EXCL);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Exports a ceremony into a folder as a new bundle file. `dir` is the
 * person's choice and must exist; `defaultDir` (the data folder's exports/)
 * is made when missing.
 */
export async function writeBundleToFolder(service: CeremonyService, ceremonyId: string, dir: string | undefined, defaultDir: string): Promise<WrittenBundle> {
  const folder = dir ?? defaultDir;
  if (!isAbsolute(folder)) throw new ConclaveError('invalid-input', `“${folder}” is not a full path. Choose the folder again, or type it from the root.`);
  if (dir === undefined) await mkdir(defaultDir, { recursive: true });
  let info;
  try {
    info = await stat(folder);
  } catch {
    throw new ConclaveError('invalid-input', `There is no folder ${folder}. Choose an existing folder (plug the USB stick in first).`);
  }
  if (!info.isDirectory()) throw new ConclaveError('invalid-input', `${folder} is a file, not a folder. Choose the folder to write the bundle into.`);

  const result = await exportCeremonyBundle(service, ceremonyId);
  const { release } = result.bundle.summary;
  const temporary = join(folder, `.${randomBytes(6).toString('hex')}.conclave-bundle.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(result.text);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(temporary, { force: true });
    throw new ConclaveError('invalid-input', `Conclave cannot write a bundle in ${folder} (${errorCode(error) ?? (error instanceof Error ? error.message : String(error))}). Check the folder is writable and has room.`);
  }
  try {
    for (let copy = 1; copy <= 1000; copy += 1) {
      const fileName = bundleFileName(release, ceremonyId, copy);
      const path = join(folder, fileName);
      if (await placeWithoutReplacing(temporary, path)) {
        await syncFolder(folder).catch(() => undefined);
        return { ...result, path, fileName };
      }
    }
    throw new ConclaveError('invalid-input', `${folder} already holds 1000 bundles of ceremony ${ceremonyId}. Choose another folder.`);
  } catch (error) {
    if (error instanceof ConclaveError) throw error;
    throw new ConclaveError('invalid-input', `Conclave cannot write the bundle into ${folder} (${errorCode(error) ?? (error instanceof Error ? error.message : String(error))}).`);
  } finally {
    await rm(temporary, { force: true });
  }
}

/** Reads the one file asked for, only when it is a regular file: a FIFO or a device would block or never end. */
export async function readBundleFile(path: string) {
  if (!isAbsolute(path)) throw new ConclaveError('invalid-input', `“${path}” is not a full path. Choose the bundle again, or type its path from the root.`);
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new ConclaveError('invalid-input', `There is no file ${path}. Check the path, or plug in the USB stick that holds it.`);
  }
  if (!info.isFile()) throw new ConclaveError('invalid-input', `${path} is not a file. Choose the bundle file itself (…${bundleFileExtension}).`);
  return readCeremonyBundle(path);
}

export async function importBundleFile(service: CeremonyService, path: string): Promise<ImportReport> {
  return importCeremonyBundle(service, await readBundleFile(path));
}

const typeInName = new RegExp(`-(${['opened', 'frozen', 'approved', 'rejected', 'cancelled', 'published'].join('|')})-[0-9a-f]{16}\\.json$`);

/** The import report as the window receives it. */
export function reportForWindow(report: ImportReport): BundleImportReport {
  const { view } = report;
  return {
    ceremonyId: report.ceremonyId,
    newCeremony: report.newCeremony,
    ...(report.policyDigest ? { policyDigest: report.policyDigest } : {}),
    ...(view ? { release: { name: view.release.name, version: view.release.version }, state: view.state, ...(view.tally ? { tally: view.tally } : {}) } : {}),
    added: report.added.map((added) => ({ name: added.name, type: added.type, ...(added.by ? { by: added.by } : {}) })),
    skipped: report.skipped,
    refused: report.refused.map((refusal) => {
      const type = eventFileNamePattern.test(refusal.name) ? (typeInName.exec(refusal.name)?.[1] as CeremonyEventType | undefined) : undefined;
      return { name: refusal.name, ...(type ? { type } : {}), code: refusal.code, reason: refusal.reason, conflict: isConflict(refusal) };
    }),
    evidence: { added: report.evidence.added.length, skipped: report.evidence.skipped.length, refused: report.evidence.refused.map(({ name, code, reason }) => ({ name, code, reason })) },
    notes: report.notes,
  };
}
