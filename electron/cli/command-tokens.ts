/**
 * The tokens one CLI command works with. A command that names a key or token
 * URI needs the module that URI names and nothing else; only `conclave tokens`
 * looks at every module installed on the machine (issue 11).
 */
import type { TokensSnapshot } from '../../shared/api/contract';
import type { TokenService } from '../core/tokens/token-service';
import type { CliIo } from './io';

/** Tokens for one command: disposed (every token host stopped) when the command ends. */
export interface CommandTokens {
  tokens: TokenService;
  dispose(): Promise<void>;
}

/** Every module of this machine, for `conclave tokens` (and `--module PATH` to name others instead). */
export interface MachineTokens extends CommandTokens {
  snapshot(): Promise<TokensSnapshot>;
}

/**
 * The tokens a command that names `uri` needs, with that URI's module
 * starting at once, in the background (a command that asks early has its
 * token ready by the time it signs). A URI starts its module-path's module
 * if it names one; otherwise the modules configured for this machine that
 * the URI allows (CONCLAVE_PKCS11_MODULES, or the modules added in settings,
 * and the demo tokens when they exist); and only when none of those has the
 * token, the installed modules discovery finds (machine-modules.ts). Later
 * URIs of the same command resolve the same way. Hosts run as threads of
 * this process where that is safe (host-thread.ts). `keysListedOnce` for a
 * command that only signs (a ceremony command): each token's keys are listed
 * once for the command (TokenServiceOptions), never for one that makes keys.
 */
export async function tokensFor(io: CliIo, uri: string, options: { keysListedOnce?: boolean } = {}): Promise<CommandTokens> {
  const [{ TokenService }, { machineModuleSearch, machineModuleLookup }, { threadHostLauncher, releaseStuckHosts }, { appDataDir }] = await Promise.all([
    import('../core/tokens/token-service'),
    import('../core/tokens/machine-modules'),
    import('../core/tokens/host-thread'),
    import('../core/app-paths'),
  ]);
  const machine = { dataDir: appDataDir(io.env), env: io.env };
  // A URI's module-path selects among this machine's modules; it loads no other library (issue 12).
  const tokens = new TokenService(threadHostLauncher, io.env, machineModuleSearch(machine), machineModuleLookup(machine), { keysListedOnce: options.keysListedOnce === true });
  // Errors are the command's to report, from its own calls (which find the module started, or failed, by then).
  tokens.resolveToken(uri).catch(() => undefined);
  return { tokens, dispose: () => tokens.dispose().then(() => void releaseStuckHosts()) };
}

/**
 * Every module and token of the machine: the same core as the window, which
 * discovers them all. Each module in a process of its own, not a thread of
 * the command (host-thread.ts): a command that starts every module of the
 * machine meets modules nobody chose for this command, and one that crashes
 * (issue 13) must be reported failed while the others are listed, not end
 * the command with it. Commands that sign start the one module they need, in
 * a thread (issue 11).
 */
export async function machineTokens(io: CliIo, modulePaths?: readonly string[]): Promise<MachineTokens> {
  const [{ createCore, modulesFromEnvironment }, { forkHostLauncher }, { releaseStuckHosts }, { appDataDir }, { conclaveVersion }, { admissibleModuleFile }] = await Promise.all([
    import('../core/create-core'),
    import('../core/tokens/host-process'),
    import('../core/tokens/host-thread'),
    import('../core/app-paths'),
    import('../core/version'),
    import('../core/tokens/module-decisions'),
  ]);
  // A library named with --module is the person's choice, but held to what `conclave modules add` holds it to
  // (issue 12): no file another user could replace is loaded, whoever names it.
  const named = modulePaths && modulePaths.length > 0 ? await Promise.all(modulePaths.map(admissibleModuleFile)) : undefined;
  const modules = named ? named.map((facts) => ({ path: facts.path })) : modulesFromEnvironment(io.env);
  const core = createCore({ dataDir: appDataDir(io.env), shell: 'cli', version: conclaveVersion, env: io.env, hostLauncher: forkHostLauncher, ...(modules ? { modules } : {}) });
  await core.ready;
  return { tokens: core.tokens, snapshot: () => core.handlers['tokens.list']({}), dispose: () => core.dispose().then(() => void releaseStuckHosts()) };
}
