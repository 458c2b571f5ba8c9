import type { CallName, CallOutput, EventName, EventPayload, calls } from '../../../shared/api/contract';
import type { z } from 'zod';

/** What a handler receives: the input after the contract's schema has parsed it. */
export type ParsedInput<C extends CallName> = z.output<(typeof calls)[C]['input']>;

export type ApiHandlers = { [C in CallName]: (input: ParsedInput<C>) => Promise<CallOutput<C>> };

/** Where the core pushes events: IPC to the window, or the loopback connection. */
export type EventSink = <E extends EventName>(name: E, payload: EventPayload<E>) => void;
