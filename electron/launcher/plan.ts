/**
 * Deciding how `npm start` opens Conclave: in Electron when its binary is
 * here (fetching it once if it is not), otherwise in the browser shell. Pure
 * functions over a file probe, so the decision is testable without either.
 */
import { join } from 'node:path';

export interface FileProbe {
  exists(path: string): boolean;
  /** The file's text, or undefined when it cannot be read. */
  readText(path: string): string | undefined;
}

/**
 * Where the Electron binary is, the way the electron package itself finds it
 * (path.txt names the executable inside dist/), or undefined when it is not
 * installed. Reading path.txt ourselves matters: requiring the electron
 * package would start a download with its output and stack traces on screen.
 */
export function locateElectronBinary(electronDir: string, files: FileProbe, overrideDistPath?: string): string | undefined {
  const pathFile = join(electronDir, 'path.txt');
  const executable = files.exists(pathFile) ? files.readText(pathFile)?.trim() : undefined;
  if (overrideDistPath) {
    const binary = join(overrideDistPath, executable || 'electron');
    return files.exists(binary) ? binary : undefined;
  }
  if (!executable) return undefined;
  const binary = join(electronDir, 'dist', executable);
  return files.exists(binary) ? binary : undefined;
}

export type LaunchPlan =
  | { shell: 'electron'; binary: string }
  /** `notice` is the one sentence the person reads about why. */
  | { shell: 'browser'; notice: string };

export const notices = {
  downloadFailed:
    'The Electron binary is not installed and could not be downloaded here, so Conclave opens in your browser instead.',
  downloadSkipped:
    'The Electron binary is not installed (and CONCLAVE_NO_ELECTRON=1 says not to download it), so Conclave opens in your browser instead.',
  startFailed: 'The Electron binary could not be started here, so Conclave opens in your browser instead.',
} as const;

export interface PlanInputs {
  locateElectron: () => string | undefined;
  /** One attempt to fetch the binary; resolves whether it succeeded. */
  downloadElectron: () => Promise<boolean>;
  env: Record<string, string | undefined>;
}

export async function planLaunch(inputs: PlanInputs): Promise<LaunchPlan> {
  const installed = inputs.locateElectron();
  if (installed) return { shell: 'electron', binary: installed };
  if (inputs.env.CONCLAVE_NO_ELECTRON === '1') return { shell: 'browser', notice: notices.downloadSkipped };

  const downloaded = await inputs.downloadElectron().catch(() => false);
  // A download that "succeeded" but left no binary behind is still a failure.
  const binary = downloaded ? inputs.locateElectron() : undefined;
  return binary ? { shell: 'electron', binary } : { shell: 'browser', notice: notices.downloadFailed };
}

/** The environment for Electron: ELECTRON_RUN_AS_NODE would make it run the app as a plain Node script. */
export function electronEnvironment(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const result = { ...env };
  delete result.ELECTRON_RUN_AS_NODE;
  return result;
}
