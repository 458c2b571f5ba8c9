/** How the Open screen puts things into words. Pure functions: components call them, tests check them. */
import type { OperationProgress, PolicySummary } from '../../../../shared/api/contract';
import { parseImageReference } from '../../../../shared/oci/reference';
import { formatBytes } from '../../components/files';

/** Where a chosen path goes; also the files.pick purpose. */
export type PathField = 'artifacts' | 'provenance' | 'sbom' | 'policy';

export const pickMultiple: Record<PathField, boolean> = { artifacts: true, provenance: true, sbom: false, policy: false };

export const browseTitle: Record<PathField, string> = {
  artifacts: 'Choose artifacts',
  provenance: 'Choose provenance',
  sbom: 'Choose the SBOM',
  policy: 'Choose a policy file',
};

export const dropUnavailableText = 'Drag and drop works in the desktop app; use Browse… or type the path.';

/** An id the window chooses for the open call, so it can follow that call's progress and cancel it. */
export function newOperationId(random: () => string = () => crypto.randomUUID()): string {
  return `open-${random().replace(/-/g, '')}`.slice(0, 64);
}

/** A policy as the picker shows it: its name (or file) and what it asks for, in words. */
export function policyLabel(policy: PolicySummary): string {
  const name = policy.name?.trim() || policy.path.split(/[\\/]/).pop() || policy.path;
  return `${name}: ${policy.description}`;
}

export interface ProgressView {
  /** 0..1, or undefined while the total is not known yet. */
  fraction: number | undefined;
  text: string;
}

/** "12.0 MB of 40.0 MB (30%), 1 of 3 files hashed". */
export function progressView(progress: OperationProgress | undefined): ProgressView {
  if (!progress) return { fraction: undefined, text: 'Starting…' };
  const fraction = progress.bytesTotal > 0 ? Math.min(1, progress.bytesDone / progress.bytesTotal) : progress.filesTotal > 0 ? progress.filesDone / progress.filesTotal : undefined;
  const percent = fraction === undefined ? '' : ` (${Math.floor(fraction * 100)}%)`;
  const files = `${progress.filesDone} of ${progress.filesTotal} file${progress.filesTotal === 1 ? '' : 's'} hashed`;
  return { fraction, text: `${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}${percent}, ${files}` };
}

/** The shape an image reference must have, as the Images field's hint says it. */
export const imageShapeHint = 'registry/repository:tag or @sha256:…';

/** The image references typed in the Images field: one per line, blank lines and repeats left out. */
export function imageLines(text: string): string[] {
  return [...new Set(text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean))];
}

/** The first typed line that is not an image reference, with what is wrong; undefined when every line is one. */
export function invalidImage(images: readonly string[]): string | undefined {
  for (const image of images) {
    try {
      parseImageReference(image);
    } catch {
      return `“${image}” is not an image reference. Write ${imageShapeHint} (for example ghcr.io/acme/app:1.2.3).`;
    }
  }
  return undefined;
}
