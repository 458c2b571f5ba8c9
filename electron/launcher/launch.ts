/**
 * Carrying out the launch plan: start Electron with the app, or the browser
 * shell when Electron is missing or will not start. The person sees one plain
 * sentence about a fallback, never a stack trace. Process starting is passed
 * in, so tests can watch what would run.
 */
import { notices, planLaunch, electronEnvironment, type PlanInputs } from './plan';

export interface StartedProcess {
  once(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

export interface LaunchInputs extends PlanInputs {
  /** The package root Electron opens (its package.json names out/main/index.js). */
  appRoot: string;
  /** The built browser shell, out/main/web-shell.js. */
  webShellPath: string;
  /** Arguments for the app, after `npm start --`. */
  args: string[];
  /** The Node binary running this launcher, for the browser shell. */
  nodePath: string;
  exists(path: string): boolean;
  start(command: string, args: string[], env: Record<string, string | undefined>): StartedProcess;
  /** Where the person reads sentences (stderr). */
  tell(sentence: string): void;
}

type Outcome = { started: false; error: Error } | { started: true; code: number };

function outcomeOf(child: StartedProcess): Promise<Outcome> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ started: false, error }));
    child.once('exit', (code, signal) => resolve({ started: true, code: code ?? (signal ? 1 : 0) }));
  });
}

/** Runs Conclave and resolves the exit code for the launcher to end with. */
export async function launch(inputs: LaunchInputs): Promise<number> {
  const plan = await planLaunch(inputs);
  let notice: string;
  if (plan.shell === 'electron') {
    const outcome = await outcomeOf(inputs.start(plan.binary, [inputs.appRoot, ...inputs.args], electronEnvironment(inputs.env)));
    if (outcome.started) return outcome.code;
    notice = notices.startFailed;
  } else {
    notice = plan.notice;
  }

  inputs.tell(notice);
  if (!inputs.exists(inputs.webShellPath)) {
    inputs.tell('Conclave is not built yet; run "npm run build" and then "npm start" again.');
    return 1;
  }
  const outcome = await outcomeOf(inputs.start(inputs.nodePath, [inputs.webShellPath, ...inputs.args], inputs.env));
  if (outcome.started) return outcome.code;
  inputs.tell(`Conclave's browser shell could not be started (${outcome.error.message}).`);
  return 1;
}
