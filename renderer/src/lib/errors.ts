import type { ErrorData, ErrorDetails } from '../../../shared/errors';

function triesLeftNote(triesLeft: ErrorDetails['triesLeft']): string | undefined {
  switch (triesLeft) {
    case 'low':
      return 'Only a few tries are left before the PIN locks.';
    case 'final':
      return 'One try left: another wrong PIN locks the token.';
    default:
      return undefined;
  }
}

/** An error as the person reads it: the core's message, plus how many PIN tries are left when the token says so. */
export function errorText(error: ErrorData): string {
  const note = triesLeftNote(error.details?.triesLeft);
  if (!note || /tries left|tries are left|(one|last|final) try/i.test(error.message)) return error.message;
  return `${error.message} ${note}`;
}
