/**
 * Composes the core: starts its services (the tokens attached here, the
 * ceremony catalog, the settings), wires the events between them, and hands
 * each room of the API (api/rooms/, one per namespace of the contract) the
 * services it needs. No call is handled here.
 */
import { join } from 'node:path';
import type { ApiHandlers, EventSink } from './api/handlers';
import { appRoom } from './api/rooms/app';
import { ceremoniesRoom } from './api/rooms/ceremonies';
import { demoRoom } from './api/rooms/demo';
import { filesRoom } from './api/rooms/files';
import { historyRoom } from './api/rooms/history';
import { keysRoom } from './api/rooms/keys';
import { modulesRoom } from './api/rooms/modules';
import { operationsRoom } from './api/rooms/operations';
import { policiesRoom } from './api/rooms/policies';
import { preflightRoom } from './api/rooms/preflight';
import { repositoryRoom } from './api/rooms/repository';
import { settingsRoom } from './api/rooms/settings';
import { tokensRoom } from './api/rooms/tokens';
import { CeremonyCatalog } from './api/services/ceremony-catalog';
import { watchCeremonyStore } from './ceremony/store-watcher';
import { CeremonyWriter } from './api/services/ceremony-writer';
import { LocalKeys } from './api/services/local-keys';
import { MachineTokens } from './api/services/machine-tokens';
import { Operations } from './api/services/operations';
import { ceremonyStoreDir } from './app-paths';
import { ArtifactLocations } from './ceremony/artifact-locations';
import { excludeMemoryFromCoreDumps } from './core-dumps';
import type { Core, CoreOptions } from './index';
import { PolicyFolder } from './policy-trust/policy-folder';
import { settingsOf } from './settings';
import { forkHostLauncher } from './tokens/host-process';
import { machineModuleLookup } from './tokens/machine-modules';
import { ModuleDecisions } from './tokens/module-decisions';
import { TokenService } from './tokens/token-service';

export { modulesFromEnvironment } from './tokens/machine-modules';

