/** The keys of attached tokens, each with who it is by a policy and why it may not sign (`ineligible`) when it may not. */
import type { SigningKey } from '../../../../shared/api/ceremony-schemas';
import { fromPem } from '../../../../shared/encoding/pem';
import { certificateApproversNamedBy } from '../../../../shared/policy/certificate-signer';
import { eventSignerOf, type Policy } from '../../../../shared/policy/policy';
import type { TokenService } from '../../tokens/token-service';

export interface PolicySigner {
  id: string;
  as: 'approver' | 'release manager' | 'certificate approver';
}

/** Certificate approvers (issue 6) sign their decisions only: the other events carry no certificate to identify them by. */
export const certificateApproversOnlyDecide = 'Certificate approvers approve and reject; opening, freezing, cancelling and publishing need a key the policy lists.';

export async function signingKeysOf(tokens: TokenService, policy: Policy, ineligible: (signer: PolicySigner, keyId: string) => string | undefined, notInPolicy: string): Promise<SigningKey[]> {
  const keys: SigningKey[] = [];
  for (const module of tokens.snapshotModules()) {
    for (const token of module.tokens) {
      let tokenKeys;
      try {
        tokenKeys = await tokens.listKeys(token.uri);
      } catch {
        continue; // removed since the snapshot
      }
      for (const key of tokenKeys) {
        // A key the policy does not list may be a certificate approver's (issue 6): named by the certificate next to it; approving checks the rest.
        const named = !eventSignerOf(policy, key.keyId) && key.certificatePem ? certificateApproversNamedBy(policy, fromPem('CERTIFICATE', key.certificatePem)) : [];
        const signer = eventSignerOf(policy, key.keyId) ?? (named.length === 1 ? { id: named[0]!, as: 'certificate approver' as const } : undefined);
        let reason = signer ? ineligible(signer, key.keyId) : notInPolicy;
        if (reason === undefined && token.pinStatus === 'locked') reason = 'The PIN of this token is locked.';
        keys.push({
          tokenUri: token.uri,
          tokenLabel: token.label,
          keyUri: key.uri,
          keyLabel: key.label,
          keyId: key.keyId,
          ...(signer ? { approverId: signer.id } : {}),
          eligible: reason === undefined,
          ...(reason ? { reason } : {}),
          loginRequired: token.loginRequired,
          protectedAuthenticationPath: token.protectedAuthenticationPath,
          touchLikely: /yubi/i.test(`${token.manufacturer} ${token.model}`),
          pinStatus: token.pinStatus,
        });
      }
    }
  }
  return keys.sort((a, b) => Number(b.eligible) - Number(a.eligible) || a.tokenLabel.localeCompare(b.tokenLabel));
}
