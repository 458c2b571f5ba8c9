/**
 * Adding a PKCS#11 module from the window is a decision of the person at the
 * screen, never a path that arrives in an API call alone (issue 12): a module
 * is native code that runs as the person, and the window's API can be reached
 * by a compromised page or a forged request.
 *
 * - Where the shell has a native file dialog (Electron), `modules.add` opens
 *   it in the main process and adds what the person picked there; a path the
 *   page sends is not used.
 * - In the browser shell (no native dialog), a path the page sends only gets
 *   a pending confirmation: the file's path, owner and permissions, and a
 *   one-time token, which the page shows in a dialog of its own; only
 *   `modules.confirmAdd` with that token, once and within five minutes, adds
 *   the module, and only if the file is still the one shown.
 *
 * Either way, a library somebody else could change (module-file.ts) is
 * refused whatever the person says.
 */
import { randomBytes } from 'node:crypto';
import type { CallOutput } from '../../../shared/api/contract';
import { ConclaveError } from '../../../shared/errors';
import { inspectModuleFile, type ModuleFileFacts } from './module-file';

export type ModuleChooser = () => Promise<string | undefined>;

/** What modules.add answers without adding anything, or the file the person chose (then added by the core). */
export type ModuleDecision = Exclude<CallOutput<'modules.add'>, { outcome: 'added' }> | { outcome: 'chosen'; facts: ModuleFileFacts };

/** How long a confirmation waits for the person. */
export const confirmationLifetimeMs = 5 * 60_000;
/** Confirmations kept at once: a page that asks for more only pushes out its own oldest ones. */
const maxPending = 8;

interface Pending {
  facts: ModuleFileFacts;
  expires: number;
}

export class ModuleDecisions {
  private readonly pending = new Map<string, Pending>();

  /** `choose`: the shell's native file dialog, where it has one. */
  constructor(
    private readonly choose: ModuleChooser | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** modules.add, up to the point where something would be loaded. */
  async decide(given: string | undefined): Promise<ModuleDecision> {
    if (this.choose) {
      const picked = await this.choose();
      if (picked === undefined) return { outcome: 'cancelled' };
      return { outcome: 'chosen', facts: refuseUnsafe(await inspectModuleFile(picked)) };
    }
    if (given === undefined) return { outcome: 'path-needed' };
    const facts = refuseUnsafe(await inspectModuleFile(given));
    this.forgetExpired();
    while (this.pending.size >= maxPending) this.pending.delete(this.pending.keys().next().value!);
    const token = randomBytes(24).toString('base64url');
    this.pending.set(token, { facts, expires: this.now() + confirmationLifetimeMs });
    return { outcome: 'confirm', confirmation: { token, path: facts.path, realPath: facts.realPath, owner: facts.owner, permissions: facts.permissions } };
  }

  /** modules.confirmAdd: the file a confirmation showed, once, if it is still that file. */
  async confirm(token: string): Promise<ModuleFileFacts> {
    const entry = this.pending.get(token);
    this.pending.delete(token);
    if (!entry || entry.expires < this.now()) {
      throw new ConclaveError('forbidden', 'That confirmation is no longer valid (each one is good once, for five minutes). Nothing was loaded; add the module again.');
    }
    const now = refuseUnsafe(await inspectModuleFile(entry.facts.path));
    if (now.realPath !== entry.facts.realPath || now.identity !== entry.facts.identity) {
      throw new ConclaveError('conflict', `${entry.facts.path} changed after it was shown to you. Nothing was loaded; add it again and check what is shown.`);
    }
    return now;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [token, entry] of this.pending) if (entry.expires < now) this.pending.delete(token);
  }
}

/** The facts about the library at `path` when Conclave may load it; throws ConclaveError (module-not-found, module-not-allowed) otherwise. */
export async function admissibleModuleFile(path: string): Promise<ModuleFileFacts> {
  return refuseUnsafe(await inspectModuleFile(path));
}

function refuseUnsafe(facts: ModuleFileFacts): ModuleFileFacts {
  if (facts.problem) throw new ConclaveError('module-not-allowed', `Conclave will not load this module: ${facts.problem}`);
  return facts;
}
