/**
 * Which PKCS#11 modules this machine uses, in the order a command looks at
 * them (issue 11): the modules configured here (CONCLAVE_PKCS11_MODULES, or
 * the modules the user added in settings, and the demo tokens when they
 * exist), then the installed modules discovery finds. Knowing them only
 * looks at files; nothing here loads a module.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ModuleKindName } from '../../../shared/api/contract';
import { ConclaveError } from '../../../shared/errors';
import type { Pkcs11Uri } from '../../../shared/pkcs11/uri';
import { demoConfigPath, demoModuleId, demoTokensExist } from './demo-tokens';
import { kindOfModulePath } from './module-catalog';
import { discoverInstalledModules, samePath, type ModuleLookup, type ModuleSearch, type ModuleSource } from './token-service';

/** A module named for this run: its path, and what it needs to start. */
export interface NamedModule {
  path: string;
  env?: Record<string, string>;
  /** C_Initialize's library parameters (NSS softokn's database), from CONCLAVE_PKCS11_INIT_PARAMETERS. */
  initParameters?: string;
}

/**
 * Modules named in CONCLAVE_PKCS11_MODULES (path-list separated) replace discovery: tests and managed installs use it.
 * Their init parameters come from CONCLAVE_PKCS11_INIT_PARAMETERS, a JSON object from module path to parameters
 * ({"/usr/lib/x86_64-linux-gnu/libsoftokn3.so": "configdir='sql:/etc/pki/nssdb' …"}): NSS's parameters hold
 * colons and quotes (configdir='sql:…'), so no suffix in the path list could carry them unambiguously (issue 13).
 */
export function modulesFromEnvironment(env: NodeJS.ProcessEnv = process.env): NamedModule[] | undefined {
  const list = env.CONCLAVE_PKCS11_MODULES;
  if (!list) return undefined;
  const parameters = initParametersFromEnvironment(env);
  const modules = list
    .split(process.platform === 'win32' ? ';' : ':')
    .filter(Boolean)
    .map((path): NamedModule => {
      const initParameters = Object.entries(parameters).find(([named]) => samePath(named, path))?.[1];
      return { path, ...(initParameters !== undefined ? { initParameters } : {}) };
    });
  const unknown = Object.keys(parameters).filter((named) => !modules.some((module) => samePath(module.path, named)));
  if (unknown.length > 0) {
    throw new ConclaveError('invalid-input', `CONCLAVE_PKCS11_INIT_PARAMETERS gives parameters for ${unknown.join(', ')}, which CONCLAVE_PKCS11_MODULES does not name. Name the module there too, or remove its entry.`);
  }
  return modules;
}

function initParametersFromEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const text = env.CONCLAVE_PKCS11_INIT_PARAMETERS;
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((value) => typeof value === 'string')) {
    throw new ConclaveError(
      'invalid-input',
      'CONCLAVE_PKCS11_INIT_PARAMETERS must be a JSON object from module path to its init parameters, e.g. {"/usr/lib/x86_64-linux-gnu/libsoftokn3.so":"configdir=\'sql:/home/you/.pki/nssdb\' certPrefix=\'\' keyPrefix=\'\' secmod=\'secmod.db\' flags="}.',
    );
  }
  return parsed as Record<string, string>;
}

/** A module named for this run, as a source the token service loads. */
export function namedModuleSource(module: NamedModule): ModuleSource {
  return { path: module.path, origin: 'discovered', ...(module.env ? { env: module.env } : {}), ...(module.initParameters !== undefined ? { initParameters: module.initParameters } : {}) };
}

/** The demo tokens' module: SoftHSM2 with the data folder's own configuration. */
export function demoModuleSource(dataDir: string, softhsmPath: string): ModuleSource {
  return {
    id: demoModuleId,
    path: softhsmPath,
    origin: 'demo',
    kind: 'softhsm2' as ModuleKindName,
    label: 'Demo tokens (SoftHSM2)',
    env: { SOFTHSM2_CONF: demoConfigPath(dataDir) },
  };
}