export function createCore(options: CoreOptions): Core {
  // PINs the window sends pass through this process: no core dump of it holds its memory (see core-dumps.ts).
  excludeMemoryFromCoreDumps();
  const env = options.env ?? process.env;
  const now = () => new Date();
  const sinks = new Set<EventSink>();
  /** Set when dispose starts: no new background work, no more events. */
  let disposed: Promise<void> | undefined;
  /** Work the core started on its own (the scans of keys on attached tokens), for dispose to wait on. */
  const background = new Set<Promise<void>>();
  const inBackground = (work: () => Promise<unknown>): void => {
    if (disposed) return;
    const running: Promise<void> = work()
      .then(() => undefined, () => undefined)
      .finally(() => background.delete(running));
    background.add(running);
  };

  /** Set while the index re-reads what a sync brought: those changes came from the remote and need no sync of their own. */
  let refreshingFromSync = false;
  /** Set while a sync runs: the ceremonies the store watcher reports meanwhile wait in heldWhileSyncing for its end. */
  let syncWrites = false;
  const heldWhileSyncing = new Set<string>();
  const emit: EventSink = (name, payload) => {
    if (disposed) return;
    for (const sink of sinks) sink(name, payload);
    // Every local change (opened, signed, published…) goes up at once when a remote is set (issue 5).
    if (name === 'ceremony.changed' && !refreshingFromSync) repository.localChange();
  };

  // ---- services ----
  const settings = settingsOf(options.dataDir);
  // A key URI's module-path selects among this machine's modules; no other library is loaded for it (issue 12).
  const lookup = machineModuleLookup({ dataDir: options.dataDir, env, ...(options.modules ? { modules: options.modules } : {}) });
  const tokens = new TokenService(options.hostLauncher ?? forkHostLauncher, env, undefined, lookup);
  const machine = new MachineTokens({ dataDir: options.dataDir, tokens, settings, emit, ...(options.modules ? { modules: options.modules } : {}) });
  const storeDir = ceremonyStoreDir(env, options.storeDir, options.dataDir);
  const localKeys = new LocalKeys(tokens);
  const catalog = new CeremonyCatalog({ dataDir: options.dataDir, storeDir, localKeys, emit, now, ...(options.indexWaitsForWindowMs !== undefined ? { waitsForWindowMs: options.indexWaitsForWindowMs } : {}) });
  const operations = new Operations();
  const publishDir = join(options.dataDir, 'published');
  const repository = repositoryRoom({
    storeDir,
    dataDir: options.dataDir,
    env,
    emit,
    refreshIndex: async () => {
      refreshingFromSync = true;
      try {
        await catalog.refreshNow();
      } finally {
        refreshingFromSync = false;
      }
    },
    localEventCount: () => catalog.eventFileCount(),
    // What a sync brought is judged once, by the sync's own check of its arrivals, and the index takes those verdicts.
    takeJudged: async (lines) => {
      refreshingFromSync = true;
      try {
        await catalog.takeJudged(lines);
      } catch {
        // Never the sync's failure: its files are written, and the refresh after it judges them instead.
      } finally {
        refreshingFromSync = false;
      }
    },
    syncRunning: (running) => {
      syncWrites = running;
      if (running) return;
      // What the watcher saw meanwhile is looked at now: the sync's files match the verdicts taken (nothing is judged
      // again), and a file another program wrote during the sync is judged as any change is.
      const held = [...heldWhileSyncing];
      heldWhileSyncing.clear();
      if (held.length > 0) inBackground(() => catalog.refreshNow(held));
    },
  });

  // ---- events between services ----
  tokens.onEvent((event) => {
    if (event.type === 'inserted') emit('token.inserted', event.token);
    if (event.type === 'removed') emit('token.removed', event.token);
    if (event.type === 'changed') machine.publish();
  });
  /** Which ceremonies wait on the tokens attached here changes as tokens come and go. */
  const rescanLocalKeys = async () => {
    const firstLook = !localKeys.known;
    const changed = await localKeys.rescan();
    // Pages answered before the first look said "waiting on me" was not known yet: windows ask again on tokens.changed.
    if (firstLook) machine.publish();
    if (changed) await catalog.localKeysChanged();
  };
  tokens.onEvent((event) => {
    if (event.type === 'changed') inBackground(rescanLocalKeys);
  });
  // Changes other programs make to the store (the CLI, a sync, another window's core) reach the window within a second (issue 16).
  // While a sync runs its writes wait: judged as they landed, a joining sync's 10,000 ceremonies were judged twice
  // (here and by the sync's check of its arrivals), with the whole store listed again at each report.
  const storeWatcher = watchCeremonyStore({
    storeDir,
    onChange: (ids) => {
      if (!syncWrites) return inBackground(() => catalog.refreshNow(ids));
      for (const id of ids) heldWhileSyncing.add(id);
    },
  });
  inBackground(async () => {
    await machine.ready;
    // Started only if the core is still open by then (a short CLI command may already be disposing it).
    inBackground(rescanLocalKeys);
  });

  // ---- rooms ----
  const handlers: ApiHandlers = {
    ...appRoom({ version: options.version, shell: options.shell, dataDir: options.dataDir }),
    ...tokensRoom(machine),
    ...modulesRoom(machine, new ModuleDecisions(options.chooseModuleFile)),
    ...keysRoom(machine),
    ...demoRoom(machine),
    ...ceremoniesRoom({
      catalog,
      writer: new CeremonyWriter({ dataDir: options.dataDir, storeDir, tokens, now }),
      operations,
      localKeys,
      tokens,
      settings,
      artifactLocations: new ArtifactLocations(options.dataDir),
      publishDir,
      exportDir: join(options.dataDir, 'exports'),
      emit,
      now,
    }),
    ...operationsRoom(operations),
    ...historyRoom({ catalog, now, storeDir, publishDir, artifactLocations: new ArtifactLocations(options.dataDir) }),
    ...preflightRoom({ catalog, operations, settings, tokens, emit }),
    ...policiesRoom({ policies: new PolicyFolder(options.dataDir), catalog, tokens }),
    ...filesRoom(),
    ...settingsRoom({ dataDir: options.dataDir, storeDir, publishDir, settings }),
    ...repository.handlers,
  };

  return {
    handlers,
    tokens,
    ready: machine.ready,
    subscribe(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    /**
     * Ends everything the core started, and resolves when it has ended: syncs,
     * background scans (the token service refuses their next call, so they
     * stop at once), and every token host process. Nothing starts afterwards.
     */
    dispose() {
      disposed ??= (async () => {
        sinks.clear();
        catalog.close();
        storeWatcher.close();
        await repository.dispose();
        await machine.ready.catch(() => undefined);
        await tokens.dispose();
        while (background.size > 0) await Promise.all([...background]);
        await catalog.flushed();
      })();
      return disposed;
    },
  };

}
