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

async function machineCore(io: CliIo, modulePaths?: readonly string[]) {
  const [{ createCore, modulesFromEnvironment }, { appDataDir }, { conclaveVersion }] = await Promise.all([import('../core/create-core'), import('../core/app-paths'), import('../core/version')]);
  const modules = modulePaths && modulePaths.length > 0 ? modulePaths.map((path) => ({ path })) : modulesFromEnvironment(io.env);
  return createCore({ dataDir: appDataDir(io.env), shell: 'cli', version: conclaveVersion, env: io.env, ...(modules ? { modules } : {}) });
}

/** The tokens a command that names `uri` needs. */
export async function tokensFor(io: CliIo, _uri: string): Promise<CommandTokens> {
  const core = await machineCore(io);
  await core.ready;
  return { tokens: core.tokens, dispose: () => core.dispose() };
}

/** Every module and token of the machine. */
export async function machineTokens(io: CliIo, modulePaths?: readonly string[]): Promise<MachineTokens> {
  const core = await machineCore(io, modulePaths);
  await core.ready;
  return { tokens: core.tokens, snapshot: () => core.handlers['tokens.list']({}), dispose: () => core.dispose() };
}