/** The first SoftHSM2 among the sources that is installed: the demo tokens use it. */
export function softhsmOf(sources: readonly ModuleSource[]): string | undefined {
  return sources.find((source) => (source.kind ?? kindOfModulePath(source.path)) === 'softhsm2' && existsSync(source.path))?.path;
}

export interface MachineModuleOptions {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Module paths to use instead of CONCLAVE_PKCS11_MODULES or discovery (`conclave tokens --module PATH`). */
  modules?: NamedModule[];
}

/**
 * Where a URI's token is looked for on this machine, nearest first: the
 * modules configured here, then (unless CONCLAVE_PKCS11_MODULES or explicit
 * modules replace discovery) the installed ones. Each group is narrowed to
 * the URI's module-path and module-name. The settings file is read once,
 * when a URI first needs more than the module its module-path names.
 */
export function machineModuleSearch(options: MachineModuleOptions): ModuleSearch {
  let groups: Promise<ModuleSource[][]> | undefined;
  return async (uri) => {
    groups ??= machineModuleGroups(options);
    return (await groups).map((group) => group.filter((source) => uriMayName(uri, source)));
  };
}

async function machineModuleGroups(options: MachineModuleOptions): Promise<ModuleSource[][]> {
  const listed = options.modules ?? modulesFromEnvironment(options.env);
  if (listed) {
    const sources = listed.map(namedModuleSource);
    return [[...sources, ...demoOf(options.dataDir, sources)]];
  }
  const discovered = discoverInstalledModules();
  const added = (await addedModules(options.dataDir)).map(addedModuleSource);
  return [[...added, ...demoOf(options.dataDir, discovered)], discovered];
}

function demoOf(dataDir: string, sources: readonly ModuleSource[]): ModuleSource[] {
  if (!demoTokensExist(dataDir)) return [];
  const softhsm = softhsmOf(sources);
  return softhsm ? [demoModuleSource(dataDir, softhsm)] : [];
}

/**
 * Which modules a URI's module-path may name on this machine (issue 12): the
 * ones CONCLAVE_PKCS11_MODULES (or the command) names, the installed ones at
 * known locations (the demo tokens' SoftHSM2 among them), and the ones the
 * person added. Settings are read only for a path that is none of the others,
 * and read again each time (a module removed in the window is no longer one).
 */
export function machineModuleLookup(options: MachineModuleOptions): ModuleLookup {
  return async (path) => {
    const listed = (options.modules ?? modulesFromEnvironment(options.env) ?? []).map(namedModuleSource);
    const found = [...listed, ...discoverInstalledModules()].find((source) => samePath(source.path, path));
    if (found) return found;
    const added = (await addedModules(options.dataDir)).find((candidate) => samePath(candidate.path, path));
    return added === undefined ? undefined : addedModuleSource(added);
  };
}

/** A module the person added in settings, with its init parameters (NSS softokn's database) when it has some. */
export function addedModuleSource(module: { path: string; initParameters?: string | undefined }): ModuleSource {
  return { path: module.path, origin: 'added', ...(module.initParameters !== undefined ? { initParameters: module.initParameters } : {}) };
}

/** The modules the user added in settings; the settings code (and its schema) is loaded only when there is a settings file. */
async function addedModules(dataDir: string): Promise<{ path: string; initParameters?: string | undefined }[]> {
  if (!existsSync(join(dataDir, 'settings.json'))) return [];
  const { settingsOf } = await import('../settings');
  return (await settingsOf(dataDir).read()).modules;
}

function uriMayName(uri: Pkcs11Uri, source: ModuleSource): boolean {
  if (uri.modulePath && !samePath(source.path, uri.modulePath)) return false;
  if (uri.moduleName && !basename(source.path).toLowerCase().includes(uri.moduleName.toLowerCase())) return false;
  return true;
}
