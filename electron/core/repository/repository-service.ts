/**
 * The ceremony repository (issue 5): the store folder is a git work tree with
 * at most one remote, `origin`, and `sync` is fetch, integrate, push.
 *
 * Every event is its own file, written once under a name no other machine
 * picks, so integrating is a union of files and can never conflict. Conclave
 * therefore integrates with git's plumbing rather than `git merge`: it checks
 * that the remote only *added* files, writes those files into the store
 * folder atomically (git's checkout writes files in place, and a process
 * killed mid-write would leave half an event), then records the merge commit
 * and moves `main` with a compare-and-swap. A remote that removed or edited a
 * file, or whose history no longer contains the head this store last saw there
 * (a force-push), stops the sync with what changed: nothing is forced, merged
 * or pushed, and the local store keeps everything.
 *
 * Crash safety: every step either completes or leaves the repository as it
 * was (objects are written before the ref that names them; refs move
 * atomically; files arrive by rename), so a sync killed at any point is
 * finished by the next one. Conclave never uses the work tree's index for its
 * own commits, so a stale `index.lock` cannot block a sync.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { ceremonyIdPattern } from '../../../shared/ceremony/events';
import { ConclaveError } from '../../../shared/errors';
import { maxEventFileBytes } from '../../../shared/ceremony/event-file';
import { syncFolder, writeFileAtomically } from '../atomic-file';
import { readBundleEvent } from '../ceremony/bundle/event-checks';
import { takeWritten } from '../ceremony/written-folders';
import { listCeremonyIds } from '../ceremony/dated-folders';
import { ceremonyFolder, ceremonySubfolder } from '../../../shared/ceremony/store-layout';
import type { CeremonyService } from '../ceremony/ceremony-service';
import type { IndexedCeremony } from '../ceremony/index-judging';
import { checkArrivals, type ArrivalCheck } from './arrivals';
import type { ArrivalThreads } from './arrival-threads';
import { blobEntryOf, gitReason, type GitResult, type GitRunner } from './git';
import { scanFolders } from './folder-scan';
import { ObjectReader } from './object-reader';
import { storeGitFolder } from './store-git-folder';
import { isLocalPath, isRelativeLocalPath } from '../../../shared/repository/remote-url';
import { classifyPath, currentPath, describePath, isLegacyPath, layoutMoves, repositoryFiles, type StorePath } from './layout';
import { folderMode, isFolder, RawTree, type TreeEntry } from './raw-tree';

export const branch = 'refs/heads/main';
/** The remote's main as last fetched, before it is checked. */
const incomingRef = 'refs/conclave/incoming';
/** The remote head this store last verified and integrated (or pushed): a remote whose history no longer contains it was rewritten. */
const witnessRef = 'refs/conclave/last-seen';
const remoteName = 'origin';
const maxPushAttempts = 5;
/** How many ceremonies a sync that sends Conclave's own files looks at for files another program put there: 4,000 stats, about 0.1 s. */
export const ceremoniesLookedAtBesideOwnFiles = 2_000;

export type RemoteState = 'no-remote' | 'up-to-date' | 'ahead' | 'behind' | 'diverged' | 'offline' | 'error' | 'rewritten';

export interface RemoteStatus {
  url?: string;
  state: RemoteState;
  /** Event files here that the remote does not have (committed or not yet). */
  ahead: number;
  /** Event files on the remote that this store does not have. */
  behind: number;
  /** git's own words, or what changed on a rewritten remote. */
  reason?: string;
}

export type SyncOutcome = 'synced' | 'no-remote' | 'offline' | 'error' | 'rewritten';

export interface SyncReport {
  outcome: SyncOutcome;
  url?: string;
  /** Files of this store committed by this sync. */
  committed: string[];
  /** Files in the store folder that are not complete events or evidence, left out of the repository. */
  leftOut: string[];
  /** Event files sent to the remote. */
  pushed: number;
  /** Push attempts made (more than one when another machine pushed at the same time). */
  attempts: number;
  /** What arrived from the remote, checked. */
  arrivals: ArrivalCheck;
  /** Files the remote brought that Conclave left unread (a submodule link, a link, an oversized file), and why. */
  skipped?: SkippedFile[];
  reason?: string;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

/** The largest evidence file a store keeps: an SBOM of at most 64 MiB (defaultSbomLimits in shared/evidence/sbom.ts). */
const maxEvidenceFileBytes = 64 * 1024 * 1024;
/** Files that arrive written side by side, and the bytes such a batch may hold (placeArrivals). */
const arrivalsPerBatch = 64;
const arrivalBytesPerBatch = 16 * 1024 * 1024;

export type SyncStep = 'committing' | 'fetching' | 'integrating' | 'pushing' | 'checking' | 'packing';

interface Change {
  status: string;
  mode: string;
  blob: string;
  /** The blob before the change (a removal's blob is all zeros). */
  oldBlob?: string;
  path: string;
}

/** Files of the store this sync looked at: committed, or left out (and read again next time). */
interface LocalFiles {
  committed: string[];
  leftOut: string[];
  /** Left out: their folders are read again by the next sync. */
  recheck: string[];
  checked: Set<string>;
}

/** What main gained in this sync (the work tree's index follows), and what arrived from the remote. */
interface Exchanged {
  gained: Change[];
  arrived: string[];
  skipped: SkippedFile[];
}

/** What a push sends when main is `commit` (made on `base`, so descending from it) on the remote's `base`: that commit's event files. */
interface Sent {
  base: string;
  commit?: string;
  events: number;
}

class RepositoryStop extends Error {
  constructor(
    readonly outcome: 'offline' | 'error' | 'rewritten',
    message: string,
  ) {
    super(message);
  }
}

export class RepositoryService {
  private identity: Promise<string[]> | undefined;

  constructor(
    readonly service: CeremonyService,
    private readonly git: GitRunner,
    /** Where threads that check many arrivals find the data folder; without it, they are checked on this thread. */
    private readonly arrivalThreads?: ArrivalThreads,
    /** Hears the summary index's line of every ceremony the sync checked (the command line leaves them for the next start). */
    private readonly leaveSummaries?: (lines: IndexedCeremony[]) => Promise<void>,
  ) {}

  get root(): string {
    return this.service.store.root;
  }

  // ---- the remote -------------------------------------------------------------

