/** The demo room: SoftHSM2 tokens for trying Conclave. */
import type { RoomHandlers } from '../handlers';
import type { MachineTokens } from '../services/machine-tokens';

export function demoRoom(machine: MachineTokens): RoomHandlers<'demo'> {
  return {
    'demo.create': async () => {
      await machine.ready;
      return machine.createDemo();
    },
  };
}
