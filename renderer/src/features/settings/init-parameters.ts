/**
 * Init parameters as the person types them in Settings → Modules: nothing
 * typed means none; anything else is checked as the core and
 * `conclave modules add --init-parameters` check it (the contract's rule).
 */
import { InitParametersText } from '../../../../shared/api/contract';

export type InitParametersInput = { ok: true; initParameters: string | undefined } | { ok: false; problem: string };

export function readInitParameters(typed: string): InitParametersInput {
  if (typed.trim() === '') return { ok: true, initParameters: undefined };
  const parsed = InitParametersText.safeParse(typed);
  return parsed.success ? { ok: true, initParameters: parsed.data } : { ok: false, problem: parsed.error.issues[0]?.message ?? 'These are not init parameters.' };
}
