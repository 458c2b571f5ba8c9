/**
 * The modules room: adding and removing PKCS#11 modules. The person decides
 * (module-decisions.ts): a native dialog, or a confirmation of what the file
 * is; never a path alone. Init parameters (issue 13) travel with the decision:
 * the browser shell's confirmation keeps the ones given with its path.
 */
import type { RoomHandlers } from '../handlers';
import type { MachineTokens } from '../services/machine-tokens';
import type { ModuleDecisions } from '../../tokens/module-decisions';

export function modulesRoom(machine: MachineTokens, decisions: ModuleDecisions): RoomHandlers<'modules'> {
  /** The init parameters given with each pending confirmation; a confirmation is good once, so its entry goes with it. */
  const parametersOf = new Map<string, string>();
  /** As many as module-decisions.ts keeps pending: an older confirmation is no longer valid anyway. */
  const keptParameters = 8;
  return {
    'modules.add': async ({ path, initParameters }) => {
      await machine.ready;
      const decision = await decisions.decide(path);
      if (decision.outcome === 'confirm' && initParameters !== undefined) {
        parametersOf.set(decision.confirmation.token, initParameters);
        while (parametersOf.size > keptParameters) parametersOf.delete(parametersOf.keys().next().value!);
      }
      if (decision.outcome !== 'chosen') return decision;
      return { outcome: 'added' as const, tokens: await machine.addChosen(decision.facts.path, initParameters) };
    },
    'modules.confirmAdd': async ({ token }) => {
      await machine.ready;
      const initParameters = parametersOf.get(token);
      parametersOf.delete(token);
      return machine.addChosen((await decisions.confirm(token)).path, initParameters);
    },
    'modules.remove': async ({ moduleId }) => {
      await machine.ready;
      return machine.removeAdded(moduleId);
    },
  };
}
