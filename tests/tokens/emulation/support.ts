/**
 * Running the real `conclave` against emulated vendor modules: the
 * environment of a run (the module admitted through CONCLAVE_PKCS11_MODULES,
 * as tests and managed installs do), and a run that can act while the
 * command waits (a touch, a PIN typed on a reader), on what the command
 * prints rather than after a sleep.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { builtCli, conclave, fixture, hangBoundMs, type Run, type RunOptions } from '../../cli-process/support';
import type { EmulationFamily, EmulationLab } from '../../support/pkcs11-emulation';
import { inheritedEnvironment } from '../../support/environment';

export { fixture, hangBoundMs };
export const artifactName = 'binary-linux-amd64-multi-subject-first';

export function assertBuilt(): void {
  expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
}

/** The test's own environment minus any CONCLAVE_* of the machine, with the family's emulated module as the only module. */
export function cliEnvironment(lab: EmulationLab, home: string, families: EmulationFamily[], extra: Record<string, string> = {}): Record<string, string> {
  const inherited = inheritedEnvironment((name) => name.startsWith('PKCS11_EMULATION_'));
  return {
    ...inherited,
    ...Object.assign({}, ...families.map((family) => lab.env(family))),
    CONCLAVE_HOME: home,
    CONCLAVE_STORE: join(home, 'store'),
    CONCLAVE_PKCS11_MODULES: families.map((family) => lab.modules[family]).join(':'),
    ...extra,
  };
}

/**
 * Runs conclave in a process group of its own (as tests/cli-process does);
 * `watch` sees standard error as it grows and may act once (touch the key,
 * type the PIN on the reader) when it has printed what the test waits for.
 */
export function conclaveWatching(args: string[], env: Record<string, string>, watch?: RunOptions['watch']): Promise<Run> {
  return conclave(args, env, watch ? { watch } : {});
}

/** A run that ended by itself, left nothing running, with `code`. */
export async function endsWith(env: Record<string, string>, args: string[], code: number, watch?: Parameters<typeof conclaveWatching>[2]): Promise<Run> {
  const run = await conclaveWatching(args, env, watch);
  expect(run.hung, `conclave ${args.join(' ')} did not end within ${hangBoundMs / 1000} s (killed). stdout: ${run.out} stderr: ${run.err}`).toBe(false);
  expect(run.leftovers, `conclave ${args.join(' ')} left processes running`).toEqual([]);
  expect(run.code, `conclave ${args.join(' ')}:\n${run.out}\n${run.err}`).toBe(code);
  return run;
}

/** A policy file in `home`, trusted on this machine as a release manager would (conclave policy trust). */
export async function trustedPolicy(env: Record<string, string>, home: string, policy: Record<string, unknown>): Promise<string> {
  const path = join(home, 'policy.json');
  writeFileSync(path, JSON.stringify(policy, null, 2));
  await endsWith(env, ['policy', 'trust', path, '--yes', '--quiet'], 0);
  return path;
}

/** Opens a ceremony for the real fixture release with the opener's key and PIN variable; its id. */
export async function openCeremony(env: Record<string, string>, policyPath: string, openerKey: string, pinVariable?: string): Promise<string> {
  const opened = await endsWith(
    env,
    ['ceremony', 'open', '--policy', policyPath, '--release', 'app@1.0.0', '--artifact', fixture(artifactName), '--provenance', fixture(`${artifactName}.intoto.jsonl`), '--key', openerKey, ...(pinVariable ? ['--pin-env', pinVariable] : []), '--quiet'],
    0,
  );
  return opened.out.trim();
}
