/**
 * A token that waits for a touch, or for a PIN typed on its reader, looks
 * like a hung command. After about two seconds without an answer the CLI says
 * what the token is waiting for; the token host's own deadline (host-client.ts)
 * still ends the wait with a clear message if nobody acts.
 */

/** How long a token may take before the person is told it waits for them. */
export const waitingNoticeMs = 2_000;

export interface WaitingNotice {
  /** The token's label, as the person knows it. */
  tokenLabel: string;
  /** The token has its own PIN pad: the PIN is entered there, not here. */
  pinPad: boolean;
  /** What the token is doing: "sign", "log in", "make the key". */
  doing: string;
}

export function waitingMessage(notice: WaitingNotice): string {
  const what = notice.pinPad ? 'enter the PIN on the reader' : 'touch it if it blinks or asks for presence';
  return `Waiting for token ${notice.tokenLabel} to ${notice.doing}: ${what}. (Conclave gives up by itself if the token never answers.)\n`;
}

/** Runs `work`, and calls `say` once if it has not settled after `afterMs`. */
export async function noticeWhileWaiting<T>(work: () => Promise<T>, say: () => void, afterMs = waitingNoticeMs): Promise<T> {
  const timer = setTimeout(say, afterMs);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
  }
}
