import type { ErrorData, ErrorDetails } from '../../../shared/errors';

function triesLeftNote(triesLeft: ErrorDetails['triesLeft'], count: ErrorDetails['triesLeftCount']): string | undefined {
  switch (triesLeft) {
    case 'low':
      // The number where the token says one (a YubiKey), else the token's own "few".
      return count !== undefined && count > 1 ? `Only ${count} tries are left before the PIN locks.` : 'Only a few tries are left before the PIN locks.';
    case 'final':
      return 'One try left: another wrong PIN locks the token.';
    default:
      return undefined;
  }
}

/** An error as the person reads it: the core's message, plus how many PIN tries are left when the token says so. */
export function errorText(error: ErrorData): string {
  const note = triesLeftNote(error.details?.triesLeft, error.details?.triesLeftCount);
  if (!note || /tries left|tries are left|(one|last|final) try/i.test(error.message)) return error.message;
  return `${error.message} ${note}`;
}
