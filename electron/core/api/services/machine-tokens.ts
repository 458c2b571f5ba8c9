/**
 * The PKCS#11 modules this machine uses and their tokens, as the window sees
 * them: loaded at start (installed, named, added in settings, the demo
 * tokens'), changed by the person (add, remove, demo tokens), each change
 * pushed as tokens.changed.
 */
import type { TokensSnapshot } from '../../../../shared/api/contract';
import { ConclaveError } from '../../../../shared/errors';
import type { SettingsService } from '../../settings';
import {
  demoKeyLabel,
  demoModuleId,
  demoPin,
  demoTokenLabels,
  demoTokensExist,
  softhsmInstallHint,
  throwawaySoPin,
  writeDemoConfig,
} from '../../tokens/demo-tokens';
import { addedModuleSource, demoModuleSource, namedModuleSource, softhsmOf, type NamedModule } from '../../tokens/machine-modules';
import { discoverInstalledModules, samePath, type ModuleSource, type TokenService } from '../../tokens/token-service';
import type { EventSink } from '../handlers';

export interface MachineTokensOptions {
  dataDir: string;
  tokens: TokenService;
  settings: SettingsService;
  emit: EventSink;
  /** Modules to use instead of discovering the installed ones (tests); then the ones added in settings are not loaded either. */
  modules?: NamedModule[];
}

export class MachineTokens {
  /** Settles when the modules known at start have been loaded (or have failed). */
  readonly ready: Promise<void>;
  private softhsmPath: string | undefined;

  constructor(private readonly options: MachineTokensOptions) {
    this.ready = this.start();
  }

  get tokens(): TokenService {
    return this.options.tokens;
  }

  snapshot(): TokensSnapshot {
    const created = demoTokensExist(this.options.dataDir);
    return {
      modules: this.tokens.snapshotModules(),
      demo: {
        available: this.softhsmPath !== undefined,
        created,
        ...(this.softhsmPath ? {} : { hint: softhsmInstallHint }),
        ...(created ? { pin: demoPin } : {}),
      },
    };
  }

  /** Tells every window the modules and tokens as they are now. */
  publish(): void {
    this.options.emit('tokens.changed', this.snapshot());
  }

  /**
   * Loads a module the person chose, with its init parameters when it needs
   * some, and remembers it; one that fails to load is neither kept nor
   * remembered. Chosen again with other parameters, it starts with those and
   * they replace the old ones, as `conclave modules add … --init-parameters`
   * does; if it does not start with them, the old ones stay.
   */
  async addChosen(path: string, given?: string): Promise<TokensSnapshot> {
    // Chosen again without parameters: it starts with the ones remembered for it, if any.
    const initParameters = given ?? (await this.options.settings.read()).modules.find((module) => samePath(module.path, path))?.initParameters;
    const entry = await this.tokens.addModule({ path, origin: 'added', ...(initParameters !== undefined ? { initParameters } : {}) });
    if (entry.status === 'failed') {
      await this.tokens.removeModule(entry.id);
      // The finer cause (init-parameters-needed…) goes along: the window says what to give.
      throw new ConclaveError(entry.error?.code ?? 'module-load-failed', entry.error?.message ?? `Conclave could not load ${path}.`, entry.error?.details ?? {});
    }
    if (entry.source.origin === 'added') {
      // The same module loaded before with other parameters gives way to this one.
      for (const module of this.tokens.snapshotModules()) {
        if (module.id !== entry.id && module.origin === 'added' && samePath(module.path, path)) await this.tokens.removeModule(module.id);
      }
      await this.options.settings.update((current) => {
        const remembered = { path, ...(initParameters !== undefined ? { initParameters } : {}) };
        const before = current.modules.find((module) => samePath(module.path, path));
        if (!before) return { ...current, modules: [...current.modules, remembered] };
        return { ...current, modules: current.modules.map((module) => (module === before ? remembered : module)) };
      });
    }
    this.publish();
    return this.snapshot();
  }

  /** Stops using a module the person added, and forgets it; one found on this machine stays. */
  async removeAdded(moduleId: string): Promise<TokensSnapshot> {
    const module = this.tokens.snapshotModules().find((candidate) => candidate.id === moduleId);
    if (!module) throw new ConclaveError('invalid-input', 'That module is no longer loaded. Reload the list.');
    if (module.origin !== 'added') throw new ConclaveError('forbidden', `${module.label} was found on this machine, not added by you, so it stays. Uninstall its software to remove it.`);
    // Out of the settings first: removing it from the token service tells the key scan that tokens changed, and a key
    // URI naming the module's path, looked up before the settings were written, would load it again.
    await this.options.settings.update((current) => ({ ...current, modules: current.modules.filter((entry) => entry.path !== module.path) }));
    await this.tokens.removeModule(moduleId);
    this.publish();
    return this.snapshot();
  }

  /** Three SoftHSM2 tokens with a signing key each, for trying Conclave; made again where one is missing. */
  async createDemo(): Promise<TokensSnapshot> {
    if (!this.softhsmPath) throw new ConclaveError('softhsm-missing', softhsmInstallHint);
    await writeDemoConfig(this.options.dataDir);
    await this.addDemoModule();
    const module = this.tokens.snapshotModules().find((candidate) => candidate.id === demoModuleId);
    if (!module || module.status !== 'ready') {
      throw new ConclaveError('module-load-failed', `SoftHSM2 could not open the demo token folder: ${module?.error?.message ?? 'unknown reason'}`);
    }
    for (const label of demoTokenLabels) {
      let token = module.tokens.find((candidate) => candidate.label === label);
      if (!token) {
        await this.tokens.initToken(demoModuleId, label, throwawaySoPin(), demoPin);
        token = this.tokens.snapshotModules().find((candidate) => candidate.id === demoModuleId)?.tokens.find((candidate) => candidate.label === label);
      }
      if (!token) throw new ConclaveError('token-error', `SoftHSM2 did not make demo token "${label}".`);
      const keys = await this.tokens.listKeys(token.uri);
      if (!keys.some((key) => key.label === demoKeyLabel)) await this.tokens.generateKey(token.uri, demoKeyLabel, 'ecdsa-p256', demoPin);
    }
    this.publish();
    return this.snapshot();
  }

  private async start(): Promise<void> {
    const sources: ModuleSource[] = this.options.modules ? this.options.modules.map(namedModuleSource) : discoverInstalledModules();
    this.softhsmPath = softhsmOf(sources);
    const added = this.options.modules ? [] : (await this.options.settings.read()).modules.map(addedModuleSource);
    await Promise.all([...sources, ...added].map((source) => this.tokens.addModule(source)));
    if (demoTokensExist(this.options.dataDir)) await this.addDemoModule();
  }

  private async addDemoModule(): Promise<void> {
    if (!this.softhsmPath) return;
    await this.tokens.addModule(demoModuleSource(this.options.dataDir, this.softhsmPath));
  }
}
