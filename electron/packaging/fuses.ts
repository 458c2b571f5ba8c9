/**
 * The Electron fuses of the packaged app (issue 12, point 7). Fuses are bits
 * in the Electron binary itself, read before any of our code runs; the
 * defaults leave the binary usable as a plain Node.js (RunAsNode), let
 * NODE_OPTIONS and --inspect run any code in the main process, and load an
 * app from outside app.asar without checking it. Any of these turns local
 * access, or a compromised renderer that reaches a process launch, into
 * code running as Conclave with its token access.
 *
 * Packaging must apply them: electron-builder's afterPack hook
 * (scripts/after-pack.js) runs `npm run package:fuses -- <binary>`, before
 * signing, since flipping a fuse changes the binary. See docs/packaging.md.
 */
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire, type FuseV1Config } from '@electron/fuses';

/**
 * Every fuse Electron 45 has, each set explicitly. strictlyRequireAllFuses makes packaging fail on an Electron
 * with a fuse this list does not name, so a new fuse is decided on rather than left at its default.
 */
export const conclaveFuses = {
  version: FuseVersion.V1,
  strictlyRequireAllFuses: true,
  // ELECTRON_RUN_AS_NODE would make the signed binary a general Node.js. Token hosts are utility processes: not needed.
  [FuseV1Options.RunAsNode]: false,
  // Cookies and other Chromium secrets encrypted with the OS keystore. Conclave keeps none, but nothing should be in clear.
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS (--require, --import) would run any script in the main process before ours.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  // --inspect and friends would open a debugger port into the main process.
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // app.asar checked against the hash embedded at packaging (macOS and Windows; Electron has no check on Linux).
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  // Only app.asar, never a loose app/ folder or default_app beside it: the integrity check cannot be walked around.
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // Electron's default (off): Conclave ships no V8 snapshot of its own.
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // The page comes from app://conclave/, not file://, so file:// keeps no extra privileges (fetch, service workers…).
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  // Electron's default (on): WebAssembly bounds checks through trap handlers; switching it off gains no security.
  [FuseV1Options.WasmTrapHandlers]: true,
} as const satisfies FuseV1Config;

export type FuseName = Exclude<keyof typeof FuseV1Options, `${number}`>;

/** The configured fuses by name, e.g. { RunAsNode: false, ... }. */
export function conclaveFusesByName(): Record<FuseName, boolean> {
  const byName = {} as Record<FuseName, boolean>;
  for (const [name, index] of Object.entries(FuseV1Options)) {
    if (typeof index !== 'number') continue;
    const value = (conclaveFuses as Partial<Record<number, boolean>>)[index];
    if (value !== undefined) byName[name as FuseName] = value;
  }
  return byName;
}

export interface FuseTools {
  flipFuses: typeof flipFuses;
  getCurrentFuseWire: typeof getCurrentFuseWire;
}

/**
 * Sets Conclave's fuses on a packaged Electron binary (Foo.app, Foo.exe, or the Linux executable), then reads
 * them back: a fuse that is not in the state asked for (one Electron marked as removed, say) is an error.
 */
export async function applyConclaveFuses(
  binaryPath: string,
  options: { platform: NodeJS.Platform; tools?: FuseTools },
): Promise<void> {
  const tools = options.tools ?? { flipFuses, getCurrentFuseWire };
  // On macOS an ad-hoc signature no longer matches once a fuse is flipped: sign it again (electron-builder signs for real later).
  await tools.flipFuses(binaryPath, { ...conclaveFuses, resetAdHocDarwinSignature: options.platform === 'darwin' });
  const wire = await tools.getCurrentFuseWire(binaryPath);
  const wrong = Object.entries(conclaveFusesByName()).filter(([name, wanted]) => {
    const state = (wire as Partial<Record<number, number>>)[FuseV1Options[name as FuseName]];
    return state !== (wanted ? fuseOn : fuseOff);
  });
  if (wrong.length > 0) {
    throw new Error(`These fuses did not take in ${binaryPath}: ${wrong.map(([name]) => name).join(', ')}. Do not ship this build.`);
  }
}

/** How a fuse's state is written in the binary: ASCII '1' and '0' (FuseState.ENABLE and DISABLE in @electron/fuses). */
const fuseOn = 0x31;
const fuseOff = 0x30;

const usage = 'Usage: npm run package:fuses -- <packaged Electron binary: Conclave.app, Conclave.exe or the Linux executable>';

/** `npm run package:fuses -- <binary>`: the exit code, 0 when every fuse is set as configured. */
export async function applyFusesCommand(
  args: string[],
  io: { out: (line: string) => void; err: (line: string) => void; platform: NodeJS.Platform; tools?: FuseTools },
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(usage);
    return 0;
  }
  const paths = args.filter((arg) => arg !== '--');
  if (paths.length !== 1 || paths[0]!.startsWith('-')) {
    io.err(paths.length === 0 ? `Name the packaged Electron binary whose fuses to set.\n${usage}` : `Expected one binary, got: ${paths.join(' ')}\n${usage}`);
    return 2;
  }
  const binaryPath = paths[0]!;
  try {
    await applyConclaveFuses(binaryPath, { platform: io.platform, ...(io.tools ? { tools: io.tools } : {}) });
  } catch (error) {
    io.err(`Could not set the fuses of ${binaryPath}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const summary = Object.entries(conclaveFusesByName()).map(([name, on]) => `${name} ${on ? 'on' : 'off'}`);
  io.out(`Fuses set in ${binaryPath}: ${summary.join(', ')}.`);
  return 0;
}
