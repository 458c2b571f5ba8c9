/**
 * `conclave remote add|show|remove` and `conclave sync`: the ceremony store
 * shared through one git remote (issue 5). Neither signs anything, so neither
 * needs a token or a PIN. Exit codes: 0 synced (or shown), 1 when the sync
 * could not finish (no remote, offline, refused, rewritten remote).
 */

import { localCeremonyService } from '../../core/ceremony/local-service';
import type { IndexedCeremony } from '../../core/ceremony/index-judging';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { appDataDir, ceremonyStoreDir } from '../../core/app-paths';
import { GitRunner } from '../../core/repository/git';
import { RepositoryService, type RemoteStatus, type SyncReport, type SyncStep } from '../../core/repository/repository-service';
import type { CliIo } from '../io';
import type { CommandInput } from '../command-spec';
import { exitCodes } from '../exit-codes';
import { quoteForShell } from '../../../shared/cli/shell-command';
import { homePathOf, isRelativeLocalPath, namesOtherAccountsHome } from '../../../shared/repository/remote-url';
import { ConclaveError } from '../../../shared/errors';

/** Sharing moves files; it never signs. A call here would be a bug, not a missing token. */
function repositoryFor(store: string | undefined, io: CliIo): RepositoryService {
  // The same store as the ceremony commands: --store, else CONCLAVE_STORE, else store/ in the data folder.
  const root = ceremonyStoreDir(io.env, store);
  const dataDir = appDataDir(io.env);
  const service = localCeremonyService({ dataDir, storeDir: root });
  // The window's core keeps its own index current; a sync run here leaves what it judged for the window's next start
  // (loaded only then: "remote show" needs none of the index).
  const leaveSummaries = async (lines: IndexedCeremony[]) => (await import('../../core/ceremony/summaries-from-sync')).leaveSummariesForNextStart(service, dataDir, lines);
  return new RepositoryService(service, new GitRunner(io.env, io.interactive(), 'git', io.signal), { dataDir }, leaveSummaries);
}

/**
 * The remote as the person meant it. A relative path is from where it was typed, as for "git clone"; git itself would
 * read it from the store folder. `~/…` is under the home folder, as an unquoted one is after the shell expands it.
 */
function remoteUrlAsTyped(given: string, io: CliIo): string {
  const underHome = homePathOf(given, io.env.HOME || homedir());
  if (underHome !== undefined) return underHome;
  if (namesOtherAccountsHome(given)) {
    throw new ConclaveError('invalid-input', `"${given}" names another account's home folder, which Conclave does not look up. Give the repository's full path (from the top folder, say /srv/git/ceremonies.git).`, { cause: 'remote-relative' });
  }
  return isRelativeLocalPath(given) ? resolve(given) : given;
}

