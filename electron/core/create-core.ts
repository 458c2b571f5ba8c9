import type { TokensSnapshot } from '../../shared/api/contract';
import { ConclaveError } from '../../shared/errors';
import type { ApiHandlers, EventSink } from './api/handlers';
import { createCeremonyHandlers } from './ceremony/ceremony-handlers';
import { ceremonyStoreDir } from './app-paths';
import { excludeMemoryFromCoreDumps } from './core-dumps';
import { createRepositoryHandlers } from './repository/repository-handlers';
import type { Core, CoreOptions } from './index';
import { SettingsFile } from './settings';
import { forkHostLauncher } from './tokens/host-process';
import { addedModuleSource, demoModuleSource, machineModuleLookup, namedModuleSource, softhsmOf } from './tokens/machine-modules';
import { ModuleDecisions } from './tokens/module-decisions';
import { TokenService, discoverInstalledModules, type ModuleSource } from './tokens/token-service';
import {
  demoKeyLabel,
  demoModuleId,
  demoPin,
  demoTokenLabels,
  demoTokensExist,
  softhsmInstallHint,
  throwawaySoPin,
  writeDemoConfig,
} from './tokens/demo-tokens';

export { modulesFromEnvironment } from './tokens/machine-modules';

export function createCore(options: CoreOptions): Core {
  // PINs the window sends pass through this process: no core dump of it holds its memory (see core-dumps.ts).
  excludeMemoryFromCoreDumps();
  // A key URI's module-path selects among this machine's modules; no other library is loaded for it (issue 12).
  const lookup = machineModuleLookup({ dataDir: options.dataDir, env: options.env ?? process.env, ...(options.modules ? { modules: options.modules } : {}) });
  const tokens = new TokenService(options.hostLauncher ?? forkHostLauncher, options.env ?? process.env, undefined, lookup);
  const moduleDecisions = new ModuleDecisions(options.chooseModuleFile);
  const settings = new SettingsFile(options.dataDir);
  const sinks = new Set<EventSink>();
  let softhsmPath: string | undefined;
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

  const baseSources = (): ModuleSource[] =>
    options.modules
      ? options.modules.map(namedModuleSource)
      : discoverInstalledModules();

  const addDemoModule = async () => {
    if (!softhsmPath) return;
    await tokens.addModule(demoModuleSource(options.dataDir, softhsmPath));
  };

  const ready = (async () => {
    const sources = baseSources();
    softhsmPath = softhsmOf(sources);
    const added = options.modules ? [] : (await settings.read()).modules.map(addedModuleSource);
    await Promise.all([...sources, ...added].map((source) => tokens.addModule(source)));
    if (demoTokensExist(options.dataDir)) await addDemoModule();
  })();

  const snapshot = (): TokensSnapshot => {
    const created = demoTokensExist(options.dataDir);
    return {
      modules: tokens.snapshotModules(),
      demo: {
        available: softhsmPath !== undefined,
        created,
        ...(softhsmPath ? {} : { hint: softhsmInstallHint }),
        ...(created ? { pin: demoPin } : {}),
      },
    };
  };

  const publish = () => {
    const current = snapshot();
    for (const sink of sinks) sink('tokens.changed', current);
  };

  tokens.onEvent((event) => {
    for (const sink of sinks) {
      if (event.type === 'inserted') sink('token.inserted', event.token);
      if (event.type === 'removed') sink('token.removed', event.token);
    }
    if (event.type === 'changed') publish();
  });

  /** Set while the index re-reads what a sync brought: those changes came from the remote and need no sync of their own. */
  let refreshingFromSync = false;
  const emit: EventSink = (name, payload) => {
    if (disposed) return;
    for (const sink of sinks) sink(name, payload);
    // Every local change (opened, signed, published…) goes up at once when a remote is set (issue 5).
    if (name === 'ceremony.changed' && !refreshingFromSync) repository.localChange();
  };
  const storeDir = ceremonyStoreDir(options.env ?? process.env, options.storeDir, options.dataDir);
  const ceremonies = createCeremonyHandlers({ dataDir: options.dataDir, storeDir, tokens, emit });
  const repository = createRepositoryHandlers({
    storeDir,
    dataDir: options.dataDir,
    env: options.env ?? process.env,
    emit,
    refreshIndex: async () => {
      refreshingFromSync = true;
      try {
        await ceremonies.refreshIndex();
      } finally {
        refreshingFromSync = false;
      }
    },
  });
  // Which ceremonies wait on the tokens attached here changes as tokens come and go.
  tokens.onEvent((event) => {
    if (event.type === 'changed') inBackground(() => ceremonies.refreshLocalKeys());
  });
  inBackground(async () => {
    await ready;
    // Started only if the core is still open by then (a short CLI command may already be disposing it).
    inBackground(() => ceremonies.refreshLocalKeys());
  });

  const handlers: ApiHandlers = {
    ...ceremonies.handlers,
    ...repository.handlers,
    'app.info': async () => ({ version: options.version, shell: options.shell === 'electron' ? 'electron' : 'browser', dataDir: options.dataDir }),
    'tokens.list': async () => {
      await ready;
      return snapshot();
    },
    // The person decides (module-decisions.ts): a native dialog, or a confirmation of what the file is; never a path alone.
    'modules.add': async ({ path: given }) => {
      await ready;
      const decision = await moduleDecisions.decide(given);
      if (decision.outcome !== 'chosen') return decision;
      return { outcome: 'added' as const, tokens: await addChosenModule(decision.facts.path) };
    },
    'modules.confirmAdd': async ({ token }) => {
      await ready;
      return addChosenModule((await moduleDecisions.confirm(token)).path);
    },
    'modules.remove': async ({ moduleId }) => {
      await ready;
      const module = tokens.snapshotModules().find((candidate) => candidate.id === moduleId);
      if (!module) throw new ConclaveError('invalid-input', 'That module is no longer loaded. Reload the list.');
      if (module.origin !== 'added') throw new ConclaveError('forbidden', `${module.label} was found on this machine, not added by you, so it stays. Uninstall its software to remove it.`);
      await tokens.removeModule(moduleId);
      const current = await settings.read();
      await settings.write({ ...current, modules: current.modules.filter((entry) => entry.path !== module.path) });
      publish();
      return snapshot();
    },
    'keys.list': async ({ tokenUri }) => {
      await ready;
      return tokens.listKeys(tokenUri);
    },
    'tokens.login': async ({ tokenUri, pin }) => {
      await ready;
      return { keys: await tokens.login(tokenUri, pin) };
    },
    'keys.generate': async ({ tokenUri, label, algorithm, pin }) => {
      await ready;
      return tokens.generateKey(tokenUri, label, algorithm, pin);
    },
    'demo.create': async () => {
      await ready;
      await createDemoTokens();
      publish();
      return snapshot();
    },
  };

  /** Loads a module the person chose, and remembers it; one that fails to load is neither kept nor remembered. */
  const addChosenModule = async (path: string): Promise<TokensSnapshot> => {
    const entry = await tokens.addModule({ path, origin: 'added' });
    if (entry.status === 'failed') {
      await tokens.removeModule(entry.id);
      throw new ConclaveError(entry.error?.code ?? 'module-load-failed', entry.error?.message ?? `Conclave could not load ${path}.`);
    }
    if (entry.source.origin === 'added') {
      const current = await settings.read();
      if (!current.modules.some((module) => module.path === path)) await settings.write({ ...current, modules: [...current.modules, { path }] });
    }
    publish();
    return snapshot();
  };

  const createDemoTokens = async () => {
    if (!softhsmPath) throw new ConclaveError('softhsm-missing', softhsmInstallHint);
    await writeDemoConfig(options.dataDir);
    await addDemoModule();
    const module = tokens.snapshotModules().find((candidate) => candidate.id === demoModuleId);
    if (!module || module.status !== 'ready') {
      throw new ConclaveError('module-load-failed', `SoftHSM2 could not open the demo token folder: ${module?.error?.message ?? 'unknown reason'}`);
    }
    for (const label of demoTokenLabels) {
      let token = module.tokens.find((candidate) => candidate.label === label);
      if (!token) {
        await tokens.initToken(demoModuleId, label, throwawaySoPin(), demoPin);
        token = tokens.snapshotModules().find((candidate) => candidate.id === demoModuleId)?.tokens.find((candidate) => candidate.label === label);
      }
      if (!token) throw new ConclaveError('token-error', `SoftHSM2 did not make demo token "${label}".`);
      const keys = await tokens.listKeys(token.uri);
      if (!keys.some((key) => key.label === demoKeyLabel)) await tokens.generateKey(token.uri, demoKeyLabel, 'ecdsa-p256', demoPin);
    }
  };

  return {
    handlers,
    tokens,
    ready,
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
        await repository.dispose();
        await ready.catch(() => undefined);
        await tokens.dispose();
        while (background.size > 0) await Promise.all([...background]);
        await ceremonies.flushed();
      })();
      return disposed;
    },
  } as Core;
}
