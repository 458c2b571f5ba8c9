/**
 * `conclave remote add|show|remove` and `conclave sync`: the ceremony store
 * shared through one git remote (issue 5). Neither signs anything, so neither
 * needs a token or a PIN. Exit codes: 0 synced (or shown), 1 when the sync
 * could not finish (no remote, offline, refused, rewritten remote).
 */

import { localCeremonyService } from '../../core/ceremony/local-service';
import { parseArgs } from 'node:util';
import { appDataDir, ceremonyStoreDir } from '../../core/app-paths';
import { GitRunner } from '../../core/repository/git';
import { RepositoryService, type RemoteStatus, type SyncReport, type SyncStep } from '../../core/repository/repository-service';
import { UsageError, type CliIo } from '../io';

export const remoteUsage = `  remote add URL                           share this store's ceremonies through a git remote (SSH, HTTPS or a path)
  remote show [--json]                     the remote and where this store stands: up to date, ahead, behind, offline…
  remote remove                            stop sharing (the store keeps every event)
  sync [--json]                            commit new events, fetch, merge what others added, push
  (remote and sync take --store DIR, or CONCLAVE_STORE; they use your git, its SSH keys and credential helpers)
`;

const options = {
  store: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** Sharing moves files; it never signs. A call here would be a bug, not a missing token. */
function repositoryFor(store: string | undefined, io: CliIo): RepositoryService {
  // The same store as the ceremony commands: --store, else CONCLAVE_STORE, else store/ in the data folder.
  const root = ceremonyStoreDir(io.env, store);
  return new RepositoryService(localCeremonyService({ dataDir: appDataDir(io.env), storeDir: root }), new GitRunner(io.env, io.interactive));
}

export async function runRemote(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
  const [action, ...rest] = positionals;
  const repository = repositoryFor(values.store, io);
  switch (action) {
    case 'add': {
      if (rest.length !== 1) throw new UsageError('remote add takes one URL.');
      await repository.addRemote(rest[0]!);
      io.out(`This store (${repository.root}) now shares its ceremonies with ${rest[0]}.\n"conclave sync" sends and receives events.\n`);
      return 0;
    }
    case 'show': {
      if (rest.length !== 0) throw new UsageError('remote show takes no arguments.');
      const status = await repository.status();
      io.out(values.json ? `${JSON.stringify(status, null, 2)}\n` : describeStatus(status));
      return 0;
    }
    case 'remove': {
      if (rest.length !== 0) throw new UsageError('remote remove takes no arguments.');
      const url = await repository.removeRemote();
      io.out(`This store no longer shares its ceremonies with ${url}. Every event stays here.\n`);
      return 0;
    }
    default:
      throw new UsageError(`"remote ${action ?? ''}" is not a remote command: add URL, show, or remove.`);
  }
}

export async function runSync(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
  if (positionals.length !== 0) throw new UsageError('sync takes no arguments.');
  const repository = repositoryFor(values.store, io);
  const steps: Record<SyncStep, (detail?: string) => string> = {
    committing: () => 'Committing new events…',
    fetching: (url) => `Fetching from ${url}…`,
    integrating: () => 'Merging what the remote added…',
    pushing: (detail) => `Pushing (${detail})…`,
    checking: (detail) => `Checking what arrived (${detail})…`,
  };
  const report = await repository.sync((step, detail) => io.err(`${steps[step](detail)}\n`));
  io.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : describeSync(report));
  return report.outcome === 'synced' ? 0 : 1;
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

export function describeSync(report: SyncReport): string {
  const lines: string[] = [];
  const files = (count: number) => `${count} file${count === 1 ? '' : 's'}`;
  if (report.committed.length > 0) lines.push(`Committed ${files(report.committed.length)} of this store.`);
  for (const left of report.leftOut) lines.push(`  ! left out: ${left}`);
  for (const event of report.arrivals.events) {
    const who = event.problem ? 'does NOT count' : event.by ? `${event.type ?? 'event'} by ${event.by}` : `${event.type ?? 'event'}, signed by no key of the policy`;
    lines.push(`  arrived  ${event.name} (ceremony ${event.ceremonyId}: ${who})`);
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
