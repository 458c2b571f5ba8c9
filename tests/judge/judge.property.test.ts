/**
 * Property-based tests of the judge (issue 10, shared/ceremony/judge.ts):
 * stores generated from honest ceremonies (opened and frozen by the real
 * CeremonyService with software keys and the real evidence fixtures) plus
 * generated sequences of honest, forged, reordered, duplicated, late and
 * foreign event files (support/operations.ts), under generated policies.
 * On every store, what the judge says must hold (support/oracle.ts), and
 * every path that asks the judge (load, bundle import, sync arrivals, the
 * audit) must reach the same verdict.
 *
 * The seed is fixed, so a run is reproducible; fast-check prints the seed,
 * the path and the shrunk store of any failure. JUDGE_PROPERTY_SEED=<n>
 * explores another part of the space, JUDGE_PROPERTY_RUNS=<n> runs longer.
 * The bugs these properties found are kept, as the attacks that show them, in
 * regressions.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditStore } from '../../electron/core/audit/audit';
import { exportCeremonyBundle, importCeremonyBundle } from '../../electron/core/ceremony/bundle';
import { CeremonyService, readOnlySigner } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { checkArrivals } from '../../electron/core/repository/arrivals';
import { GitRunner } from '../../electron/core/repository/git';
import { parseBundleText } from '../../shared/ceremony/bundle-format';
import type { EventFile } from '../../shared/ceremony/event-file';
import { judgeCeremony, type JudgedCeremony, type JudgeInput } from '../../shared/ceremony/judge';
import { ceremonyProblemKinds } from '../../shared/ceremony/problems';
import { statementFromOpening } from '../../shared/ceremony/release-statement';
import type { CeremonyAction } from '../../shared/ceremony/view';
import { buildStore, competingScenarioArbitrary, readFiles, scenarioArbitrary, type GeneratedStore, type Operation, type Scenario } from './support/operations';
import {
  checkCopies,
  checkCounting,
  checkEndings,
  checkFreezes,
  checkOpenings,
  checkRefusals,
  checkSignatures,
  checkSubjects,
  checkVerdicts,
  countingFiles,
  expectedActions,
  expectedOpenings,
  filesWithCode,
  findingFiles,
  noteFiles,
} from './support/oracle';
import { holders, openedAt, World } from './support/world';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

const seed = Number(process.env.JUDGE_PROPERTY_SEED ?? 20261122);
const runs = (count: number) => Number(process.env.JUDGE_PROPERTY_RUNS ?? count);
const settings = (numRuns: number): fc.Parameters<[Scenario]> => ({ seed, numRuns: runs(numRuns), endOnFailure: false });

let world: World;
beforeAll(() => {
  world = new World();
});
afterAll(() => world.cleanup());

function judge(store: GeneratedStore, files: readonly EventFile[], extra: Partial<JudgeInput> = {}): Promise<JudgedCeremony> {
  return judgeCeremony({ ceremonyId: store.ceremony.id, files, now: store.now, ...extra }, world.dependencies);
}

/** The files written into a fresh store folder, as they would be after a sync; the service reads them with the store's own reader. */
function writeStore(store: GeneratedStore, root: string): void {
  const dir = join(root, ceremonyFolder(store.ceremony.id), 'events');
  mkdirSync(dir, { recursive: true });
  for (const file of store.files) writeFileSync(join(dir, file.name), file.text);
}

/** What the store's files say in words, for a failure's message. */
async function explain(store: GeneratedStore): Promise<string> {
  try {
    const judged = await judge(store, readFiles(store.files));
    return [
      `state ${judged.view.state}, now ${store.now.toISOString()}, expires ${judged.view.expiresAt}`,
      ...store.files.map((file) => {
        const verdict = judged.verdicts.get(file.name);
        return `  ${file.name}: ${verdict?.counts ? 'counts' : `${verdict?.problem.code}`}`;
      }),
    ].join('\n');
  } catch (error) {
    return `the judge threw: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Runs a check on a generated store; on failure, the store's verdicts are added to the message fast-check prints. */
async function withStore(scenario: Scenario, check: (store: GeneratedStore) => Promise<void>): Promise<void> {
  const store = await buildStore(world, scenario);
  try {
    await check(store);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n--- the generated store ---\n${await explain(store)}`, { cause: error });
  }
}

