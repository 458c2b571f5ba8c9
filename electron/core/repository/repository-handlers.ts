/**
 * The shared repository in the window (issue 5): set or remove the one git
 * remote, see where the store stands, sync now; and the automatic sync that
 * keeps a team's machines in step: after each local change and about once a
 * minute while a remote is set. Working offline is normal: a sync that cannot
 * reach the remote leaves everything committed here, and the next one sends it.
 *
 * Every git operation on the store goes through one serial queue: the
 * repository's lock file refuses a second sync from the same process, and two
 * at once would only race each other to the same remote.
 */
import { resolve } from 'node:path';
import { localCeremonyService } from '../ceremony/local-service';
import { ConclaveError } from '../../../shared/errors';
import type { HistoryAudit, RepositoryStatus, SyncSummary } from '../../../shared/api/ceremony-schemas';
import { shellCommand } from '../../../shared/cli/shell-command';
import { auditStore } from '../audit/audit';
import { verificationState } from '../audit/verification-record';
import type { ApiHandlers, EventSink } from '../api/handlers';
import { GitRunner } from './git';
import { classifyPath } from './layout';
import { RepositoryService, type RemoteStatus, type SyncReport } from './repository-service';
import type { IndexedCeremony } from '../ceremony/index-judging';

export type RepositoryCallName = 'repository.status' | 'repository.audit' | 'repository.sync' | 'repository.stopSync' | 'repository.setRemote' | 'repository.removeRemote';

export interface RepositoryHandlerOptions {
  storeDir: string;
  /** The data folder, whose trusted policies arrivals are judged by. */
  dataDir: string;
  /** The environment git runs with (HOME, SSH_AUTH_SOCK, GIT_*): the user's own keys and helpers apply. */
  env: NodeJS.ProcessEnv;
  emit: EventSink;
  /** After a sync brought files: re-read the store so new approvals appear in the window. */
  refreshIndex: () => Promise<void>;
  /** The store's event files as the window's index knows them: a status with no remote counts these instead of listing the store. */
  localEventCount?: () => Promise<number>;
  /** Hears, during a sync, the summary index's line of every ceremony it checked: the window's index takes them as judged. */
  takeJudged?: (lines: IndexedCeremony[]) => Promise<void>;
  /** Told when a sync starts and when it has ended (after refreshIndex): the store's writes between are the sync's. */
  syncRunning?: (running: boolean) => void;
  /** How often to sync while a remote is set; about a minute unless a test says otherwise. */
  intervalMs?: number;
  now?: () => Date;
}

/** Sharing moves files; it never signs. */
const witnessRef = 'refs/conclave/last-seen';

export function summarizeSync(report: SyncReport): SyncSummary {
  return {
    outcome: report.outcome,
    ...(report.url ? { url: report.url } : {}),
    committed: report.committed.length,
    pushed: report.pushed,
    received: report.arrivals.events.length,
    attempts: report.attempts,
    problems: [...report.leftOut.map((path) => `Left out of the repository: ${path}`), ...report.arrivals.problems],
    ...(report.reason ? { reason: report.reason } : {}),
  };
}

