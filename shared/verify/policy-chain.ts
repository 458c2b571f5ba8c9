/**
 * Policy changes, checked as a consumer would (issue 10): each link of a
 * policy chain is a published policy ceremony, whose envelope must meet the
 * policy trusted so far AND the policy it proposes, and whose one subject is
 * that proposed policy by digest. A release is then verified against the last
 * policy of a chain that starts at the first policy the consumer trusts, as
 * TUF clients walk root rotations.
 */
import { z } from 'zod';
import { CodedError } from '../errors';
import { JsonError, parseJsonText, quotedMemberName } from '../json/parse';
import type { Digester } from '../keys/public-key-info';
import { loadPolicy, type Policy } from '../policy/policy';
import { policyProposalSubjectName } from '../policy/rotation';
import { verifyRelease, type VerificationDependencies, type VerificationInput, type VerificationReport } from './verify';

export const policyChainMediaType = 'application/vnd.conclave.policy-chain+json';

export const PolicyChainFile = z.strictObject({
  mediaType: z.literal(policyChainMediaType),
  /** Oldest first: each link's envelope was approved under the policy before it (the first link: the root). */
  links: z
    .array(
      z.strictObject({
        ceremonyId: z.string().max(64),
        /** The policy document the link's ceremony proposed. */
        policy: z.unknown(),
        /** The published DSSE envelope of the policy ceremony. */
        envelope: z.unknown(),
        /** RFC 3161 time stamps by keyid, when the approvals had them. */
        timestamps: z.record(z.string(), z.string()).optional(),
      }),
    )
    .max(1000),
});
export type PolicyChainFile = z.output<typeof PolicyChainFile>;

export const policyChainErrorCodes = ['policy-chain-malformed', 'policy-chain-broken'] as const;
export class PolicyChainError extends CodedError<(typeof policyChainErrorCodes)[number]> {
  override readonly name = 'PolicyChainError';
}

/** A policy ceremony's envelope against both policies: the combined report passes only when both do. */
export async function verifyPolicyChange(
  input: Omit<VerificationInput, 'policy' | 'artifacts' | 'policyChange'> & { current: Policy; proposed: Policy },
  dependencies: VerificationDependencies,
): Promise<VerificationReport & { current: VerificationReport; proposed: VerificationReport }> {
  const { current, proposed, ...rest } = input;
  const artifacts = [{ name: policyProposalSubjectName, sha256: proposed.digest }];
  const now = await verifyRelease({ ...rest, policy: current, artifacts, policyChange: { approvedUnder: current.digest } }, dependencies);
  const next = await verifyRelease({ ...rest, policy: proposed, artifacts, policyChange: { approvedUnder: current.digest } }, dependencies);
  const subjects = now.statement?.subject.length ?? 0;
  const failures = [...now.failures, ...next.failures];
  if (now.statement && subjects !== 1) {
    failures.push({ code: 'artifact-not-in-statement', step: 'artifacts', message: `A policy ceremony's statement names exactly one subject, the proposed policy; this one names ${subjects}.` });
  }
  const approvedBy = [...now.approvedBy, ...next.approvedBy.filter((entry) => !now.approvedBy.some((other) => other.keyId === entry.keyId))];
  return { ...now, ok: now.ok && next.ok && failures.length === 0, failures, approvedBy, notes: [...now.notes, ...next.notes], current: now, proposed: next };
}

/**
 * Reads a policy chain file (`conclave policy chain` writes one). Throws PolicyChainError.
 * `fileName` names the file in messages, which never quote its text (issue 12).
 */
export function readPolicyChain(text: string, fileName = 'The policy chain'): PolicyChainFile {
  let value: unknown;
  try {
    value = parseJsonText(text, { maxBytes: 64 * 1024 * 1024, maxDepth: 64 });
  } catch (error) {
    if (error instanceof JsonError) throw new PolicyChainError('policy-chain-malformed', `${error.about(fileName)} "conclave policy chain" writes a policy chain file.`);
    throw error;
  }
  const parsed = PolicyChainFile.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const problem = issue?.code === 'unrecognized_keys' ? `a field Conclave does not know: ${issue.keys.map(quotedMemberName).join(', ')}` : (issue?.message ?? 'unknown problem');
    throw new PolicyChainError('policy-chain-malformed', `${fileName} is not a policy chain Conclave writes (${problem}).`);
  }
  return parsed.data;
}

/**
 * Walks the chain from the root policy: each link must be approved under the
 * policy before it and under the policy it proposes. Returns the last policy
 * (the root when the chain is empty). Throws PolicyChainError at the first
 * link that does not hold, naming it and why.
 */
export async function followPolicyChain(root: Policy, chain: PolicyChainFile, digester: Digester, dependencies: VerificationDependencies): Promise<{ policy: Policy; steps: { ceremonyId: string; from: string; to: string }[] }> {
  let current = root;
  const steps: { ceremonyId: string; from: string; to: string }[] = [];
  for (const [index, link] of chain.links.entries()) {
    let proposed: Policy;
    try {
      proposed = await loadPolicy(link.policy, digester);
    } catch (error) {
      throw new PolicyChainError('policy-chain-broken', `Link ${index + 1} (ceremony ${link.ceremonyId}) proposes a policy that cannot be used: ${error instanceof Error ? error.message : String(error)}`);
    }
    const report = await verifyPolicyChange({ envelope: link.envelope as VerificationInput['envelope'], current, proposed, ...(link.timestamps ? { timestamps: link.timestamps } : {}) }, dependencies);
    if (!report.ok) {
      throw new PolicyChainError(
        'policy-chain-broken',
        `Link ${index + 1} (ceremony ${link.ceremonyId}) does not change policy sha256:${current.digest.slice(0, 12)}… to sha256:${proposed.digest.slice(0, 12)}…: ${report.failures.map((failure) => `${failure.code}: ${failure.message}`).join(' ')}`,
      );
    }
    steps.push({ ceremonyId: link.ceremonyId, from: current.digest, to: proposed.digest });
    current = proposed;
  }
  return { policy: current, steps };
}