/** The runner of each sharing command, by the name the catalog loads it with. */
export const remoteRunners = {
  async add(input: CommandInput, io: CliIo): Promise<number> {
    const repository = repositoryFor(input.string('store'), io);
    const url = remoteUrlAsTyped(input.positionals[0]!, io);
    await repository.addRemote(url);
    if (input.json) io.out(`${JSON.stringify({ ok: true, store: repository.root, url }, null, 2)}\n`);
    else if (!input.quiet) io.out(`This store (${repository.root}) now shares its ceremonies with ${url}.\nNext: conclave sync${storeWord(input)} sends and receives events.\n`);
    return exitCodes.done;
  },

  async show(input: CommandInput, io: CliIo): Promise<number> {
    const status = await repositoryFor(input.string('store'), io).status();
    if (input.json) io.out(`${JSON.stringify(status, null, 2)}\n`);
    else if (!input.quiet) io.out(describeStatus(status));
    return status.state === 'offline' ? exitCodes.unavailable : status.state === 'error' || status.state === 'rewritten' ? exitCodes.refused : exitCodes.done;
  },

  async remove(input: CommandInput, io: CliIo): Promise<number> {
    const url = await repositoryFor(input.string('store'), io).removeRemote();
    if (input.json) io.out(`${JSON.stringify({ ok: true, url }, null, 2)}\n`);
    else if (!input.quiet) io.out(`This store no longer shares its ceremonies with ${url}. Every event stays here.\n`);
    return exitCodes.done;
  },

  async sync(input: CommandInput, io: CliIo): Promise<number> {
    const repository = repositoryFor(input.string('store'), io);
    const steps: Record<SyncStep, (detail?: string) => string> = {
      committing: (count) =>
        count === undefined
          ? 'Committing new events…'
          : // A first sync of a large store reads and commits every file: it can outlast the command's deadline (default 900 s).
            `Committing ${Number(count).toLocaleString('en')} new file${count === '1' ? '' : 's'}…${Number(count) >= largeCommit && input.string('timeout') === undefined && io.env.CONCLAVE_COMMAND_TIMEOUT === undefined ? ' (a first sync of a large store can take longer than the command\'s deadline; if it gives up, run "conclave sync --timeout 0")' : ''}`,
      fetching: (url) => `Fetching from ${url}…`,
      integrating: () => 'Merging what the remote added…',
      pushing: (detail) => `Pushing (${detail})…`,
      checking: (detail) => `Checking what arrived (${detail})…`,
      packing: () => "Packing the store's git objects (git gc --auto; after a first sync of a large store this takes minutes)…",
    };
    const report = await repository.sync((step, detail) => {
      if (!input.quiet && !input.json) io.err(`${steps[step](detail)}\n`);
    });
    if (input.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else if (!input.quiet || report.outcome !== 'synced') io.out(describeSync(report));
    // Offline: everything is committed here and goes up next time, so a script may simply retry later (exit 5).
    return report.outcome === 'synced' ? exitCodes.done : report.outcome === 'offline' ? exitCodes.unavailable : exitCodes.refused;
  },
};

/** From this many new files, a sync warns that it may outlast the command's default deadline. */
const largeCommit = 50_000;

/** `--store DIR` as given, made absolute, for the commands a command prints. */
function storeWord(input: CommandInput): string {
  const store = input.string('store');
  return store ? ` --store ${quoteForShell(resolve(store))}` : '';
}

export function describeStatus(status: RemoteStatus): string {
  if (status.state === 'no-remote') return `This store has no remote${status.ahead > 0 ? ` (${status.ahead} event file${status.ahead === 1 ? '' : 's'} here)` : ''}. "conclave remote add URL" shares it.\n`;
  const events = (count: number) => `${count} event file${count === 1 ? '' : 's'}`;
  const line = {
    'up-to-date': 'up to date',
    ahead: `ahead: ${events(status.ahead)} here not pushed yet ("conclave sync" sends them)`,
    behind: `behind: ${events(status.behind)} on the remote not here yet ("conclave sync" brings them)`,
    diverged: `diverged: ${events(status.ahead)} here not pushed, ${events(status.behind)} on the remote not here ("conclave sync" merges both)`,
    offline: 'offline',
    error: 'error',
    rewritten: 'REWRITTEN: refused',
  }[status.state];
  return `remote  ${status.url}\nstatus  ${line}\n${status.reason ? `${status.reason}\n` : ''}`;
}

/** Arrivals that count, listed one per line up to this many: a first sync on a new machine brings a whole store. */
export const arrivalsListed = 20;

export function describeSync(report: SyncReport): string {
  const lines: string[] = [];
  const files = (count: number) => `${count} file${count === 1 ? '' : 's'}`;
  if (report.committed.length > 0) lines.push(`Committed ${files(report.committed.length)} of this store.`);
  for (const left of report.leftOut) lines.push(`  ! left out: ${left}`);
  // Every file that does not count, or that no key of the policy signed, is named, however many: those are what a
  // person must see. Files that count are named up to arrivalsListed, then counted (--json names every one).
  let listed = 0;
  const unlisted = new Set<string>();
  let unlistedFiles = 0;
  for (const event of report.arrivals.events) {
    const counts = !event.problem && event.by !== undefined;
    if (counts && listed >= arrivalsListed) {
      unlistedFiles++;
      unlisted.add(event.ceremonyId);
      continue;
    }
    if (counts) listed++;
    const who = event.problem ? 'does NOT count' : event.by ? `${event.type ?? 'event'} by ${event.by}` : `${event.type ?? 'event'}, signed by no key of the policy`;
    lines.push(`  arrived  ${event.name} (ceremony ${event.ceremonyId}: ${who})`);
  }
  if (unlistedFiles > 0) {
    lines.push(`  arrived  ${unlistedFiles} more event file${unlistedFiles === 1 ? '' : 's'} of ${unlisted.size} ceremon${unlisted.size === 1 ? 'y' : 'ies'}, each signed by an approver of its policy (with --json, sync names every file it brings)`);
  }
  const evidence = report.arrivals.evidence.length;
  if (evidence > 0) lines.push(`  arrived  ${evidence} evidence file${evidence === 1 ? '' : 's'}`);
  for (const problem of report.arrivals.problems) lines.push(`  ! ${problem}`);
  switch (report.outcome) {
    case 'synced':
      lines.push(
        `Synced with ${report.url}: ${report.arrivals.events.length} event file${report.arrivals.events.length === 1 ? '' : 's'} received, ${report.pushed} sent${report.attempts > 1 ? ` (${report.attempts} push attempts: another machine pushed at the same time)` : ''}.`,
      );
      break;
    case 'no-remote':
      lines.push(report.reason ?? 'This store has no remote.');
      break;
    case 'offline':
      lines.push(`Offline: ${report.reason} Everything is committed here and goes up at the next "conclave sync".`);
      break;
    case 'rewritten':
      lines.push(`REFUSED: ${report.reason}`);
      break;
    case 'error':
      lines.push(`Not synced: ${report.reason} Everything is committed here.`);
      break;
  }
  return `${lines.join('\n')}\n`;
}
