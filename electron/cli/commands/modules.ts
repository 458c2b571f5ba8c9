/**
 * `conclave modules list|add|remove`: the PKCS#11 modules this machine uses
 * (issue 12). A module is native code that runs as you; Conclave loads only
 * the installed ones at known locations, the demo tokens' SoftHSM2, the ones
 * CONCLAVE_PKCS11_MODULES names, and the ones a person added, here or in
 * Settings → Modules. A key URI's module-path selects among them and never
 * makes Conclave load another library. Typing `conclave modules add PATH` is
 * that decision; it shows the file's owner and permissions, and refuses a
 * library that someone else could have changed.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InitParametersText } from '../../../shared/api/contract';
import { quoteForShell } from '../../../shared/cli/shell-command';
import { ConclaveError } from '../../../shared/errors';
import { appDataDir } from '../../core/app-paths';
import { settingsOf } from '../../core/settings';
import { demoTokensExist } from '../../core/tokens/demo-tokens';
import { forkHostLauncher } from '../../core/tokens/host-process';
import { modulesFromEnvironment, softhsmOf } from '../../core/tokens/machine-modules';
import { kindOfModulePath, labelOfKind } from '../../core/tokens/module-catalog';
import { describeModuleFile, inspectModuleFile } from '../../core/tokens/module-file';
import { TokenService, discoverInstalledModules, samePath } from '../../core/tokens/token-service';
import type { CommandInput } from '../command-spec';
import { exitCodes } from '../exit-codes';
import type { CliIo } from '../io';

type Origin = 'environment' | 'added' | 'installed' | 'demo';

interface ListedModule {
  path: string;
  origin: Origin;
  label: string;
  /** Whether the file is there now. */
  present: boolean;
}

const originText: Record<Origin, string> = {
  environment: 'CONCLAVE_PKCS11_MODULES',
  added: 'added by you',
  installed: 'installed',
  demo: 'demo tokens',
};

/** The modules this machine uses, without loading any: what a key URI's module-path may name. */
async function machineModules(io: CliIo): Promise<ListedModule[]> {
  const dataDir = appDataDir(io.env);
  const described = (path: string, origin: Origin): ListedModule => {
    const kind = kindOfModulePath(path);
    return { path, origin, label: origin === 'demo' ? 'Demo tokens (SoftHSM2)' : kind === 'other' ? 'PKCS#11 module' : labelOfKind(kind), present: existsSync(path) };
  };
  const environment = (modulesFromEnvironment(io.env) ?? []).map((module) => described(module.path, 'environment'));
  const added = (await settingsOf(dataDir).read()).modules.map((module) => described(module.path, 'added'));
  const installed = discoverInstalledModules();
  const listed = [...environment, ...added, ...installed.map((module) => described(module.path, 'installed'))];
  const softhsm = softhsmOf([...(modulesFromEnvironment(io.env) ?? []).map((module) => ({ path: module.path, origin: 'discovered' as const })), ...installed]);
  if (softhsm && demoTokensExist(dataDir)) listed.push(described(softhsm, 'demo'));
  return listed;
}

/** --init-parameters, checked as Settings → Modules checks them (the window's API contract): one line, as long as settings keep. */
function initParametersOf(given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  const parsed = InitParametersText.safeParse(given);
  if (!parsed.success) throw new ConclaveError('invalid-input', `--init-parameters: ${parsed.error.issues[0]?.message ?? 'not init parameters'}`);
  return parsed.data;
}

