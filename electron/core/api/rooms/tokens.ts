/** The tokens room: the tokens attached here, and logging in to one. */
import type { RoomHandlers } from '../handlers';
import type { MachineTokens } from '../services/machine-tokens';

export function tokensRoom(machine: MachineTokens): RoomHandlers<'tokens'> {
  return {
    'tokens.list': async () => {
      await machine.ready;
      return machine.snapshot();
    },
    'tokens.login': async ({ tokenUri, pin }) => {
      await machine.ready;
      return { keys: await machine.tokens.login(tokenUri, pin) };
    },
  };
}
