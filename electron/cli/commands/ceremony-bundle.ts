/**
 * `conclave ceremony export <id> --out FILE` and `conclave ceremony import FILE`:
 * a ceremony carried to an air-gapped signing laptop and back (issue 5).
 * Neither signs anything, so neither needs a token or a PIN.
 */

import { localCeremonyService } from '../../core/ceremony/local-service';
import { resolve } from 'node:path';
import { BundleError } from '../../../shared/ceremony/bundle-format';
import { ConclaveError } from '../../../shared/errors';
import { appDataDir, ceremonyStoreDir } from '../../core/app-paths';
import { exportCeremonyBundle, importCeremonyBundle, isConflict, readCeremonyBundle, writeCeremonyBundle, type ImportReport } from '../../core/ceremony/bundle';
import { CeremonyService } from '../../core/ceremony/ceremony-service';
import { UsageError, type CliIo } from '../io';
import type { CommandInput } from '../command-spec';
import { exitCodes } from '../exit-codes';
import { quoteForShell } from '../../../shared/cli/shell-command';

/** Bundles move events; they never sign. A call here would be a bug, not a missing token. */
function serviceFor(store: string | undefined, io: CliIo): CeremonyService {
  // The same store as the other ceremony commands: --store, else CONCLAVE_STORE, else store/ in the data folder.
  return localCeremonyService({ dataDir: appDataDir(io.env), storeDir: ceremonyStoreDir(io.env, store) });
}

/** A bundle that cannot be read at all: one clear message, the module's code kept for tests and support. */
function asConclaveError(error: unknown): never {
  if (error instanceof BundleError) throw new ConclaveError('invalid-input', error.message, { cause: error.code });
  throw error;
}

export async function runExport(input: CommandInput, io: CliIo): Promise<number> {
  const out = input.string('out');
  if (!out) throw new UsageError('needs --out FILE: where to write the bundle ("-" for standard output).');
  const id = input.positionals[0]!;
  const values = { out, json: input.json };
  const service = serviceFor(input.string('store'), io);
  const result = values.out === '-' ? await exportCeremonyBundle(service, id) : await writeCeremonyBundle(service, id, values.out);
  if (values.out === '-') io.out(result.text);
  const { bundle } = result;
  if (values.json && values.out !== '-') {
    io.out(`${JSON.stringify({ ceremonyId: id, path: values.out, events: bundle.events.length, evidence: bundle.evidence.length, summary: bundle.summary, leftOut: result.leftOut }, null, 2)}\n`);
  } else if (!input.quiet) {
    // With --out -, stdout is the bundle: the account goes to stderr.
    const write = values.out === '-' ? io.err : io.out;
    write(
      [
        `Exported ceremony ${id} (${bundle.summary.release.name} ${bundle.summary.release.version}, ${bundle.summary.state}) to ${values.out === '-' ? 'standard output' : values.out}:`,
        `  ${bundle.events.length} event file${bundle.events.length === 1 ? '' : 's'}, ${bundle.evidence.length} evidence file${bundle.evidence.length === 1 ? '' : 's'}`,
        `  policy sha256:${bundle.summary.policyDigest}`,
        ...(bundle.summary.statementDigest ? [`  statement sha256:${bundle.summary.statementDigest}`] : []),
        ...result.leftOut.map((line) => `  ! left out: ${line}`),
        `Next: carry it to the other machine and run there: conclave ceremony import ${values.out === '-' ? 'FILE' : quoteForShell(resolve(values.out))}`,
        '',
      ].join('\n'),
    );
  }
  return 0;
}

export async function runImport(input: CommandInput, io: CliIo): Promise<number> {
  const path = input.positionals[0]!;
  const bundle = await readCeremonyBundle(path).catch(asConclaveError);
  const report = await importCeremonyBundle(serviceFor(input.string('store'), io), bundle);
  const refused = report.refused.length + report.evidence.refused.length > 0;
  if (input.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else if (!input.quiet || refused) io.out(describeImport(report, path));
  return refused ? exitCodes.refused : exitCodes.done;
}

export function describeImport(report: ImportReport, path: string): string {
  const { view } = report;
  const lines = [
    `Imported ${path} into ceremony ${report.ceremonyId}${view ? ` (${view.release.name} ${view.release.version})` : ''}${report.newCeremony ? ', new in this store' : ''}:`,
  ];
  // On a new ceremony the policy came with the bundle: show its digest so the person can compare it with the one their team keeps.
  if (report.policyDigest) lines.push(`  policy sha256:${report.policyDigest}${report.newCeremony ? ' (from the bundle: check it is the one your team agreed on)' : ''}`);
  for (const added of report.added) lines.push(`  added     ${added.name}${added.by ? ` (${added.type} by ${added.by})` : ''}`);
  if (report.skipped.length > 0) lines.push(`  skipped   ${report.skipped.length} event file${report.skipped.length === 1 ? '' : 's'} already in the store`);
  for (const refusal of report.refused) lines.push(`  ${isConflict(refusal) ? 'conflict' : 'refused '}  ${refusal.name}: ${refusal.reason}`);
  const { evidence } = report;
  if (evidence.added.length + evidence.skipped.length > 0) lines.push(`  evidence  ${evidence.added.length} added, ${evidence.skipped.length} already in the store`);
  for (const refusal of evidence.refused) lines.push(`  refused   ${refusal.name}: ${refusal.reason}`);
  if (report.added.length === 0 && report.refused.length === 0) lines.push('  nothing new: the store already had every event of this bundle');
  if (view) {
    lines.push(`Ceremony ${view.id} is ${view.state.toUpperCase()}${view.tally ? `: ${view.tally}` : ''}.`);
  }
  for (const note of report.notes) lines.push(`  ! ${note}`);
  const refusedCount = report.refused.length + evidence.refused.length;
  if (refusedCount > 0) lines.push(`${refusedCount} file${refusedCount === 1 ? ' was' : 's were'} not imported (above, with why); everything else that verified was kept. Ask whoever made the bundle to export it again.`);
  return `${lines.join('\n')}\n`;
}
