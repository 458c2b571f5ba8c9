/**
 * When a token counts as gone from a module that is read afresh: only when a
 * second fresh read agrees. SoftHSM2 reads every token's files when it is
 * initialised and skips one whose files another program is writing at that
 * moment (pkcs11-tool adding a certificate, a second Conclave signing), so a
 * single read can miss a token that never left.
 */
import type { SlotToken } from './protocol';

export function readAgainForLosses(before: readonly SlotToken[], readAfresh: () => SlotToken[]): SlotToken[] {
  const now = readAfresh();
  return lostAny(before, now) ? readAfresh() : now;
}

function lostAny(before: readonly SlotToken[], now: readonly SlotToken[]): boolean {
  return before.some((token) => !now.some((other) => other.serial === token.serial && other.label === token.label));
}