export function createRepositoryHandlers(options: RepositoryHandlerOptions) {
  const now = options.now ?? (() => new Date());
  // Never interactive: in the app no one would see git ask for a passphrase, so git fails with its reason instead of hanging.
  // The window's Stop kills the git talking to the remote now (a sync's fetch or push, a status's ls-remote; issue 12).
  let remoteStop = new AbortController();
  const git = new GitRunner(options.env, false, 'git', () => remoteStop.signal);
  const reader = localCeremonyService({ dataDir: options.dataDir, storeDir: options.storeDir });
  const repository = new RepositoryService(reader, git, { dataDir: options.dataDir }, options.takeJudged);
  let current: RepositoryStatus = { state: 'no-remote', ahead: 0, behind: 0, syncing: false };
  let queue: Promise<unknown> = Promise.resolve();
  let syncing: Promise<SyncSummary> | undefined;
  let queuedSync: Promise<SyncSummary> | undefined;
  let disposed = false;

  const publish = (next: RepositoryStatus) => {
    current = next;
    options.emit('repository.changed', current);
  };

  /** One git operation at a time on this store. */
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };

  /** Event files committed here since the remote head last seen: what the next sync sends (status cannot count them while offline). */
  const pendingEvents = async (): Promise<number> => {
    const cwd = repository.root;
    const seen = await git.run(['rev-parse', '--verify', '--quiet', `${witnessRef}^{commit}`], { cwd });
    const listed = seen.code === 0 ? await git.run(['diff', '--name-only', '--no-renames', '--diff-filter=A', seen.stdout.trim(), 'HEAD'], { cwd }) : await git.run(['ls-tree', '-r', '--name-only', 'HEAD'], { cwd });
    if (listed.code !== 0) return 0;
    return listed.stdout.split('\n').filter((path) => classifyPath(path)?.kind === 'event').length;
  };

  const withPending = async (status: RemoteStatus): Promise<RemoteStatus> =>
    status.state === 'offline' || status.state === 'error' || status.state === 'rewritten' ? { ...status, ahead: await pendingEvents().catch(() => 0) } : status;

  /** Cheap (two git calls, no network): refreshed with every status. */
  const verification = async (): Promise<RepositoryStatus['verification']> => {
    try {
      return await verificationState(repository.root, git);
    } catch {
      return undefined;
    }
  };

  const shown = (status: RemoteStatus): RepositoryStatus => ({
    ...(status.url ? { url: status.url } : {}),
    state: status.state,
    ahead: status.ahead,
    behind: status.behind,
    ...(status.reason ? { reason: status.reason } : {}),
    syncing: syncing !== undefined,
    ...(current.lastSyncAt ? { lastSyncAt: current.lastSyncAt } : {}),
    ...(current.verification ? { verification: current.verification } : {}),
  });

  const failed = (error: unknown): RepositoryStatus => ({
    ...(current.url ? { url: current.url } : {}),
    state: 'error',
    ahead: current.ahead,
    behind: current.behind,
    reason: error instanceof Error ? error.message : String(error),
    syncing: false,
    lastSyncAt: now().toISOString(),
  });

  const runSync = async (): Promise<SyncSummary> => {
    publish({ ...current, syncing: true });
    try {
      let report: SyncReport;
      options.syncRunning?.(true);
      try {
        report = await exclusive(() => repository.sync());
        if (report.arrivals.events.length > 0 || report.arrivals.evidence.length > 0) await options.refreshIndex().catch(() => undefined);
      } finally {
        options.syncRunning?.(false);
      }
      const outcome = report.outcome;
      const after: RemoteStatus =
        outcome === 'synced'
          ? { ...(report.url ? { url: report.url } : {}), state: 'up-to-date', ahead: 0, behind: 0 }
          : outcome === 'no-remote'
            ? { state: 'no-remote', ahead: await exclusive(() => pendingEvents()).catch(() => 0), behind: 0 }
            : await exclusive(() => withPending({ ...(report.url ? { url: report.url } : {}), state: outcome, ahead: 0, behind: 0, ...(report.reason ? { reason: report.reason } : {}) }));
      const verified = await exclusive(verification);
      current = { ...current, lastSyncAt: now().toISOString(), ...(verified ? { verification: verified } : {}) };
      syncing = undefined;
      publish(shown(after));
      return summarizeSync(report);
    } catch (error) {
      syncing = undefined;
      publish(failed(error));
      throw error;
    }
  };

  /** Never two syncs at once: a request during one waits for it, then at most one more runs for everything asked meanwhile. */
  const sync = (): Promise<SyncSummary> => {
    if (disposed) return Promise.reject(new ConclaveError('internal', 'Conclave is closing; the next start syncs.'));
    if (!syncing) {
      syncing = runSync();
      return syncing;
    }
    queuedSync ??= syncing
      .catch(() => undefined)
      .then(() => {
        queuedSync = undefined;
        return sync();
      });
    return queuedSync;
  };

  const automaticSync = () => {
    if (disposed || !current.url) return;
    void sync().catch(() => undefined);
  };

  const refreshStatus = async (): Promise<RepositoryStatus> => {
    try {
      // With no remote every event file is still to be shared. The window's index knows them: counted from it instead of
      // listing every events folder, and outside the queue (over a first build it answers once built; git need not wait).
      const counted = options.localEventCount;
      const noRemote = counted !== undefined && (await exclusive(() => repository.remoteUrl())) === undefined;
      const status: RemoteStatus = noRemote ? { state: 'no-remote', ahead: await counted(), behind: 0 } : await exclusive(async () => withPending(await repository.status()));
      const verified = await exclusive(verification);
      if (verified) current = { ...current, verification: verified };
      publish(shown(status));
    } catch (error) {
      publish({ ...failed(error), syncing: syncing !== undefined, ...(current.lastSyncAt ? { lastSyncAt: current.lastSyncAt } : {}) });
    }
    return current;
  };

  const timer = setInterval(automaticSync, options.intervalMs ?? 60_000);
  timer.unref?.();

  // At start: learn whether a remote is set (no network), then sync what was signed while the app was closed or offline.
  const started = exclusive(() => repository.remoteUrl())
    .then((url) => {
      if (url === undefined) return;
      current = { ...current, url, state: 'ahead' };
      automaticSync();
    })
    .catch(() => undefined);

  const handlers: Pick<ApiHandlers, RepositoryCallName> = {
    'repository.status': async () => {
      await started;
      return refreshStatus();
    },
    'repository.audit': async () => {
      await started;
      const report = await exclusive(() => auditStore(reader, git, { now }));
      const state = (await exclusive(verification)) ?? { state: 'never' as const };
      publish({ ...current, verification: state });
      const listed = report.findings.slice(0, 200);
      const audit: HistoryAudit = {
        ok: report.ok,
        ...(report.head ? { head: report.head } : {}),
        counts: report.counts,
        findings: listed.map((finding) => ({ code: finding.code, message: finding.message, ...(finding.ceremonyId ? { ceremonyId: finding.ceremonyId } : {}), ...(finding.file ? { file: finding.file } : {}), ...(finding.commit ? { commit: finding.commit } : {}) })),
        moreFindings: report.findings.length - listed.length,
        // Named by absolute path, so it audits this store whatever the terminal's CONCLAVE_HOME (issue 11).
        command: shellCommand(['conclave', 'audit', 'verify', '--store', resolve(options.storeDir)]),
        notes: report.notes.slice(0, 200),
        verification: state,
      };
      return audit;
    },
    'repository.sync': async () => {
      await started;
      return sync();
    },
    'repository.stopSync': async () => {
      // What is under way stops; what starts after this call talks to the remote again.
      const running = syncing !== undefined;
      remoteStop.abort();
      remoteStop = new AbortController();
      return { stopped: running };
    },
    'repository.setRemote': async ({ url }) => {
      await started;
      await exclusive(() => repository.addRemote(url));
      current = { ...current, url };
      const status = await refreshStatus();
      automaticSync();
      return status;
    },
    'repository.removeRemote': async () => {
      await started;
      await exclusive(() => repository.removeRemote());
      const { url: _removed, ...rest } = current;
      void _removed;
      current = rest;
      return refreshStatus();
    },
  };

  return {
    handlers,
    /** A ceremony changed here: share it (when a remote is set). */
    localChange: automaticSync,
    /** Stops the loop and waits for a sync under way, so nothing runs git after the core is gone. */
    async dispose(): Promise<void> {
      disposed = true;
      clearInterval(timer);
      await started;
      await Promise.allSettled([syncing, queuedSync, queue]);
    },
  };
}
