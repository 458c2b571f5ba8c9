/** What the window checks with the contract's schemas (loaded on demand: schemas.ts). */
export { calls, Pin } from '../../../shared/api/contract';
export { parseEventPayload } from '../../../shared/api/validate';
export { ServerMessage } from '../../../shared/web/protocol';
