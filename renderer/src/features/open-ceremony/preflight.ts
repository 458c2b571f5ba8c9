/**
 * The Open form's pre-flight (issue 16): which evidence the core is asked to
 * judge against the chosen policy before anything is created, and what the
 * answer means for the "Open ceremony" action. Pure, so tests check each case.
 */
import type { CallInput, CallOutput } from '../../../../shared/api/contract';
import { imageLines, invalidImage } from './format';
import type { OpenForm } from './store';

export type OpeningPreflightInput = CallInput<'preflight.opening'>;
export type OpeningPreflightAnswer = CallOutput<'preflight.opening'>;

/** What the pre-flight still needs from the form, in the words of its fields; empty when it can run. */
export function preflightNeeds(form: OpenForm): string[] {
  const needs: string[] = [];
  if (!form.name.trim()) needs.push('the release name');
  if (!form.version.trim()) needs.push('the version');
  const images = imageLines(form.imagesText);
  if (form.artifactPaths.length === 0 && (images.length === 0 || invalidImage(images))) needs.push('an artifact');
  if (!form.policyPath) needs.push('the policy');
  return needs;
}

/**
 * The evidence of the form as the pre-flight takes it, or undefined while the
 * form lacks something it needs. SHA-512 is left out: it changes how the
 * artifacts are named, never a finding (the core hashes SHA-512 where the
 * provenance records it).
 */
export function preflightInputOf(form: OpenForm): Omit<OpeningPreflightInput, 'operationId'> | undefined {
  if (preflightNeeds(form).length > 0) return undefined;
  const images = imageLines(form.imagesText);
  return {
    policyPath: form.policyPath!,
    release: { name: form.name.trim(), version: form.version.trim(), ...(form.purl.trim() ? { purl: form.purl.trim() } : {}) },
    artifactPaths: [...form.artifactPaths],
    ...(images.length > 0 && !invalidImage(images) ? { images } : {}),
    provenancePaths: [...form.provenancePaths],
    ...(form.sbomPath ? { sbomPath: form.sbomPath } : {}),
  };
}

/** One text per distinct evidence: an answer is shown only for the evidence it judged. */
export function preflightKey(input: Omit<OpeningPreflightInput, 'operationId'> | undefined): string | undefined {
  return input === undefined ? undefined : JSON.stringify(input);
}

/** The pre-flight said the ceremony could never take approvals: checks fail and the policy lets nobody override them. */
export function neverFreezes(answer: Pick<OpeningPreflightAnswer, 'blocked' | 'overrideAllowed'> | undefined): boolean {
  return answer !== undefined && answer.blocked && !answer.overrideAllowed;
}

/** Why "Open ceremony" is not offered, said beside it. */
export const notOfferedText = 'Not offered: checks on this evidence fail and the policy allows no override, so the ceremony could never take approvals. Attach what the failing checks below ask for; the form checks again as you do.';