export const modulesRunners = {
  async list(input: CommandInput, io: CliIo): Promise<number> {
    const modules = await machineModules(io);
    const replaced = modulesFromEnvironment(io.env) !== undefined;
    if (input.json) {
      io.out(`${JSON.stringify({ modules, environment: replaced }, null, 2)}\n`);
      return exitCodes.done;
    }
    if (input.quiet) return exitCodes.done;
    const lines = modules.length === 0 ? ['No PKCS#11 module: install your token\'s software, or add its module with: conclave modules add PATH'] : ["The PKCS#11 modules this machine uses (a key URI's module-path may name only these):"];
    const width = Math.max(0, ...modules.map((module) => originText[module.origin].length));
    for (const module of modules) lines.push(`  ${originText[module.origin].padEnd(width)}  ${module.path}  ${module.label}${module.present ? '' : '  (missing)'}`);
    if (replaced) lines.push('CONCLAVE_PKCS11_MODULES is set: commands look for tokens in its modules (and the demo tokens) only.');
    lines.push('"conclave tokens" loads them and lists their tokens; "conclave modules add PATH" adds another.');
    io.out(`${lines.join('\n')}\n`);
    return exitCodes.done;
  },

  async add(input: CommandInput, io: CliIo): Promise<number> {
    const facts = await inspectModuleFile(input.positionals[0]!);
    const initParameters = initParametersOf(input.string('init-parameters'));
    const shown = describeModuleFile(facts);
    if (facts.problem) {
      if (!input.json) io.err(`${shown.join('\n')}\n`);
      throw new ConclaveError('module-not-allowed', `Conclave will not add this module: ${facts.problem}`);
    }
    const settings = settingsOf(appDataDir(io.env));
    const current = await settings.read();
    const known = current.modules.some((module) => samePath(module.path, facts.path)) ? 'added' : discoverInstalledModules().some((module) => samePath(module.path, facts.path)) ? 'installed' : undefined;
    const done = (alreadyUsed: Origin | undefined, library?: string, tokens?: number) => {
      if (input.json) io.out(`${JSON.stringify({ ok: true, path: facts.path, realPath: facts.realPath, owner: facts.owner, permissions: facts.permissions, alreadyUsed: alreadyUsed ?? null, ...(library ? { library } : {}), ...(tokens !== undefined ? { tokens } : {}) }, null, 2)}\n`);
      else if (!input.quiet) {
        const outcome = alreadyUsed
          ? `Already used on this machine (${originText[alreadyUsed]}); nothing changed.`
          : `Added${library ? `: ${library}` : ''}, ${tokens === 1 ? '1 token' : `${tokens ?? 0} tokens`} now. Key URIs may name it with module-path=${facts.path}.`;
        io.out(`${shown.join('\n')}\n${outcome}\nNext: conclave tokens lists its tokens and their URIs.\n`);
      }
      return exitCodes.done;
    };
    const addedBefore = current.modules.find((module) => samePath(module.path, facts.path));
    // --init-parameters on a module added before changes its parameters (issue 13), once the module starts with them.
    const updating = known === 'added' && initParameters !== undefined && addedBefore?.initParameters !== initParameters;
    if (known && !updating) return done(known);
    // You typed it: Conclave loads it once, in a token host process of its own, to check it is a PKCS#11 module it can use.
    const tokens = new TokenService(forkHostLauncher, io.env);
    let library: string | undefined;
    let count: number;
    try {
      const entry = await tokens.addModule({ path: facts.path, origin: 'added', ...(initParameters !== undefined ? { initParameters } : {}) });
      if (entry.status === 'failed') {
        throw new ConclaveError(entry.error?.code ?? 'module-load-failed', `${entry.error?.message ?? `Conclave could not load ${facts.path}.`} ${updating ? 'Its init parameters were not changed.' : 'It was not added.'}`);
      }
      library = entry.library ? `${entry.library.description} (${entry.library.manufacturer} ${entry.library.version})`.trim() : undefined;
      count = entry.tokens.length;
    } finally {
      await tokens.dispose();
    }
    if (updating && initParameters !== undefined) {
      // Changed as the settings are by then: the module took a moment to load, and the window or another command may have written meanwhile.
      await settings.update((latest) => ({ ...latest, modules: latest.modules.map((module) => (samePath(module.path, facts.path) ? { ...module, initParameters } : module)) }));
      if (input.json) io.out(`${JSON.stringify({ ok: true, path: facts.path, realPath: facts.realPath, updated: 'initParameters', ...(library ? { library } : {}), tokens: count }, null, 2)}\n`);
      else if (!input.quiet) io.out(`${shown.join('\n')}\nIts init parameters are changed: ${library ?? 'the module'} starts with them, ${count === 1 ? '1 token' : `${count} tokens`} now.\nNext: conclave tokens lists its tokens and their URIs.\n`);
      return exitCodes.done;
    }
    await settings.update((latest) =>
      latest.modules.some((module) => samePath(module.path, facts.path)) ? latest : { ...latest, modules: [...latest.modules, { path: facts.path, ...(initParameters !== undefined ? { initParameters } : {}) }] },
    );
    return done(undefined, library, count);
  },

  async remove(input: CommandInput, io: CliIo): Promise<number> {
    const path = resolve(input.positionals[0]!);
    const settings = settingsOf(appDataDir(io.env));
    const removing = (module: { path: string }) => module.path === path || samePath(module.path, path);
    let removed = 0;
    await settings.update((current) => {
      removed = current.modules.filter(removing).length;
      return { ...current, modules: current.modules.filter((module) => !removing(module)) };
    });
    if (removed === 0) {
      const other = (await machineModules(io)).find((module) => samePath(module.path, path));
      throw new ConclaveError(
        'invalid-input',
        other
          ? `${path} is not a module you added: it is used because it is ${other.origin === 'environment' ? 'named in CONCLAVE_PKCS11_MODULES' : other.origin === 'demo' ? 'the demo tokens\' SoftHSM2' : 'installed'}, so it stays. ${other.origin === 'environment' ? 'Change the variable to stop using it.' : 'Uninstall its software to remove it.'}`
          : `${path} is not among the modules you added; "conclave modules list" shows them.`,
      );
    }
    if (input.json) io.out(`${JSON.stringify({ ok: true, path, removed }, null, 2)}\n`);
    else if (!input.quiet) io.out(`Removed ${path}: Conclave no longer loads it, and a key URI naming it is refused. Add it again with: conclave modules add ${quoteForShell(path)}\n`);
    return exitCodes.done;
  },
};
