/** The operations room: the window's Cancel for a long call under way. */
import type { RoomHandlers } from '../handlers';
import type { Operations } from '../services/operations';

export function operationsRoom(operations: Operations): RoomHandlers<'operations'> {
  return {
    'operations.cancel': async ({ operationId }) => ({ cancelled: operations.cancel(operationId) }),
  };
}
