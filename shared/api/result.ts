import type { ErrorData } from '../errors';

/**
 * Results cross IPC and the loopback connection as data: Electron's `invoke`
 * keeps only an error's message, and we need its code on the other side.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorData };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const failure = (error: ErrorData): Result<never> => ({ ok: false, error });
