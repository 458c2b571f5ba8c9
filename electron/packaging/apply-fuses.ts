/**
 * `npm run package:fuses -- <packaged Electron binary>`: sets Conclave's
 * fuses (./fuses.ts) in a packaged app. electron-builder runs it after
 * packing, through scripts/after-pack.js; see docs/packaging.md.
 */
import { applyFusesCommand } from './fuses';

process.exitCode = await applyFusesCommand(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  platform: process.platform,
});
