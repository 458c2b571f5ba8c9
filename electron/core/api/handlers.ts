import type { CallName, CallOutput, EventName, EventPayload, calls } from '../../../shared/api/contract';
import type { CallsOfRoom, RoomName } from '../../../shared/api/names';
import type { z } from 'zod';

/** What a handler receives: the input after the contract's schema has parsed it. */
export type ParsedInput<C extends CallName> = z.output<(typeof calls)[C]['input']>;

export type ApiHandlers = { [C in CallName]: (input: ParsedInput<C>) => Promise<CallOutput<C>> };

/** The handlers of one room (rooms/): every call of its namespace in the contract, and no other. */
export type RoomHandlers<R extends RoomName> = Pick<ApiHandlers, CallsOfRoom<R>>;

/** Where the core pushes events: IPC to the window, or the loopback connection. */
export type EventSink = <E extends EventName>(name: E, payload: EventPayload<E>) => void;
