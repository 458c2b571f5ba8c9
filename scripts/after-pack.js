/**
 * electron-builder's afterPack hook (electron-builder.yml): sets Conclave's
 * Electron fuses (electron/packaging/fuses.ts) in the app just packed, before
 * electron-builder signs it and builds the installers. A failure stops the
 * build: an app with Electron's default fuses must not ship.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The file the fuses live in, as electron-builder lays the app out for each platform. */
export function packagedBinary(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(appOutDir, `${packager.appInfo.productFilename}.app`);
    case 'win32':
      return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    case 'linux':
      return join(appOutDir, packager.executableName);
    default:
      throw new Error(`Conclave does not know where the Electron binary is for platform "${electronPlatformName}"; its fuses were not set.`);
  }
}

export default async function afterPack(context) {
  // The fuse configuration is TypeScript: run it with tsx, as `npm run package:fuses` does.
  execFileSync(process.execPath, ['--import', 'tsx', join(root, 'electron/packaging/apply-fuses.ts'), packagedBinary(context)], {
    cwd: root,
    stdio: 'inherit',
  });
}
