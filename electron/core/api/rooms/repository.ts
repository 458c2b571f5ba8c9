/**
 * The repository room: sharing the store through the team's git repository
 * (issue 5). Its handlers live with the repository code they drive
 * (repository/repository-handlers.ts); this room types them by the contract's
 * namespace, as every other room is.
 */
import { createRepositoryHandlers, type RepositoryHandlerOptions } from '../../repository/repository-handlers';
import type { RoomHandlers } from '../handlers';

export function repositoryRoom(options: RepositoryHandlerOptions): { handlers: RoomHandlers<'repository'>; localChange(): void; dispose(): Promise<void> } {
  return createRepositoryHandlers(options);
}