/** The index, in the pool a generated decision picks its statement from, of the statement that counts (0, the honest one, when none does). */
function builderStatementIndex(store: GeneratedStore, statement: Uint8Array | undefined): number {
  if (!statement) return 0;
  const index = store.continue().statements().findIndex((candidate) => Buffer.from(candidate).equals(Buffer.from(statement)));
  if (index < 0) throw new Error('The statement that counts is none the generator wrote.');
  return index;
}

const states = new Set<string>();
const codes = new Set<string>();
const freezeChoices = new Set<string>();

describe('the judge, on generated stores', () => {
  it('counts only what is signed by the key the policy names, once, in time, and shows only what the statement signs', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, (scenario) =>
        withStore(scenario, async (store) => {
          const files = readFiles(store.files);
          const judged = await judge(store, files);
          states.add(judged.view.state);
          for (const problem of judged.view.problems) codes.add(problem.code);
          checkVerdicts(judged, files);
          const openings = checkOpenings(judged, files);
          checkCopies(judged, files);
          checkSignatures(judged, files);
          checkCounting(judged, files, openings, store.now);
          checkEndings(judged, files, openings);
          checkRefusals(judged, files, openings);
          checkSubjects(judged, () => statementFromOpening(judged.opened, judged.policy, [], judged.opened.at));
          await checkFreezes(judged, files, (subset) => judge(store, subset));
        }),
      ),
      settings(60),
    );
    // The generator reaches the states and refusals it is meant to: a property that holds on nothing proves nothing.
    expect([...states].sort()).toEqual(expect.arrayContaining(['approved', 'cancelled', 'contested', 'expired', 'frozen', 'open', 'published', 'rejected']));
    expect([...codes]).toEqual(
      expect.arrayContaining([
        'event-copy',
        'event-contested',
        'event-before-opening',
        'publication-after-expiry',
        'event-wrong-ceremony',
        'event-unsigned',
        'event-unknown-signer',
        'event-signature-invalid',
        'decision-signature-invalid',
        'decision-after-expiry',
        'decision-other-statement',
        'freeze-statement-invalid',
        'freeze-second',
        'event-after-end',
        'publication-premature',
        'event-not-the-decider',
        'decision-not-approver',
        'withdrawal-without-approval',
        'opening-contested',
        'opening-opener-mismatch',
        'opening-expiry-invalid',
      ]),
    );
  });

  it('of two valid freezes, counts the one whose statement the most approvers signed (the earliest on a tie), and nothing else changes', async () => {
    await fc.assert(
      fc.asyncProperty(competingScenarioArbitrary, (scenario) =>
        withStore(scenario, async (store) => {
          const files = readFiles(store.files);
          const judged = await judge(store, files);
          checkVerdicts(judged, files);
          const openings = checkOpenings(judged, files);
          checkSignatures(judged, files);
          checkCounting(judged, files, openings, store.now);
          checkEndings(judged, files, openings);
          await checkFreezes(judged, files, (subset) => judge(store, subset));
          // Which one won, where two valid freezes competed.
          const seconds = filesWithCode(judged, 'freeze-second');
          if (judged.frozenSource !== undefined && seconds.length > 0) {
            const at = (name: string) => Date.parse(files.find((file) => file.source === name)!.event.at);
            freezeChoices.add(seconds.some((name) => at(name) < at(judged.frozenSource!)) ? 'a later freeze, by its approvals' : 'the earliest freeze');
          }
        }),
      ),
      settings(40),
    );
    // The generator reaches both outcomes: the earliest freeze counts, and a later one counts by its approvals.
    expect([...freezeChoices].sort()).toEqual(['a later freeze, by its approvals', 'the earliest freeze']);
  });

  it('reaches the same verdict whatever order the files are given in', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, fc.gen(), (scenario, generate) =>
        withStore(scenario, async (store) => {
          const files = readFiles(store.files);
          const judged = await judge(store, files);
          const shuffled = generate(fc.shuffledSubarray, files, { minLength: files.length, maxLength: files.length });
          for (const order of [shuffled, [...files].reverse()]) {
            const again = await judge(store, order);
            expect(again.view).toEqual(judged.view);
            expect([...again.verdicts].sort()).toEqual([...judged.verdicts].sort());
            expect(again.evaluation).toEqual(judged.evaluation);
            expect([again.openingSource, again.frozenSource]).toEqual([judged.openingSource, judged.frozenSource]);
          }
        }),
      ),
      { seed, numRuns: runs(40) },
    );
  });

  it('offers the actions of the table for its state under a trusted policy (past the deadline only a cancellation), and none under a policy this machine does not trust', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, (scenario) =>
        withStore(scenario, async (store) => {
          const files = readFiles(store.files);
          const digest = store.ceremony.policy.digest;
          const unjudged = await judge(store, files);
          expect(unjudged.view.policyTrusted).toBeUndefined();
          expect(unjudged.view.actions).toEqual(expectedActions(unjudged, store.now));

          // Trusting the team's policy: an opening under another (a swapped key) no longer contests the ceremony.
          const trustedPolicies = new Set([digest]);
          const trusted = await judge(store, files, { trustedPolicies });
          const openings = checkOpenings(trusted, files, trustedPolicies);
          expect(trusted.view.policyTrusted).toBe(true);
          expect(trusted.opened.policyDigest).toBe(digest);
          checkCounting(trusted, files, openings, store.now);
          expect(trusted.view.actions).toEqual(expectedActions(trusted, store.now));

          const untrustedPolicies = new Set(['0'.repeat(64)]);
          const untrusted = await judge(store, files, { trustedPolicies: untrustedPolicies });
          checkOpenings(untrusted, files, untrustedPolicies);
          expect(untrusted.view.policyTrusted).toBe(false);
          expect(untrusted.view.actions).toEqual([]);
          expect(untrusted.view.problems.map((problem) => problem.code)).toContain('policy-untrusted');
        }),
      ),
      settings(40),
    );
  });

  it('does what it offers: each action the view allows, done honestly now, takes effect; past the deadline, and once contested or ended, nothing else does', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, (scenario) =>
        withStore(scenario, async (store) => {
          const files = readFiles(store.files);
          // Now is after every event of the store, as on the machine of whoever acts next.
          const now = new Date(Math.max(store.now.getTime(), ...files.map((file) => Date.parse(file.event.at) + 60_000)));
          const judged = await judge(store, files, { now });
          const when = now.getTime() - openedAt.getTime();
          const holderOf = (keyId: string) => holders.find((holder) => world.keys[holder].keyId === keyId);
          const personOf = (keyId: string) => judged.policy.keys.find((key) => key.keyId === keyId)?.approverId;
          const decided = new Set([...judged.view.approvals, ...judged.view.rejections].map((decision) => personOf(decision.keyId)));
          const excluded = judged.policy.separationOfDuties.openerMayApprove ? undefined : judged.view.openedBy;
          const undecided = judged.policy.keys.filter((key) => !decided.has(key.approverId) && key.approverId !== excluded).map((key) => holderOf(key.keyId)!);

          const pastExpiry = now.getTime() > Date.parse(judged.view.expiresAt);
          expect(judged.view.actions).toEqual(expectedActions(judged, now));
          const attempt = async (operation: Operation, what: string, offered = true) => {
            const builder = store.continue();
            await builder.apply(operation);
            const added = builder.files.at(-1)!;
            const after = await judge(store, readFiles(builder.files), { now });
            const verdict = after.verdicts.get(added.name);
            // A withdrawal can move the choice between two valid freezes (it takes an approval off the statement that had
            // the most): it is then over the statement that lost, reported as such (formats.md), and it took effect.
            const movedTheFreeze = operation.op === 'decide' && operation.type === 'withdrawn' && after.frozenSource !== judged.frozenSource;
            if (offered && movedTheFreeze) expect(verdict, `"${what}" moved the freeze that counts`).toMatchObject({ counts: false, problem: { code: 'decision-other-statement' } });
            else if (offered) expect(verdict?.counts, `"${what}" is offered in state ${judged.view.state}, but done now it does not count: ${verdict?.counts === false ? verdict.problem.message : ''}`).toBe(true);
            else expect(verdict?.counts, `"${what}" is not offered in state ${judged.view.state}${pastExpiry ? ', past the deadline' : ''}, but done now it counts`).toBe(false);
            return after;
          };
          // Where only a cancellation can count (past the deadline, contested) or nothing can (ended), what is not offered does not count either.
          const closed = pastExpiry || ['contested', 'published', 'cancelled'].includes(judged.view.state);
          const actions: CeremonyAction[] = ['freeze', 'approve', 'reject', 'withdraw', 'cancel', 'publish'];
          for (const action of actions.filter((candidate) => judged.view.actions.includes(candidate) || closed)) {
            const offered = judged.view.actions.includes(action);
            const statement = builderStatementIndex(store, judged.statement);
            switch (action) {
              case 'freeze': {
                const after = await attempt({ op: 'freeze', who: 'rita', at: when, variant: 'valid', forge: 'none', salt: 0 }, action, offered);
                if (offered) expect(after.view.frozen).toBeDefined();
                break;
              }
              case 'approve':
              case 'reject':
                for (const who of undecided) await attempt({ op: 'decide', type: action === 'approve' ? 'approved' : 'rejected', who, at: when, statement, forge: 'none', salt: 0 }, `${action} by ${who}`, offered);
                break;
              case 'withdraw':
                for (const approval of judged.view.approvals) {
                  const after = await attempt({ op: 'decide', type: 'withdrawn', who: holderOf(approval.keyId)!, at: when, statement, forge: 'none', salt: 0 }, `withdraw by ${holderOf(approval.keyId)}`, offered);
                  if (offered) expect(after.view.approvals.map((standing) => standing.keyId)).not.toContain(approval.keyId);
                  else expect(after.view.approvals).toEqual(judged.view.approvals);
                }
                break;
              case 'cancel': {
                const after = await attempt({ op: 'cancel', who: 'rita', at: when, forge: 'none', salt: 0 }, action, offered);
                if (offered) expect(after.view.state, 'cancelled, but the state does not say so').toBe('cancelled');
                break;
              }
              case 'publish': {
                const after = await attempt({ op: 'publish', who: 'rita', at: when, mode: 'as-judged', pick: 0, forge: 'none', salt: 0 }, action, offered);
                if (offered) expect(after.view.state).toBe('published');
                else expect(after.view.state).toBe(judged.view.state);
                break;
              }
            }
          }
        }),
      ),
      settings(40),
    );
  });

  it('load, sync arrivals, the audit and bundle import into an empty store reach the same verdict', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, (scenario) =>
        withStore(scenario, async (store) => {
          const id = store.ceremony.id;
          const judged = await judge(store, readFiles(store.files));
          const root = world.scratch();
          writeStore(store, join(root, 'a'));
          const service = new CeremonyService(new CeremonyStore(join(root, 'a')), readOnlySigner, () => store.now);

          // Load: the store's reader and the judge, as every screen and command sees the ceremony.
          const loaded = await service.load(id);
          expect(loaded.view.state).toBe(judged.view.state);
          expect(countingFiles(loaded)).toEqual(countingFiles(judged));
          // The same refusal for each file that does not count (a foreign file is refused by the store's reader, with the judge's code).
          const loadedProblems = new Map(loaded.view.problems.filter((problem) => problem.source !== undefined).map((problem) => [problem.source!, problem.code]));
          for (const [name, verdict] of judged.verdicts) {
            if (verdict.counts) continue;
            const code = loaded.verdicts.get(name);
            expect(code?.counts === false ? code.problem.code : loadedProblems.get(name), name).toBe(verdict.problem.code);
          }

          // Sync arrivals: every file arrived at once; a file is believed exactly when it counts.
          const arrivals = await checkArrivals(
            service,
            store.files.map((file) => `${ceremonyFolder(id)}/events/${file.name}`),
          );
          expect(arrivals.events.filter((event) => event.problem === undefined).map((event) => event.name).sort()).toEqual(countingFiles(judged));
          expect(arrivals.events).toHaveLength(store.files.length);

          // The audit: a finding for each file the judge calls false, with the judge's code, a note for what simply does not count, and a published envelope that verifies.
          const audit = await auditStore(service, new GitRunner(process.env, false), { now: () => store.now });
          const findingPaths = audit.findings.map((finding) => finding.file).filter((file): file is string => file !== undefined);
          expect([...new Set(findingPaths)].sort()).toEqual(findingFiles(judged).map((name) => `${ceremonyFolder(id)}/events/${name}`));
          for (const finding of audit.findings) {
            const verdict = judged.verdicts.get(finding.file!.slice(`${ceremonyFolder(id)}/events/`.length));
            expect(finding.code, finding.file).toBe(verdict?.counts === false ? verdict.problem.code : 'counts');
          }
          expect(audit.findings.filter((finding) => finding.file === undefined || !finding.file.includes('/events/'))).toEqual([]);
          expect(audit.ok).toBe(findingFiles(judged).length === 0);
          expect(audit.counts.events).toBe(store.files.length);
          // Its count of good signatures: each counting event's own, and each counting decision's over the statement.
          const decisions = readFiles(store.files).filter((file) => judged.verdicts.get(file.source)?.counts && ['approved', 'rejected', 'withdrawn'].includes(file.event.type));
          expect(audit.counts.signatures).toBe(countingFiles(judged).length + decisions.length);

          // Bundle import into an empty store: it writes exactly the files that count, those that do not count for a note, and
          // the openings that contest the ceremony (a new ceremony arrives contested, as it is where it came from); it refuses the rest with the judge's code.
          const exported = await exportCeremonyBundle(service, id, store.now);
          const foreign = filesWithCode(judged, 'event-wrong-ceremony');
          expect(exported.bundle.events.map((file) => file.name).sort()).toEqual(store.files.map((file) => file.name).filter((name) => !foreign.includes(name)).sort());
          const empty = new CeremonyService(new CeremonyStore(join(root, 'b')), readOnlySigner, () => store.now);
          const report = await importCeremonyBundle(empty, parseBundleText(exported.text));
          const contesting = filesWithCode(judged, 'opening-contested');
          expect(report.added.map((added) => added.name).sort()).toEqual([...countingFiles(judged), ...noteFiles(judged), ...contesting].sort());
          expect(report.newCeremony).toBe(true);
          for (const refusal of report.refused) {
            const verdict = judged.verdicts.get(refusal.name);
            expect(refusal.code, refusal.name).toBe(verdict?.counts === false ? verdict.problem.code : 'counts');
            expect(ceremonyProblemKinds[refusal.code as keyof typeof ceremonyProblemKinds], refusal.name).toBe('finding');
          }

          // What was imported is the same ceremony: the same files count, in the same state, and nothing written is false but the contesting openings.
          const imported = await empty.load(id);
          expect(countingFiles(imported)).toEqual(countingFiles(judged));
          expect(imported.view.state).toBe(judged.view.state);
          expect(findingFiles(imported), 'import wrote files the imported store calls false').toEqual(contesting);
        }),
      ),
      settings(30),
    );
  });

  it('bundle import into a store that has the ceremony keeps its opening and its freeze: a second opening or freeze is refused, whatever its date', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, (scenario) =>
        withStore(scenario, async (store) => {
          const id = store.ceremony.id;
          const files = readFiles(store.files);
          const judged = await judge(store, files);
          const root = world.scratch();
          writeStore(store, join(root, 'a'));
          const source = new CeremonyService(new CeremonyStore(join(root, 'a')), readOnlySigner, () => store.now);
          const exported = await exportCeremonyBundle(source, id, store.now);

          // The machine it goes to has the honest opening, and the honest freeze when the generated store has it.
          const base = [store.ceremony.openingFile, ...(scenario.keepFreeze ? [store.ceremony.frozenFile] : [])];
          const baseNames = new Set(base.map((file) => file.name));
          writeStore({ ...store, files: base }, join(root, 'b'));
          const target = new CeremonyService(new CeremonyStore(join(root, 'b')), readOnlySigner, () => store.now);
          const report = await importCeremonyBundle(target, parseBundleText(exported.text));

          expect(report.newCeremony).toBe(false);
          expect(report.skipped.sort()).toEqual([...baseNames].sort());
          const refused = new Map(report.refused.map((refusal) => [refusal.name, refusal.code]));
          for (const file of files) {
            if (baseNames.has(file.source) || file.event.ceremonyId !== id) continue;
            if (file.event.type === 'opened') expect(refused.get(file.source), `${file.source}: a second opening`).toBe('opening-contested');
            if (file.event.type === 'frozen' && scenario.keepFreeze) expect(refused.get(file.source), `${file.source}: a second freeze`).toBe('freeze-second');
          }
          for (const [name, code] of refused) expect(ceremonyProblemKinds[code as keyof typeof ceremonyProblemKinds], name).toBe('finding');

          // The store's opening and freeze stand, nothing it now holds is false, and where the exported ceremony was not contested it is the same ceremony.
          const after = await target.load(id);
          expect(after.openingSource).toBe(store.ceremony.openingFile.name);
          if (scenario.keepFreeze) expect(after.frozenSource).toBe(store.ceremony.frozenFile.name);
          expect(after.view.state).not.toBe('contested');
          expect(findingFiles(after), 'import wrote files the store calls false').toEqual([]);
          const openings = expectedOpenings(files, id);
          // (Where a generated freeze counts, by its approvals or its date, the store here keeps the honest one, and its state may differ.)
          const sameFreeze = !scenario.keepFreeze || judged.frozenSource === store.ceremony.frozenFile.name;
          if (openings?.counting.source === store.ceremony.openingFile.name && !openings.contested && sameFreeze) expect(after.view.state).toBe(judged.view.state);
        }),
      ),
      settings(30),
    );
  });
});
