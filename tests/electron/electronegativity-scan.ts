/**
 * Runs Electronegativity (Doyensec's Electron security scanner) over the
 * Electron app's own sources and prints what it found as JSON on stdout.
 * electronegativity.test.ts runs it in a process of its own, because the
 * scanner registers globals and patches nothing back.
 *
 *   node --import tsx tests/electron/electronegativity-scan.ts           the app
 *   node --import tsx tests/electron/electronegativity-scan.ts <folder>  any folder
 *
 * The app is scanned as one tree, so that the scanner's global checks (a CSP
 * somewhere, navigation limited somewhere, a permission handler somewhere)
 * see the main process, the preload and the page together: electron/main,
 * electron/preload, renderer/ (the page and its sources) and package.json
 * (for the Electron version), copied as they are into a temporary folder.
 */
import Module, { createRequire } from 'node:module';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const scannedParts = ['electron/main', 'electron/preload', 'renderer', 'package.json'];

/**
 * Checks left out, each for a reason:
 * AvailableSecurityFixesGlobalCheck downloads Electron's list of releases to compare the version in package.json with
 * it. Tests do not reach the network; keeping Electron current is the dependency updates' job (npm outdated).
 */
export const excludedChecks = ['AvailableSecurityFixesGlobalCheck'];

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  description: string;
  sample?: string;
  severity: { name: string };
  confidence: { name: string };
  manualReview: boolean;
}

interface RunResult {
  globalChecks: number;
  atomicChecks: number;
  errors: { file: string; message: string; tolerable: boolean }[];
  issues: Issue[];
}

type Run = (options: Record<string, unknown>, forCli?: boolean) => Promise<RunResult>;

// Electronegativity asks the network for fresher translations as it starts (through `got`, with a one-second timeout),
// and the release check above would too. A test must not reach out: every such request fails at once, and the
// scanner goes on with the English texts it ships.
const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = loader._load;
const offline = Object.assign(() => Promise.reject(new Error('Conclave runs Electronegativity offline.')), {});
loader._load = function (this: unknown, request: string, ...rest: unknown[]) {
  if (request === 'got') return Object.assign(offline, { default: offline });
  return load.call(this, request, ...rest);
};

async function scan(input: string): Promise<RunResult> {
  const require = createRequire(import.meta.url);
  const runner = require('@doyensec/electronegativity/dist/runner.js') as Run | { default: Run };
  const run = typeof runner === 'function' ? runner : runner.default;
  // The scanner logs its progress and the failed translation request on stdout, where our JSON goes.
  const log = console.log;
  console.log = () => undefined;
  try {
    return await run({ input, isRelative: true, excludeFromScan: excludedChecks }, false);
  } finally {
    console.log = log;
  }
}

const folder = process.argv[2];
let staged: string | undefined;
try {
  let input = folder === undefined ? undefined : resolve(folder);
  if (input === undefined) {
    staged = mkdtempSync(join(tmpdir(), 'conclave-electronegativity-'));
    for (const part of scannedParts) cpSync(join(root, part), join(staged, part), { recursive: true });
    input = staged;
  }
  const result = await scan(input);
  // On a line of its own, the last one: anything the scanner's logger writes stays above it.
  process.stdout.write(
    '\n' +
    JSON.stringify({
      checks: result.globalChecks + result.atomicChecks,
      errors: result.errors,
      findings: result.issues.map((issue) => ({
        id: issue.id,
        // Relative to the scanned folder, with forward slashes on every platform.
        file: issue.file.replace(/\\/g, '/'),
        line: issue.location.line,
        description: issue.description,
        sample: (issue.sample ?? '').trim().slice(0, 200),
        severity: issue.severity.name,
        confidence: issue.confidence.name,
        manualReview: issue.manualReview,
      })),
    }) +
    '\n',
  );
} finally {
  if (staged !== undefined) rmSync(staged, { recursive: true, force: true });
}
