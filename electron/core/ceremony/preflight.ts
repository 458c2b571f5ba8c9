/**
 * Pre-flight before a ceremony exists (issue 16): the evidence of an opening
 * judged against the chosen policy exactly as opening and freezing would,
 * with no key, nothing signed and nothing written, so the Open form and
 * `conclave ceremony open --check` can say what would block freezing and what
 * to attach before anything half-made is left behind.
 */
import type { OpenedEvent } from '../../../shared/ceremony/events';
import { describePolicy } from '../../../shared/policy/describe';
import type { CeremonyService, OpenInput } from './ceremony-service';

export type OpeningPreflightInput = Omit<OpenInput, 'openerKeyUri'>;

export interface OpeningPreflight {
  policy: { name?: string; digest: string; description: string };
  release: { name: string; version: string };
  /** Every finding the opening would record, in its order. */
  findings: OpenedEvent['findings'];
  /** A finding fails, so the ceremony would open but not freeze. */
  blocked: boolean;
  /** The policy lets an approver or release manager override failed findings, with a reason. */
  overrideAllowed: boolean;
  /** What would happen on opening, in one sentence. */
  verdict: string;
  /** What to attach or change: one line per failing or warning finding, as `conclave ceremony show` prints it. */
  toDo: string[];
}

const checks = (count: number) => `${count} check${count === 1 ? '' : 's'}`;

/** A finding as the CLI prints it ("fail  No provenance was attached, …"). */
export const findingLine = (finding: { status: string; message: string }) => `${finding.status.padEnd(4)}  ${finding.message}`;

export async function preflightOpening(service: CeremonyService, input: OpeningPreflightInput): Promise<OpeningPreflight> {
  const { policy, findings } = await service.previewOpening(input);
  const failed = findings.filter((finding) => finding.status === 'fail').length;
  const warned = findings.filter((finding) => finding.status === 'warn').length;
  const overrideAllowed = policy.evidence.allowOverride;
  const verdict =
    failed === 0
      ? `Ready: ${warned > 0 ? `${checks(warned)} warn${warned === 1 ? 's' : ''} but none fails` : 'every check passed'}, so the ceremony would be frozen at once and take approvals.`
      : overrideAllowed
        ? `Blocked: ${checks(failed)} failed, so the ceremony would open but not freeze until someone overrides ${failed === 1 ? 'it' : 'them'} with a reason (this policy allows that). Fix the evidence first if you can.`
        : `Blocked: ${checks(failed)} failed and this policy does not allow overriding, so the ceremony could never take approvals. Fix the evidence before opening.`;
  return {
    policy: { ...(policy.name ? { name: policy.name } : {}), digest: policy.digest, description: describePolicy(policy) },
    release: { name: input.release.name, version: input.release.version },
    findings,
    blocked: failed > 0,
    overrideAllowed,
    verdict,
    toDo: findings.filter((finding) => finding.status !== 'pass').map(findingLine),
  };
}

/** The pre-flight for a terminal: what was checked, every finding, and the verdict; says that nothing was created. */
export function formatOpeningPreflight(preflight: OpeningPreflight): string {
  const policyName = preflight.policy.name ? `"${preflight.policy.name}" ` : '';
  return [
    `Pre-flight of ${preflight.release.name} ${preflight.release.version} against policy ${policyName}(sha256:${preflight.policy.digest}; ${preflight.policy.description}). Nothing was created.`,
    ...preflight.findings.map((finding) => `  ${findingLine(finding)}`),
    preflight.verdict,
    '',
  ].join('\n');
}