  async remoteUrl(): Promise<string | undefined> {
    if (!(await this.isRepository())) return undefined;
    const result = await this.run(['config', '--get', `remote.${remoteName}.url`]);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  async addRemote(url: string): Promise<void> {
    if (!url || url.startsWith('-') || /[\n\r\0]/.test(url)) throw new ConclaveError('invalid-input', `"${url}" is not a git URL. Give the URL you would give "git clone": an SSH or HTTPS URL, or a path.`);
    // git would read it from the store folder, not from where it was typed (the command line makes such paths absolute first).
    if (isRelativeLocalPath(url)) throw new ConclaveError('invalid-input', `"${url}" is a relative path, which git would read from the store folder. Give the repository's full path (from the top folder, say /srv/git/ceremonies.git).`, { cause: 'remote-relative' });
    await this.ensureRepository();
    const existing = await this.remoteUrl();
    if (existing !== undefined) {
      throw new ConclaveError('invalid-input', `This store already shares its ceremonies with ${existing}; a store has one remote. Remove it first ("conclave remote remove") if the team moved.`, { cause: 'remote-exists' });
    }
    // Not `git remote add`: its fetch refspec is forced (+), which would let a manual `git fetch` follow a rewritten remote silently.
    await this.ok(['config', `remote.${remoteName}.url`, url]);
    await this.ok(['config', `remote.${remoteName}.fetch`, `${branch}:refs/remotes/${remoteName}/main`]);
    await this.ok(['config', `remote.${remoteName}.tagOpt`, '--no-tags']);
    await this.forget();
  }

  async removeRemote(): Promise<string> {
    const existing = await this.remoteUrl();
    if (existing === undefined) throw new ConclaveError('invalid-input', 'This store has no remote to remove. "conclave remote add URL" adds one.', { cause: 'no-remote' });
    await this.ok(['remote', 'remove', remoteName]);
    await this.forget();
    return existing;
  }

  /** A new remote is a new history: what was seen on the old one means nothing there. */
  private async forget(): Promise<void> {
    await this.run(['update-ref', '-d', incomingRef]);
    await this.run(['update-ref', '-d', witnessRef]);
  }

  /**
   * Where this store stands against its remote. Contacts the remote (a fetch, which changes nothing local but the
   * fetched copy). With no remote every event file is still to be shared, and every events folder is listed to count
   * them.
   */
  async status(): Promise<RemoteStatus> {
    const url = await this.remoteUrl();
    if (url === undefined) return { state: 'no-remote', ahead: (await this.localEvents()).length, behind: 0 };
    return this.locked(async () => {
      await this.service.store.ready();
      const uncommitted = (await this.uncommittedFiles()).filter((path) => classifyPath(path)?.kind === 'event').length;
      let incoming: string | undefined;
      try {
        incoming = await this.fetch();
        await this.checkNotRewritten(incoming);
      } catch (error) {
        if (error instanceof RepositoryStop) return { url, state: error.outcome, ahead: 0, behind: 0, reason: error.message };
        throw error;
      }
      const head = await this.head();
      const ahead = uncommitted + (await this.addedEvents(incoming ?? (await this.emptyTree()), head)).length;
      const behind = incoming ? (await this.addedEvents(head, incoming)).length : 0;
      const state: RemoteState = ahead > 0 && behind > 0 ? 'diverged' : ahead > 0 ? 'ahead' : behind > 0 ? 'behind' : 'up-to-date';
      return { url, state, ahead, behind };
    });
  }

  // ---- sync ---------------------------------------------------------------------

  /**
   * Commits local new files, then fetch, integrate, push; a push that loses a
   * race fetches and tries again. What Conclave wrote since the last sync
   * (written-folders.ts) is committed first and goes out while the folders
   * of the store are looked at for files another program put there (at
   * 100,000 ceremonies a look at every folder takes longer than git's push).
   * Whatever the look finds is committed as soon as it is found, whatever
   * the remote is doing (a remote that hangs until the deadline leaves every
   * file committed here), and pushed after, in the same sync.
   *
   * A sync that sends Conclave's own files looks at the next 2,000
   * ceremonies (every one, in a store that size), and the next sync takes
   * the look up from there, so every folder gets its turn. A sync with
   * nothing of Conclave's to send (a person who copied files in and syncs)
   * looks at every folder.
   */
  async sync(onStep: (step: SyncStep, detail?: string) => void = () => {}): Promise<SyncReport> {
    return this.locked(async (before) => {
      onStep('committing');
      // The remote's URL is read while the commit is made: a git of its own, which nothing below needs sooner.
      const urlRead = this.remoteUrl();
      urlRead.catch(() => undefined);
      await this.service.store.ready();
      const written = await takeWritten(this.root);
      const local: LocalFiles = { committed: [], leftOut: [], recheck: [], checked: new Set() };
      const exchanged: Exchanged = { gained: [], arrived: [], skipped: [] };
      const laidOut = await this.commitLayout(exchanged, local, before);
      const first = await this.commitLocal(await this.untracked(await this.filesIn(written.folders), written.folders), local, onStep, laidOut);
      appendAll(exchanged.gained, first.added);
      // While git pushes that commit (the remote's walk of every folder of main keeps one core busy), the other core has
      // the work tree's index follow main, then looks at a share of the store: one after the other, since either beside
      // the push and the other slows the push. The whole look at 100,000 ceremonies would outlast the push.
      const indexed = first.made ? this.movingMain(() => this.indexFollowsMain(before, exchanged.gained, first.made!.commit)) : Promise.resolve();
      const limit = first.made ? ceremoniesLookedAtBesideOwnFiles : undefined;
      // Started once that commit is made, not beside it: on two cores the commit's git would wait on the look.
      // A record made for the head this sync began from holds without asking git: since then only this sync moved main,
      // each time from the head it built on (update-ref fails if anyone else moved it), adding files or moving them.
      const trusted = (recorded: string) => (recorded === before ? Promise.resolve(true) : this.onlyGained(recorded));
      const scanned = indexed.catch(() => undefined).then(() => scanFolders(this.root, trusted, { limit })).then((scan) =>
        this.movingMain(async () => {
          const rest = await this.commitLocal((await this.untracked(scan.files, scan.changed)).filter((path) => !local.checked.has(path)), local, onStep);
          appendAll(exchanged.gained, rest.added);
          // Once main holds what was read (a sync killed before reads the same folders again); main only gains files after.
          await scan.save(await this.head(), local.recheck);
          return rest;
        }),
      );
      // Awaited below, on every path: nothing of this sync is still running when it ends.
      scanned.catch(() => undefined);
      const url = await urlRead;
      const report: SyncReport = { outcome: 'no-remote', committed: local.committed, leftOut: local.leftOut, pushed: 0, attempts: 0, arrivals: { events: [], evidence: [], problems: [] } };
      if (url === undefined) report.reason = 'This store has no remote: its events are committed locally. "conclave remote add URL" shares them.';
      else report.url = url;
      const exchange = async (sent: Sent) => {
        // Not without a remote, nor after a first exchange that stopped (offline, refused): what is committed goes up next time.
        if (url === undefined || report.reason !== undefined) return;
        try {
          await this.exchange(url, sent, before, exchanged, report, onStep);
        } catch (error) {
          if (!(error instanceof RepositoryStop)) throw error;
          report.outcome = error.outcome;
          report.reason = error.message;
        }
      };
      try {
        // With nothing of Conclave's to send, one exchange after the look is enough.
        if (first.made) await exchange({ base: before, commit: first.made.commit, events: first.events });
      } finally {
        await scanned.catch(() => undefined);
      }
      const rest = await scanned;
      if (rest.made) await exchange({ base: rest.made.parent, commit: rest.made.commit, events: rest.events });
      else if (!first.made) await exchange({ base: before, events: 0 });
      await written.done();
      const { arrived, skipped } = exchanged;
      let judged: IndexedCeremony[] = [];
      if (arrived.length > 0) {
        onStep('checking', `${arrived.length} file${arrived.length === 1 ? '' : 's'}`);
        report.arrivals = await checkArrivals(this.service, arrived, this.arrivalThreads, (lines) => (judged = lines));
      }
      if (skipped.length > 0) {
        report.skipped = skipped;
        report.arrivals.problems.push(...skipped.map((entry) => `${entry.reason} Everything else was shared; ask whoever pushed it to remove it from their store.`));
      }
      // Side by side: git packs while other gits work (its own gc --auto runs beside the command that started it).
      const summariesLeft = judged.length > 0 && this.leaveSummaries ? this.leaveSummaries(judged) : Promise.resolve();
      await sideBySide(this.indexFollowsMain(before, exchanged.gained), sideBySide(this.tidy(onStep), summariesLeft));
      return report;
    });
  }

  /**
   * Packs the repository's objects when git thinks it time (`git gc --auto`,
   * as git's own commands do after they write), here and now rather than in
   * a process git leaves running. Conclave writes objects one by one (each a
   * file), and a store of 400,000 events left unpacked makes every git
   * command slower; git packs once there are about 6,700 of them (gc.auto).
   */
  private async tidy(onStep: (step: SyncStep, detail?: string) => void): Promise<void> {
    if (await manyLooseObjects(join(this.root, '.git', 'objects'))) onStep('packing');
    await this.run(['-c', 'gc.autoDetach=false', 'gc', '--auto', '--quiet']);
  }

  /**
   * Fetch, integrate, push, until the remote has main; a push that loses a
   * race to another machine fetches and tries again. A commit of this
   * store's own goes first straight to a remote that is still where this
   * store last saw it (pushedWhereLastSeen): one exchange with the remote
   * instead of two.
   */
  private async exchange(url: string, sent: Sent, before: string, exchanged: Exchanged, report: SyncReport, onStep: (step: SyncStep, detail?: string) => void): Promise<void> {
    if (sent.commit && (await this.pushedWhereLastSeen(sent, before, exchanged, report, onStep))) return;
    for (let attempts = 1; ; attempts++) {
      onStep('fetching', url);
      const incoming = await this.fetch();
      onStep('integrating');
      const head = await this.movingMain(async () => {
        const integrated = await this.integrate(incoming);
        appendAll(exchanged.arrived, integrated.paths);
        appendAll(exchanged.skipped, integrated.skipped);
        appendAll(exchanged.gained, integrated.gained);
        // What a Conclave from before the dated folders added goes to them before it goes out again.
        if (integrated.legacy) await this.commitLayout(exchanged);
        return this.head();
      });
      if (incoming === head) {
        report.outcome = 'synced';
        return;
      }
      if (await this.pushCounted(head, incoming, sent, before, exchanged, report, onStep)) return;
      if (attempts >= maxPushAttempts) {
        throw new RepositoryStop('error', `The remote kept changing while Conclave pushed (${maxPushAttempts} attempts, each after fetching). Everything is committed here; run "conclave sync" again in a moment.`);
      }
    }
  }

  /**
   * Pushes main on the condition that the remote's main is still the head
   * this store last saw there (`--force-with-lease` with that head: main
   * descends from it, so the push is a fast-forward, and the remote moves
   * its ref only from that head). Then nothing can have arrived and nothing
   * was rewritten, which is what a fetch would have checked. False when the
   * remote moved meanwhile (another machine pushed, or someone rewrote it):
   * the sync then fetches, checks and integrates as always.
   */
  private async pushedWhereLastSeen(sent: Sent, before: string, exchanged: Exchanged, report: SyncReport, onStep: (step: SyncStep, detail?: string) => void): Promise<boolean> {
    const [seen, head] = await Promise.all([this.resolve(witnessRef), this.head()]);
    // The commit this sync made on the head it started from descends from it, without asking git.
    const descends = seen !== undefined && ((seen === sent.base && head === sent.commit) || (await this.isAncestor(seen, head)));
    if (!seen || !descends) return false;
    return this.pushCounted(head, seen, sent, before, exchanged, report, onStep, seen);
  }

  /**
   * One push attempt of main at `head` to a remote at `remoteHead`, counted
   * in the report: the event files it sends (a commit straight on the
   * remote's head sends exactly what it committed; otherwise git says what
   * main has that the remote lacks), and the outcome when it went through.
   */
  private async pushCounted(head: string, remoteHead: string | undefined, sent: Sent, before: string, exchanged: Exchanged, report: SyncReport, onStep: (step: SyncStep, detail?: string) => void, lease?: string): Promise<boolean> {
    const sending = sent.commit === head && sent.base === remoteHead ? sent.events : (await this.addedEvents(remoteHead ?? (await this.emptyTree()), head)).length;
    report.attempts += 1;
    onStep('pushing', `${sending} event file${sending === 1 ? '' : 's'}, attempt ${report.attempts}`);
    if (!(await this.pushWhileIndexFollows(head, before, exchanged.gained, lease))) return false;
    report.pushed += sending;
    report.outcome = 'synced';
    return true;
  }

  private mainMoves: Promise<unknown> = Promise.resolve();

  /**
   * One change of main at a time within a sync (a commit of what the look at
   * every folder found, the integration of what the remote added, the work
   * tree's index following main): each reads main, builds on it and moves it
   * with a compare-and-swap that the other would make fail.
   */
  private movingMain<T>(change: () => Promise<T>): Promise<T> {
    const done = this.mainMoves.then(change);
    this.mainMoves = done.catch(() => undefined);
    return done;
  }

  // ---- steps ----------------------------------------------------------------------

  /**
   * Creates the repository on first use: `git init`, main, .gitattributes
   * (bytes stay exact), a first commit. Idempotent, and finishes an init cut
   * short. Answers main's head.
   */
  async ensureRepository(): Promise<string> {
    await this.initialized();
    // Both looks at once: each is a git of its own, and a sync waits for them before anything else.
    const [headTarget, main] = await Promise.all([this.run(['symbolic-ref', '-q', 'HEAD']), this.resolve(branch)]);
    if (headTarget.stdout.trim() !== branch) {
      if ((await this.run(['rev-parse', '-q', '--verify', 'HEAD'])).code === 0) {
        throw new ConclaveError('invalid-input', `The store's git repository (${this.root}) is on ${headTarget.stdout.trim() || 'a detached HEAD'}; Conclave keeps ceremonies on main. Switch it back with "git -C ${this.root} switch main".`, { cause: 'wrong-branch' });
      }
      await this.ok(['symbolic-ref', 'HEAD', branch]);
    }
    for (const [name, text] of Object.entries(repositoryFiles)) {
      const path = join(this.root, name);
      const present = await readFile(path, 'utf8').catch(() => undefined);
      if (present === undefined) await writeFileAtomically(path, text, 0o644);
    }
    if (main !== undefined) return main;
    const tree = await this.treeWith(undefined, await this.blobs(Object.keys(repositoryFiles)));
    const commit = (await this.ok(['commit-tree', tree, '-m', 'Conclave ceremony repository'])).trim();
    await this.ok(['update-ref', '-m', 'conclave: new repository', branch, commit, '']);
    return commit;
  }

  /** The store folder, a git repository of its own (`git init` when it is not one yet). */
  private async initialized(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    if (!(await this.isRepository())) await this.ok(['init', '-q']);
  }

  /** Whether the store is a git repository yet; throws, saying what to do, for a linked checkout (store-git-folder.ts). */
  private async isRepository(): Promise<boolean> {
    return (await storeGitFolder(this.root)) === 'own';
  }

  /**
   * Event and evidence files of the store folder that main does not have yet:
   * only the folders changed since the last commit are read (folder-scan.ts),
   * and only their part of main is listed.
   */
  private async uncommittedFiles(): Promise<string[]> {
    const scan = await scanFolders(this.root, (recorded) => this.onlyGained(recorded));
    return this.untracked(scan.files, scan.changed);
  }

  /** Of these files (found in `folders`, or in every folder when undefined), those main does not have. */
  private async untracked(files: string[], folders: string[] | undefined): Promise<string[]> {
    if (files.length === 0) return [];
    const tracked = new Set<string>();
    // Folders as literal pathspecs (GIT_LITERAL_PATHSPECS); past a few hundred, listing all of main is as quick and keeps the arguments short.
    const where = folders && folders.length <= 500 ? ['--', ...folders] : [];
    await this.records(['ls-tree', '-r', '-z', '--name-only', branch, ...where], (path) => void (path && tracked.add(path)));
    return files.filter((path) => !tracked.has(path));
  }

  /** The event and evidence files in these store folders ("ceremonies/YYYY/MM/DD/<id>/events"). */
  private async filesIn(folders: string[]): Promise<string[]> {
    const files: string[] = [];
    for (const folder of folders) {
      for (const name of (await readdir(join(this.root, folder)).catch(() => [] as string[])).sort()) {
        if (classifyPath(`${folder}/${name}`)) files.push(`${folder}/${name}`);
      }
    }
    return files;
  }

  /** Whether main has only gained files since `recorded`: what a record of the store's folders made then still says holds. */
  private async onlyGained(recorded: string): Promise<boolean> {
    const head = await this.head();
    if (recorded === head) return true;
    if (!/^[0-9a-f]{40,64}$/.test(recorded) || (await this.resolve(recorded)) !== recorded || !(await this.isAncestor(recorded, head))) return false;
    const changes = await this.changes(recorded, head);
    // A move to the dated folders keeps every file, bytes and all: the record of the folders still holds.
    const moved = layoutMoves(changes);
    return changes.every((change) => change.status === 'A' || moved.has(change.path));
  }

  /**
   * Commits these new files of the store when they are complete events and
   * evidence; files that are neither are left out and reported (and read
   * again by the next sync). Adds to `local`; answers what main gained.
   */
  private async commitLocal(paths: string[], local: LocalFiles, onStep: (step: SyncStep, detail?: string) => void, main?: string): Promise<{ added: Change[]; events: number; made?: { commit: string; parent: string } }> {
    if (paths.length === 0) return { added: [], events: 0 };
    onStep('committing', `${paths.length}`);
    const committed: string[] = [];
    for (const path of paths) {
      local.checked.add(path);
      const problem = await this.checkLocalFile(path);
      if (problem) {
        local.leftOut.push(`${path}: ${problem}`);
        local.recheck.push(path);
      } else committed.push(path);
    }
    if (committed.length === 0) return { added: [], events: 0 };
    // Main as the caller just saw it, or as it is; the commit moves main only from there (update-ref's old value).
    const head = main ?? (await this.head());
    const added = await this.blobs(committed);
    const tree = await this.treeWith(head, added);
    // On standard input: an argument is limited by the system (E2BIG), a first commit of a large store is not.
    const commit = (await this.ok(['commit-tree', tree, '-p', head, '-F', '-'], commitMessage(committed))).trim();
    await this.ok(['update-ref', '-m', 'conclave: commit local events', branch, commit, head]);
    appendAll(local.committed, committed);
    return { added, events: committed.filter((path) => classifyPath(path)?.kind === 'event').length, made: { commit, parent: head } };
  }

  /** A file is shared only when it is whole: a complete event envelope of its ceremony, or evidence matching its digest. */
  private async checkLocalFile(path: string): Promise<string | undefined> {
    const kind = classifyPath(path);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.root, path));
    } catch (error) {
      return `it cannot be read (${error instanceof Error ? error.message : String(error)})`;
    }
    if (kind?.kind === 'event') {
      const read = readBundleEvent({ name: kind.name, envelope: bytes.toString('utf8') }, kind.ceremonyId);
      return 'code' in read ? read.reason : undefined;
    }
    if (kind?.kind === 'evidence') {
      return createHash('sha256').update(bytes).digest('hex') === kind.digest ? undefined : 'its content does not match its digest';
    }
    return 'it is not a file Conclave shares';
  }

  /** Fetches the remote's main into incomingRef; undefined when the remote has no main yet (a new, empty repository). */
  private async fetch(): Promise<string | undefined> {
    // --refmap= keeps fetch from also moving refs/remotes/origin/main, whose non-forced refspec would fail on a rewritten remote before Conclave could say what changed.
    // --no-recurse-submodules: otherwise git reads the work tree's whole index (seconds at 400,000 files) to look for submodules, which a store never has.
    // --no-auto-gc: git would pack in a process of its own that outlives the command; the sync packs itself, at its end (tidy).
    const result = await this.run(['fetch', '--no-tags', '--quiet', '--no-recurse-submodules', '--no-auto-gc', '--refmap=', remoteName, `+${branch}:${incomingRef}`]);
    if (result.code !== 0) {
      if (/couldn't find remote ref/i.test(result.stderr)) {
        await this.run(['update-ref', '-d', incomingRef]);
        return undefined;
      }
      throw await this.unreachableFrom(result);
    }
    return (await this.ok(['rev-parse', '--verify', `${incomingRef}^{commit}`])).trim();
  }

  /**
   * Why git could not talk to the remote, said of the remote when it is a
   * path on this machine: git's own words ("does not appear to be a git
   * repository") read as "offline" whether the drive is not connected, the
   * path is wrong, or it names a folder that is no repository.
   */
  private async unreachableFrom(result: GitResult): Promise<RepositoryStop> {
    if (result.stopped) return this.unreachable(result);
    const url = await this.remoteUrl().catch(() => undefined);
    if (url === undefined || !isLocalPath(url) || isRelativeLocalPath(url)) return this.unreachable(result);
    const entry = await stat(url).catch(() => undefined);
    if (!entry) {
      return new RepositoryStop('offline', `The remote ${url} is not there. If it is on a drive or a network share, connect it and sync again; if the path is wrong, set the right one ("conclave remote remove", then "conclave remote add PATH").`);
    }
    if (/does not appear to be a git repository/i.test(result.stderr)) {
      return new RepositoryStop('error', `The remote ${url} is a ${entry.isDirectory() ? 'folder' : 'file'} but not a git repository. Give the path of the team's shared repository ("conclave remote remove", then "conclave remote add PATH"); a new one is made with "git init --bare PATH".`);
    }
    return this.unreachable(result);
  }

  private unreachable(result: GitResult): RepositoryStop {
    if (result.stopped) {
      return new RepositoryStop('offline', 'The sync was stopped before git had finished talking to the remote: everything stays committed here and goes up at the next sync.');
    }
    const reason = gitReason(result);
    if (/Permission denied|Authentication failed|could not read (Username|Password)|terminal prompts disabled|Repository not found|not found|access denied|\b40[13]\b|Host key verification failed/i.test(result.stderr)) {
      return new RepositoryStop('error', `The remote refused Conclave: ${reason} Check the URL and that your git can reach it ("git ls-remote URL").`);
    }
    if (/Could not resolve|Connection refused|timed out|Network is unreachable|No route to host|unable to connect|Failed to connect|Couldn't connect|does not appear to be a git repository|Connection reset|Connection closed|unable to look up|early EOF|unable to access/i.test(result.stderr)) {
      return new RepositoryStop('offline', `The remote cannot be reached: ${reason}`);
    }
    return new RepositoryStop('error', `git could not talk to the remote: ${reason}`);
  }

  /** Refuses a remote whose history no longer contains the head this store last saw there. */
  private async checkNotRewritten(incoming: string | undefined): Promise<void> {
    const witness = await this.resolve(witnessRef);
    if (!witness) return;
    if (incoming && (await this.isAncestor(witness, incoming))) return;
    const lines = [
      incoming
        ? `The remote's history was rewritten: its main is now at ${incoming.slice(0, 12)}, which no longer contains ${witness.slice(0, 12)}, the head this store last saw there.`
        : `The remote's history was rewritten: its main branch is gone, though this store last saw it at ${witness.slice(0, 12)}.`,
    ];
    lines.push(...(await this.describeChanges(witness, incoming)));
    lines.push(`Nothing was merged and nothing was pushed; this store keeps every event it had. Conclave never forces: ask whoever rewrote the remote to restore it (for example, push ${witness.slice(0, 12)} back), or, if the team has moved to a new history, "conclave remote remove" then "conclave remote add URL".`);
    throw new RepositoryStop('rewritten', lines.join('\n'));
  }

  /** What happened to the files of `from` in `to`: removed, edited. */
  private async describeChanges(from: string, to: string | undefined): Promise<string[]> {
    const changes = to ? await this.changes(from, to) : (await this.changes(await this.emptyTree(), from)).map((change) => ({ ...change, status: 'D' }));
    const removed = changes.filter((change) => change.status === 'D');
    const edited = changes.filter((change) => change.status !== 'D' && change.status !== 'A');
    const lines: string[] = [];
    lines.push(...bounded(removed.map((change) => `  removed: ${describePath(change.path)}`)));
    lines.push(...bounded(edited.map((change) => `  edited:  ${describePath(change.path)}`)));
    if (lines.length === 0) lines.push('  every file this store had seen is still there, but the commits that recorded them were replaced.');
    return lines;
  }

  /**
   * Brings what the remote added into main: a fast-forward, or a merge commit
   * whose tree is the union. Returns the paths that arrived.
   */
  private async integrate(incoming: string | undefined): Promise<{ paths: string[]; skipped: SkippedFile[]; gained: Change[]; legacy?: boolean }> {
    await this.checkNotRewritten(incoming);
    if (!incoming) return { paths: [], skipped: [], gained: [] };
    const head = await this.head();
    if (await this.isAncestor(incoming, head)) {
      await this.ok(['update-ref', '-m', 'conclave: seen on the remote', witnessRef, incoming]);
      return { paths: [], skipped: [], gained: [] };
    }
    const base = (await this.run(['merge-base', head, incoming])).stdout.trim() || (await this.emptyTree());
    // Files are written once: a remote whose history removes or edits one is not merged, whoever did it. The one removal
    // allowed is the move of a file to its dated folder, its bytes unchanged (layout.ts).
    const fromBase = await this.changes(base, incoming);
    const moved = layoutMoves(fromBase);
    const touched = fromBase.filter((change) => change.status !== 'A' && !moved.has(change.path));
    if (touched.length > 0) {
      throw new RepositoryStop(
        'rewritten',
        [
          `The remote's history removes or edits files that are never changed once written (its main is at ${incoming.slice(0, 12)}):`,
          ...bounded(touched.map((change) => `  ${change.status === 'D' ? 'removed' : 'edited: '} ${describePath(change.path)}`)),
          'Nothing was merged and nothing was pushed; this store keeps every event it had. Ask whoever changed the remote to restore those files.',
        ].join('\n'),
      );
    }
    const toHead = await this.changes(head, incoming);
    const clash = toHead.filter((change) => change.status === 'M' || change.status === 'T');
    // A file the remote holds in the legacy layout is stored at its dated path: where this store has that name, the bytes
    // must be the same, and then it is no news (the remote has not moved it yet).
    const known = new Set<string>();
    const present: Array<{ change: Change; stored: string }> = [];
    for (const change of toHead) {
      const kind = change.status === 'A' ? classifyPath(change.path) : undefined;
      if (!kind || kind.kind === 'repository' || !kind.legacy || change.mode !== '100644') continue;
      if (await stat(join(this.root, currentPath(kind))).then(() => true, () => false)) present.push({ change, stored: currentPath(kind) });
    }
    // One git hashes them all: a store whose remote has not moved its files yet meets one such file per event.
    if (present.length > 0) {
      const blobs: string[] = [];
      await this.records(['hash-object', '--no-filters', '--stdin-paths'], (id) => void (id && blobs.push(id)), `${present.map((file) => file.stored).join('\n')}\n`, '\n');
      present.forEach(({ change }, index) => (blobs[index] === change.blob ? known.add(change.path) : clash.push(change)));
    }
    if (clash.length > 0) {
      throw new RepositoryStop('error', [`The remote has other content under names this store already uses (event names are unique, so someone edited a file):`, ...bounded(clash.map((change) => `  ${describePath(change.path)}`)), 'Nothing was merged and nothing was pushed.'].join('\n'));
    }
    const arriving = toHead.filter((change) => change.status === 'A');
    // What no honest machine writes (a submodule link, a link, a file far larger than any event) is left in git, not read: one pushed file cannot stop everyone's sync.
    const { skipped, sizes } = await this.unacceptable(arriving);
    const refused = new Set(skipped.map((entry) => entry.path));
    // Files first, atomically, then the commit that records them: a crash in between leaves files the next sync finds identical to the remote's.
    await this.placeArrivals(arriving.filter((change) => !refused.has(change.path)), sizes);
    let merged: string;
    if (await this.isAncestor(head, incoming)) {
      merged = incoming;
    } else {
      const tree = await this.treeWith(head, arriving);
      merged = (await this.ok(['commit-tree', tree, '-p', head, '-p', incoming, '-m', `Conclave: merge ${arriving.length} file${arriving.length === 1 ? '' : 's'} from ${remoteName}`])).trim();
    }
    await this.ok(['update-ref', '-m', 'conclave: integrate remote', branch, merged, head]);
    await this.ok(['update-ref', '-m', 'conclave: seen on the remote', witnessRef, incoming]);
    const kept = arriving.filter((change) => !refused.has(change.path) && !known.has(change.path));
    const stored = kept.map((change) => {
      const kind = classifyPath(change.path);
      return kind && kind.kind !== 'repository' ? currentPath(kind) : change.path;
    });
    return { paths: stored, skipped, gained: arriving, legacy: arriving.some((change) => isLegacyPath(change.path)) };
  }

  /**
   * Moves what main still holds in the legacy layout (`ceremonies/<id>/…`)
   * to the dated folders, in a commit of its own that changes no file's
   * bytes: every removal pairs with the addition of the same blob at the
   * file's dated path, which is what other machines and the audit accept as
   * a move (layout.ts). The store folder itself was moved already
   * (CeremonyStore.ready). A legacy file whose dated path holds other bytes
   * stays where it is and is reported: someone edited one of the two.
   * Answers main's head after it.
   */
  private async commitLayout(exchanged: Exchanged, local?: LocalFiles, main?: string): Promise<string> {
    const head = main ?? (await this.head());
    const top: string[] = [];
    await this.records(['ls-tree', '-z', '--name-only', head, '--', 'ceremonies/'], (path) => void (path && top.push(path)));
    const legacyFolders = top.filter((path) => ceremonyIdPattern.test(path.slice('ceremonies/'.length)));
    if (legacyFolders.length === 0) return head;
    const ids = legacyFolders.map((path) => path.slice('ceremonies/'.length));
    const where = ids.length <= 250 ? ['--', ...legacyFolders, ...ids.map((id) => ceremonyFolder(id))] : ['--', 'ceremonies/'];
    const entries = new Map<string, { mode: string; blob: string }>();
    await this.records(['ls-tree', '-r', '-z', head, ...where], (record) => {
      const entry = blobEntryOf(record);
      if (entry) entries.set(entry.path, entry);
    });
    const zeros = '0'.repeat(head.length);
    const changes: Change[] = [];
    const clashes: string[] = [];
    for (const [path, entry] of entries) {
      const kind = classifyPath(path);
      if (!kind || kind.kind === 'repository' || !kind.legacy || entry.mode !== '100644') continue;
      const target = currentPath(kind);
      const present = entries.get(target);
      if (present && present.blob !== entry.blob) {
        clashes.push(`${path}: ${describePath(path)} differs from the file of the same name in its dated folder (${target}); it stays where it is. Someone edited one of the two.`);
        continue;
      }
      changes.push({ status: 'D', mode: '0', blob: zeros, oldBlob: entry.blob, path });
      if (!present) changes.push({ status: 'A', mode: '100644', blob: entry.blob, path: target });
    }
    if (local) appendAll(local.leftOut, clashes);
    if (changes.length === 0) return head;
    const tree = await this.treeWith(head, changes);
    const files = changes.filter((change) => change.status === 'D').length;
    const message = `Conclave: ${files.toLocaleString('en')} file${files === 1 ? '' : 's'} moved to dated folders (ceremonies/YYYY/MM/DD/<id>), no file changed\n`;
    const commit = (await this.ok(['commit-tree', tree, '-p', head, '-F', '-'], message)).trim();
    await this.ok(['update-ref', '-m', 'conclave: dated folders', branch, commit, head]);
    appendAll(exchanged.gained, changes);
    return commit;
  }

  /**
   * The arriving entries Conclave will not read: not a regular file (a
   * submodule link, a symbolic link), or larger than any event or evidence
   * file can be. Decided from git's own records (mode, object size) before a
   * byte of the content is read.
   */
  private async unacceptable(arriving: Change[]): Promise<{ skipped: SkippedFile[]; sizes: Map<string, number> }> {
    const skipped: SkippedFile[] = [];
    const sizes = new Map<string, number>();
    const files = arriving.filter((change) => {
      const kind = classifyPath(change.path);
      if (!kind || kind.kind === 'repository') return false;
      if (change.mode === '100644' || change.mode === '100755') return true;
      const what = change.mode === '160000' ? 'a submodule link' : change.mode === '120000' ? 'a symbolic link' : `an entry of mode ${change.mode}`;
      skipped.push({ path: change.path, reason: `${describePath(change.path)} arrived as ${what}, not a file; it was left out.` });
      return false;
    });
    if (files.length === 0) return { skipped, sizes };
    const lines: string[] = [];
    await this.records(['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], (line) => void (line && lines.push(line)), `${files.map((change) => change.blob).join('\n')}\n`, '\n');
    files.forEach((change, index) => {
      const [, type, size] = (lines[index] ?? '').split(' ');
      const limit = classifyPath(change.path)?.kind === 'event' ? maxEventFileBytes : maxEvidenceFileBytes;
      if (type !== 'blob') skipped.push({ path: change.path, reason: `${describePath(change.path)} is not in the fetched history as a file; it was left out.` });
      else if (Number(size) > limit) skipped.push({ path: change.path, reason: `${describePath(change.path)} is ${(Number(size) / (1024 * 1024)).toFixed(1)} MiB, more than the ${limit / (1024 * 1024)} MiB such a file can be; it was left out, unread.` });
      else sizes.set(change.blob, Number(size));
    });
    return { skipped, sizes };
  }

  /**
   * Writes the files that arrived into the store folder, each atomically
   * and flushed to disk, where the store keeps it now (a file the remote
   * holds in the legacy layout goes to its dated folder). A first sync of a
   * team's store brings tens of thousands: their bytes come from one git
   * (a git started per file cost about 10 ms each, most of an 11-minute
   * first sync of 10,000 ceremonies), and they are written a batch at a
   * time, side by side, each folder flushed once per batch.
   */
  private async placeArrivals(arriving: Change[], sizes: Map<string, number>): Promise<void> {
    const placed = arriving.flatMap((change) => {
      const kind = classifyPath(change.path);
      return kind && kind.kind !== 'repository' ? [{ change, path: join(this.root, currentPath(kind)) }] : [];
    });
    if (placed.length === 0) return;
    const objects = await ObjectReader.start(this.git, this.root);
    try {
      for (let start = 0; start < placed.length; ) {
        // Up to arrivalsPerBatch files and arrivalBytesPerBatch bytes (a file larger than that goes alone): what a batch holds
        // in memory. Two arrivals bound for one place (a legacy path and its dated one) go in turn, as they come.
        let end = start;
        let bytes = 0;
        const paths = new Set<string>();
        while (end < placed.length && end - start < arrivalsPerBatch && !paths.has(placed[end]!.path) && (end === start || bytes + (sizes.get(placed[end]!.change.blob) ?? 0) <= arrivalBytesPerBatch)) {
          bytes += sizes.get(placed[end]!.change.blob) ?? 0;
          paths.add(placed[end]!.path);
          end++;
        }
        const batch = placed.slice(start, end);
        start = end;
        // Every object of the batch asked for at once: git answers them in order down one pipe.
        const objectsRead = batch.map(({ change }) => objects.read(change.blob));
        // Every write of the batch ends before a failure is told: nothing of the sync goes on writing after it stops.
        const outcomes = await Promise.allSettled(
          batch.map(async ({ change, path }, index) => {
            const object = await objectsRead[index]!;
            if (object?.type !== 'blob') throw new ConclaveError('internal', `The file ${describePath(change.path)} (${change.blob}) cannot be read from this store's repository after the fetch.`, { cause: 'git-failed' });
            const present = await readFile(path).catch(() => undefined);
            if (present && present.equals(object.bytes)) return undefined;
            await writeFileAtomically(path, object.bytes, 0o644).catch(async (error: unknown) => {
              throw (await this.fileInTheWay(path)) ?? error;
            });
            return dirname(path);
          }),
        );
        const written = outcomes.map((outcome) => {
          if (outcome.status === 'rejected') throw outcome.reason;
          return outcome.value;
        });
        await Promise.all([...new Set(written.filter((folder) => folder !== undefined))].map((folder) => syncFolder(folder)));
      }
    } finally {
      await objects.close();
    }
  }

  /**
   * When a file sits in the store folder where a folder of `path` should be
   * (put there by hand or by another program), what to do about it; else
   * undefined.
   */
  private async fileInTheWay(path: string): Promise<ConclaveError | undefined> {
    for (let folder = dirname(path); folder.startsWith(`${this.root}${sep}`); folder = dirname(folder)) {
      const entry = await lstat(folder).catch(() => undefined);
      if (!entry) continue;
      if (entry.isDirectory()) return undefined;
      const named = relative(this.root, folder).split(sep).join('/');
      return new ConclaveError('invalid-input', `${named} is a file in the store folder, where Conclave keeps a ceremony's folder, so the files the remote brought for it cannot be written. Move that file out of the store folder and run "conclave sync" again; what the remote brought was not merged.`, { cause: 'store-file-in-the-way' });
    }
    return undefined;
  }

  /**
   * Pushes while the work tree's index catches up with main (they touch
   * different files of .git, and rewriting the index of 400,000 files takes
   * as long as a push to a remote far away): the push's answer once both
   * have finished, so nothing of this sync is still running when it ends.
   */
  private async pushWhileIndexFollows(head: string, before: string, gained: Change[], lease?: string): Promise<boolean> {
    const [pushed] = await sideBySide(this.push(head, lease), this.movingMain(() => this.indexFollowsMain(before, gained)));
    return pushed;
  }

  /**
   * Pushes main; false when another machine pushed first (fetch, integrate,
   * try again). Never forces: with `lease` (a head main descends from), the
   * remote's main must still be exactly that head, so the push is a
   * fast-forward from it; without, git refuses anything but a fast-forward.
   */
  private async push(head: string, lease?: string): Promise<boolean> {
    const result = await this.run(['push', '--porcelain', ...(lease ? [`--force-with-lease=${branch}:${lease}`] : []), remoteName, `${branch}:${branch}`]);
    if (result.code === 0) {
      await this.ok(['update-ref', '-m', 'conclave: pushed', witnessRef, head]);
      return true;
    }
    const line = result.stdout.split('\n').find((entry) => entry.startsWith('!\t'));
    // Lost a race: the remote moved after our fetch ([rejected], fetch first), or while we pushed (the remote could not move its ref from the head we expected).
    if (line && (/\[rejected\]/.test(line) || /failed to update ref|cannot lock ref|failed to lock|but expected|stale info/i.test(line))) return false;
    if (line) throw new RepositoryStop('error', `The remote refused the push: ${line.split('\t').slice(2).join(' ')}${result.stderr.trim() ? ` (${gitReason(result)})` : ''}`);
    throw await this.unreachableFrom(result);
  }

  /**
   * For people who look at the folder with git: the work tree's index follows
   * main again (Conclave itself never reads it). Main only gains files (or
   * moves them to the dated folders), so what it gained since the index last
   * followed it is added to the index (and what moved, taken out),
   * which costs what they cost; `git reset` rebuilds the whole index (seconds
   * at 400,000 files) only when there is no record of where it was, or main
   * lost or changed a file since. `gained`: what main gained since `before`,
   * known to the sync (so nothing is read again when the index followed main
   * at `before`).
   */
  private async indexFollowsMain(before: string, gainedSince: Change[], main?: string): Promise<void> {
    const record = join(this.root, '.git', 'conclave-index-head');
    const head = main ?? (await this.head());
    const followed = (await readFile(record, 'utf8').catch(() => '')).trim();
    const hasIndex = await stat(join(this.root, '.git', 'index')).then(() => true, () => false);
    if (followed === head && hasIndex) return;
    const known = hasIndex && /^[0-9a-f]{40,64}$/.test(followed) && (followed === before || ((await this.resolve(followed)) === followed && (await this.isAncestor(followed, head))));
    const gained = !known ? [] : followed === before ? gainedSince : await this.changes(followed, head);
    // A removal (main only loses a path in a move to the dated folders) is a mode-0 line, which takes the path out of the index.
    const updated = known && gained.every((change) => change.status === 'A' || change.status === 'D') && (await this.run(['update-index', '--add', '-z', '--index-info'], gained.map((change) => (change.status === 'D' ? `0 ${'0'.repeat(change.blob.length)}\t${change.path}\0` : `${change.mode} ${change.blob}\t${change.path}\0`)).join(''))).code === 0;
    // A stale index.lock (someone's git killed mid-write) makes both fail: the index then stays as it was, which Conclave never reads.
    if (!updated && (await this.run(['reset', '-q'])).code !== 0) return;
    await writeFileAtomically(record, `${head}\n`, 0o644);
  }

  // ---- git helpers ---------------------------------------------------------------

  /** Writes the files' bytes as blobs, exactly (no filters), and returns them as changes to add. */
  private async blobs(paths: string[]): Promise<Change[]> {
    if (paths.length === 0) return [];
    const ids: string[] = [];
    await this.records(['hash-object', '-w', '--no-filters', '--stdin-paths'], (id) => void (id && ids.push(id)), `${paths.join('\n')}\n`, '\n');
    return paths.map((path, index) => ({ status: 'A', mode: '100644', blob: ids[index]!, path }));
  }

  /**
   * The tree of `base` (or empty) plus these entries; a removal (status D,
   * a move to the dated folders) takes its path out. A few entries (a sync's
   * usual new events) are written into the folders they change, so the cost
   * does not grow with the store; many (a first commit)
   * go through a private index, never the work tree's.
   */
  private async treeWith(base: string | undefined, entries: Change[]): Promise<string> {
    if (base && entries.length <= maxEntriesByFolder) return this.treeByFolder(`${base}^{tree}`, entries);
    const indexFile = join(this.root, '.git', `conclave-${randomBytes(6).toString('hex')}.index`);
    const env = { GIT_INDEX_FILE: indexFile };
    try {
      if (base) await this.ok(['read-tree', base], undefined, env);
      else await this.ok(['read-tree', '--empty'], undefined, env);
      if (entries.length > 0) await this.ok(['update-index', '--add', '-z', '--index-info'], entries.map((entry) => `${entry.mode} ${entry.blob}\t${entry.path}\0`).join(''), env);
      return (await this.ok(['write-tree'], undefined, env)).trim();
    } finally {
      await rm(indexFile, { force: true });
      await rm(`${indexFile}.lock`, { force: true });
    }
  }

  /**
   * `tree` with the entries added (or, status D, removed; a folder left empty
   * goes too), folder by folder from the deepest: only the
   * folders on the entries' paths are read and written, in git's stored form
   * (raw-tree.ts: a folder of 100,000 ceremonies, as a store kept them
   * before the dated folders, is one read and one write of its bytes, not a
   * listing and a parse).
   */
  private async treeByFolder(tree: string, entries: Change[]): Promise<string> {
    const top: Folder = { files: new Map(), folders: new Map() };
    for (const entry of entries) {
      const parts = entry.path.split('/');
      let folder = top;
      for (const part of parts.slice(0, -1)) {
        let next = folder.folders.get(part);
        if (!next) folder.folders.set(part, (next = { files: new Map(), folders: new Map() }));
        folder = next;
      }
      folder.files.set(parts.at(-1)!, entry);
    }
    // One git answers every tree read here, and one writes every new tree: a git started per folder cost 12 ms each.
    const objects = await ObjectReader.start(this.git, this.root);
    const written: Array<{ id: string; bytes: Buffer }> = [];
    let objectFormat: { idBytes: number; algorithm: 'sha1' | 'sha256' } | undefined;
    /** The folder's new tree; undefined when nothing is left in it (a removal took its last file), so its parent drops it as git does. */
    const write = async (folder: Folder, existing: string | undefined, where: string): Promise<string | undefined> => {
      const stored = existing ? await objects.read(existing) : undefined;
      if (existing && stored?.type !== 'tree') throw new ConclaveError('internal', `The tree ${existing} of ${where || 'main'} cannot be read from this store's repository.`, { cause: 'git-failed' });
      if (stored) objectFormat ??= stored.id.length === 64 ? { idBytes: 32, algorithm: 'sha256' } : { idBytes: 20, algorithm: 'sha1' };
      const format = objectFormat!;
      const listing = stored ? RawTree.parse(stored.bytes, format.idBytes) : RawTree.empty();
      const changes: TreeEntry[] = [];
      const removed: Buffer[] = [];
      for (const [name, sub] of folder.folders) {
        const present = listing.get(name);
        if (present && !isFolder(present)) throw new RepositoryStop('error', `${where}${name} is a file in this store's history, and a folder in what is being added; nothing was merged and nothing was pushed.`);
        const object = await write(sub, present?.id.toString('hex'), `${where}${name}/`);
        if (object === undefined) removed.push(Buffer.from(name, 'utf8'));
        else changes.push({ mode: folderMode, name: Buffer.from(name, 'utf8'), id: Buffer.from(object, 'hex') });
      }
      for (const [name, entry] of folder.files) {
        const present = listing.get(name);
        if (present && isFolder(present)) throw new RepositoryStop('error', `${where}${name} is a folder in this store's history, and a file in what is being added; nothing was merged and nothing was pushed.`);
        if (entry.status === 'D') removed.push(Buffer.from(name, 'utf8'));
        else changes.push({ mode: entry.mode, name: Buffer.from(name, 'utf8'), id: Buffer.from(entry.blob, 'hex') });
      }
      const bytes = listing.with(changes, removed);
      if (bytes.length === 0 && where !== '') return undefined;
      // Its id as git will name it, so that its parent can be built before anything is written.
      const id = createHash(format.algorithm).update(`tree ${bytes.length}\0`).update(bytes).digest('hex');
      written.push({ id, bytes });
      return id;
    };
    try {
      const root = (await write(top, tree, ''))!;
      await this.writeTrees(written);
      return root;
    } finally {
      await objects.close();
    }
  }

  /**
   * Writes these trees in one `git hash-object --stdin-paths` (each from a
   * file of its own, in a folder removed after), which checks each tree's
   * form as it writes it, and refuses an id other than the one computed.
   */
  private async writeTrees(trees: Array<{ id: string; bytes: Buffer }>): Promise<void> {
    const folder = join(this.root, '.git', `conclave-trees-${randomBytes(6).toString('hex')}`);
    await mkdir(folder);
    try {
      const paths = trees.map((_, index) => join(folder, String(index)));
      await Promise.all(trees.map((entry, index) => writeFile(paths[index]!, entry.bytes)));
      const ids: string[] = [];
      await this.records(['hash-object', '-t', 'tree', '-w', '--stdin-paths'], (id) => void (id && ids.push(id)), `${paths.join('\n')}\n`, '\n');
      const wrong = trees.findIndex((entry, index) => ids[index] !== entry.id);
      if (wrong >= 0) throw new ConclaveError('internal', `git wrote a tree as ${ids[wrong] ?? 'nothing'}, not as ${trees[wrong]!.id}: this store's repository uses an object format Conclave does not know.`, { cause: 'git-failed' });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  private async changes(from: string, to: string): Promise<Change[]> {
    // Records alternate: ":oldmode newmode oldblob newblob status", then the path.
    const changes: Change[] = [];
    let meta: RegExpExecArray | null = null;
    const onRecord = (field: string) => {
      if (meta) {
        changes.push({ status: meta[5]!, mode: meta[2]!, blob: meta[4]!, oldBlob: meta[3]!, path: field });
        meta = null;
      } else meta = /^:(\d+) (\d+) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])/.exec(field);
    };
    // diff-tree reads the work tree's index as it starts, though it compares two trees: at 400,000 files that is 0.4 s of
    // every sync. An index file that does not exist is an empty one.
    await this.records(['diff-tree', '-r', '-z', '--no-renames', from, to], onRecord, undefined, '\0', { GIT_INDEX_FILE: join(this.root, '.git', 'conclave-no-index') });
    return changes;
  }

  /** Event files added from `from` to `to` (a file moved to its dated folder is not a new one). */
  private async addedEvents(from: string, to: string): Promise<string[]> {
    const changes = await this.changes(from, to);
    const movedTo = new Set([...layoutMoves(changes)].map((path) => currentPath(classifyPath(path) as Extract<StorePath, { ceremonyId: string }>)));
    return changes.filter((change) => change.status === 'A' && classifyPath(change.path)?.kind === 'event' && !movedTo.has(change.path)).map((change) => change.path);
  }

  /** The store's event files: its events folders alone (listing the evidence folders too doubled the cost, 1.2 s of the window's core at 10,000 ceremonies). */
  private async localEvents(): Promise<string[]> {
    await this.service.store.ready();
    const ids = await listCeremonyIds(this.root);
    return (await this.filesIn(ids.map((id) => ceremonySubfolder(id, 'events')))).filter((path) => classifyPath(path)?.kind === 'event');
  }

  private async emptyTree(): Promise<string> {
    return (await this.ok(['mktree'], '')).trim();
  }

  private async head(): Promise<string> {
    return (await this.ok(['rev-parse', '--verify', `${branch}^{commit}`])).trim();
  }

  private async resolve(ref: string): Promise<string | undefined> {
    const result = await this.run(['rev-parse', '-q', '--verify', `${ref}^{commit}`]);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  private async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return (await this.run(['merge-base', '--is-ancestor', ancestor, descendant])).code === 0;
  }

  /** The person's own identity when git has one; otherwise one for this store's commits only (never written to any config). */
  private identityArgs(): Promise<string[]> {
    // One look, shared by gits started side by side.
    this.identity ??= this.readIdentityArgs();
    return this.identity;
  }

  private async readIdentityArgs(): Promise<string[]> {
    // Both in one git; of a key set in several files, the last one counts, as for `git config --get`.
    const values = new Map<string, string>();
    const result = await this.git.run(['config', '-z', '--get-regexp', '^user\\.(name|email)$'], { cwd: this.root });
    for (const record of result.code === 0 ? result.stdout.split('\0') : []) {
      const newline = record.indexOf('\n');
      if (newline > 0 && record.slice(newline + 1).trim()) values.set(record.slice(0, newline), record.slice(newline + 1).trim());
    }
    const [name, email] = [values.get('user.name'), values.get('user.email')];
    const host = hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'localhost';
    return name && email ? [] : ['-c', `user.name=${name ?? 'Conclave'}`, '-c', `user.email=${email ?? `conclave@${host}`}`];
  }

  private async run(args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv): Promise<GitResult> {
    await mkdir(this.root, { recursive: true });
    const identity = (await this.isRepository()) ? await this.identityArgs() : [];
    return this.git.run([...identity, ...args], { cwd: this.root, ...(input !== undefined ? { input } : {}), ...(env ? { env } : {}) });
  }

  /** A local git whose answer grows with the tree, read record by record (no buffer limit). */
  private async records(args: string[], onRecord: (record: string) => void, input?: string, separator = '\0', env?: NodeJS.ProcessEnv): Promise<void> {
    await this.git.records(args, { cwd: this.root, ...(input !== undefined ? { input } : {}), ...(env ? { env } : {}) }, onRecord, separator);
  }

  private async ok(args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv): Promise<string> {
    const result = await this.run(args, input, env);
    if (result.code !== 0) throw new ConclaveError('internal', `git ${args[0]} failed in ${this.root}: ${gitReason(result)}`, { cause: 'git-failed' });
    return result.stdout;
  }

  // ---- one sync at a time ------------------------------------------------------------

  /**
   * One sync (or status) at a time per store: the app's automatic sync and a
   * terminal must not interleave. A lock left by a process that was killed is
   * taken over, with the git lock files it may have left. `work` is given
   * main's head as it is once the lock is held (the repository made whole
   * first, under the lock, so two first syncs cannot both make a first commit).
   */
  private async locked<T>(work: (main: string) => Promise<T>): Promise<T> {
    await this.initialized();
    const lockPath = join(this.root, '.git', 'conclave-sync.lock');
    const mine = JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() });
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(lockPath, 'wx', 0o644);
        try {
          await handle.writeFile(mine);
        } finally {
          await handle.close();
        }
        break;
      } catch (error) {
        if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST') || attempt > 0) throw error;
        const holder = await readFile(lockPath, 'utf8').then((text) => JSON.parse(text) as { pid?: number; host?: string }).catch(() => ({}) as { pid?: number; host?: string });
        if (holder.pid && holder.host === hostname() && processAlive(holder.pid)) {
          throw new ConclaveError('invalid-input', `Another Conclave (process ${holder.pid}) is syncing this store right now. Wait for it to finish and try again.`, { cause: 'sync-running' });
        }
        await this.clearStaleLocks();
        await rm(lockPath, { force: true });
      }
    }
    try {
      return await work(await this.ensureRepository());
    } finally {
      await rm(lockPath, { force: true });
    }
  }

  /** The lock files git leaves when it is killed mid-write; the process that owned them is gone. */
  private async clearStaleLocks(): Promise<void> {
    const gitDir = join(this.root, '.git');
    const locks = ['index.lock', 'HEAD.lock', 'config.lock', 'packed-refs.lock', 'refs/heads/main.lock', `${incomingRef}.lock`, `${witnessRef}.lock`, `refs/remotes/${remoteName}/main.lock`];
    for (const name of locks) await rm(join(gitDir, name), { force: true });
    for (const name of await readdir(gitDir).catch(() => [] as string[])) {
      // A killed sync's private index, or the folder of trees it was writing.
      if (/^conclave-[0-9a-f]+\.index(\.lock)?$/.test(name) || /^conclave-trees-[0-9a-f]+$/.test(name)) await rm(join(gitDir, name), { recursive: true, force: true });
    }
  }
}

