/** The policies room: the policies this machine trusts, what a policy file says, trusting one, and the demo policy. */
import { readFile } from 'node:fs/promises';
import type { PolicySummary } from '../../../../shared/api/ceremony-schemas';
import { ConclaveError } from '../../../../shared/errors';
import { describePolicy } from '../../../../shared/policy/describe';
import { loadPolicyText } from '../../../../shared/policy/policy';
import { openerMakesImpossible } from '../../ceremony/ceremony-service';
import { readPolicyFile } from '../../ceremony/policy-file';
import { nodeDigester } from '../../crypto/node-crypto';
import type { PolicyFolder } from '../../policy-trust/policy-folder';
import type { TokenService } from '../../tokens/token-service';
import type { RoomHandlers } from '../handlers';
import type { CeremonyCatalog } from '../services/ceremony-catalog';
import { demoPolicyText } from '../services/demo-policy';
import { certificateApproversOnlyDecide, signingKeysOf } from '../services/signing-keys';

export function policiesRoom(options: { policies: PolicyFolder; catalog: CeremonyCatalog; tokens: TokenService }): RoomHandlers<'policies'> {
  const { policies, catalog } = options;
  const policyFiles = async (): Promise<PolicySummary[]> => (await policies.list()).map(({ policy: _policy, ...summary }) => summary);
  const savePolicy = async (text: string, fileName?: string): Promise<void> => {
    await policies.trust(text, fileName);
    // Trust decides what counts: every summary under the policy is judged again.
    void catalog.current(true);
  };

  return {
    'policies.list': async () => policyFiles(),
    'policies.inspect': async ({ path }) => {
      // Read and validated as trusting would, but nothing is written.
      const policy = await readPolicyFile(path);
      const trusted = await policies.trustedDigests();
      return {
        digest: policy.digest,
        ...(policy.name ? { name: policy.name } : {}),
        description: describePolicy(policy),
        threshold: policy.threshold,
        approvers: policy.people.map((person) => ({ id: person.id, ...(person.role ? { role: person.role } : {}) })),
        trusted: trusted.has(policy.digest),
      };
    },
    'policies.import': async ({ path, digest }) => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        throw new ConclaveError('invalid-input', `Conclave cannot read ${path}.`);
      }
      // The person confirmed one digest: a file that changed since then is not trusted in its place.
      if (digest !== undefined) {
        const policy = await loadPolicyText(text, nodeDigester, path);
        if (policy.digest !== digest) {
          throw new ConclaveError('conflict', `Nothing was trusted: ${path} now holds another policy (sha256:${policy.digest.slice(0, 16)}…) than the one you were shown (sha256:${digest.slice(0, 16)}…). Look at it again.`);
        }
      }
      await savePolicy(text, path);
      return policyFiles();
    },
    'policies.createDemo': async () => {
      await savePolicy(await demoPolicyText(options.tokens));
      return policyFiles();
    },
    // Keys on attached tokens that may open a ceremony under this policy.
    'policies.signingKeys': async ({ policyPath }) => {
      const policy = await readPolicyFile(policyPath);
      return signingKeysOf(options.tokens, policy, (signer) => (signer.as === 'certificate approver' ? certificateApproversOnlyDecide : openerMakesImpossible(policy, signer.id)), 'This key is not in this policy.');
    },
  };
}
