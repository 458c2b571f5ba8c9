/** The keys room: the keys on a token, and making one. */
import type { RoomHandlers } from '../handlers';
import type { MachineTokens } from '../services/machine-tokens';

export function keysRoom(machine: MachineTokens): RoomHandlers<'keys'> {
  return {
    'keys.list': async ({ tokenUri }) => {
      await machine.ready;
      return machine.tokens.listKeys(tokenUri);
    },
    'keys.generate': async ({ tokenUri, label, algorithm, pin, pivSlot }) => {
      await machine.ready;
      return machine.tokens.generateKey(tokenUri, label, algorithm, pin, pivSlot);
    },
  };
}