interface Folder {
  files: Map<string, Change>;
  folders: Map<string, Folder>;
}

/** Past this many new entries, a private index (one read of the whole tree) is cheaper than writing folder by folder. */
const maxEntriesByFolder = 200;

/** Both answers once both have ended (so no git of either is still running), or the first failure. */
async function sideBySide<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

/** Adds every item, however many: a spread (push(...items)) of 400,000 overflows the stack. */
function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** How many files a commit message or a refusal names; the rest are counted. */
const namedFiles = 20;

/** The first lines of a list, and how many more there are: a message about 400,000 files stays readable. */
function bounded(lines: string[], limit = namedFiles): string[] {
  return lines.length <= limit ? lines : [...lines.slice(0, limit), `  … and ${(lines.length - limit).toLocaleString('en')} more`];
}

/** The message of a commit of local files: how many events of which ceremonies, and the first few files by name. */
export function commitMessage(paths: string[]): string {
  const events = paths.map(classifyPath).filter((kind) => kind?.kind === 'event');
  const ceremonies = [...new Set(events.map((kind) => kind!.ceremonyId))];
  const shownCeremonies = ceremonies.length <= 3 ? ceremonies.join(', ') : `${ceremonies.slice(0, 3).join(', ')} and ${(ceremonies.length - 3).toLocaleString('en')} more ceremonies`;
  const subject = `Conclave: ${events.length.toLocaleString('en')} event${events.length === 1 ? '' : 's'}${ceremonies.length > 0 ? ` (${shownCeremonies})` : ''}`;
  const files = paths.length > namedFiles ? [`${paths.length.toLocaleString('en')} files, the first ${namedFiles}:`, ...bounded(paths).map((line) => line.trimStart())] : paths;
  return `${subject}\n\n${files.join('\n')}\n`;
}

/**
 * Whether git's default threshold for packing is passed, estimated as git
 * does (gc.c): the loose objects of one of the 256 folders, against 6,700 /
 * 256. Only to say that a sync is packing; git decides with its own settings.
 */
async function manyLooseObjects(objects: string): Promise<boolean> {
  const names = await readdir(join(objects, '17')).catch(() => [] as string[]);
  return names.filter((name) => /^[0-9a-f]{38,62}$/.test(name)).length > Math.ceil(6700 / 256);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
  // A killed process whose parent has not reaped it yet still answers signal 0.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
