/**
 * What a policy asks of an approver's key (issue 13): that a YubiKey attests
 * it was made on the device, with at least this touch and PIN policy, under
 * these attestation roots. Pure: loading a policy builds one, the judge
 * checks attestations against it.
 */
import type { PinPolicy, TouchPolicy, YubiKeyFacts } from './yubikey';

export const touchRequirements = ['always', 'cached', 'any'] as const;
export type TouchRequirement = (typeof touchRequirements)[number];
export const pinRequirements = ['always', 'once', 'any'] as const;
export type PinRequirement = (typeof pinRequirements)[number];

export interface AttestationRequirement {
  /** Whether the approver's approvals count only with a valid attestation. */
  required: boolean;
  touch: TouchRequirement;
  pin: PinRequirement;
  /** DER trust anchors an attestation must chain to: the policy's, or Yubico's PIV attestation root when it names none. */
  roots: Uint8Array[];
  /** Whether `roots` are the policy's own (messages name them so). */
  ownRoots: boolean;
}

/** Which device policies meet each requirement: a stronger one always does. */
const touchMeets: Record<TouchRequirement, readonly TouchPolicy[]> = {
  always: ['always'],
  cached: ['always', 'cached'],
  any: ['always', 'cached', 'never'],
};
// A fingerprint match before every signature (YubiKey Bio, match-always) asks for the person each time, as PIN always does.
const pinMeets: Record<PinRequirement, readonly PinPolicy[]> = {
  always: ['always', 'match-always'],
  once: ['always', 'match-always', 'once', 'match-once'],
  any: ['always', 'match-always', 'once', 'match-once', 'never'],
};

/** What the device's policies lack, in words ("touch never, where the policy asks for touch always"); undefined when they meet the requirement. */
export function requirementShortfall(facts: Pick<YubiKeyFacts, 'touchPolicy' | 'pinPolicy'>, requirement: Pick<AttestationRequirement, 'touch' | 'pin'>): string | undefined {
  const lacks: string[] = [];
  if (!touchMeets[requirement.touch].includes(facts.touchPolicy)) lacks.push(`touch ${facts.touchPolicy}, where the policy asks for touch ${requirement.touch}`);
  if (!pinMeets[requirement.pin].includes(facts.pinPolicy)) lacks.push(`PIN ${facts.pinPolicy}, where the policy asks for PIN ${requirement.pin}`);
  return lacks.length > 0 ? lacks.join('; ') : undefined;
}

/** "key made on a YubiKey, touch always": the requirement in words, for describePolicy. */
export function describeRequirement(requirement: Pick<AttestationRequirement, 'touch' | 'pin'>): string {
  return ['key made on a YubiKey', ...(requirement.touch !== 'any' ? [`touch ${requirement.touch}`] : []), ...(requirement.pin !== 'any' ? [`PIN ${requirement.pin}`] : [])].join(', ');
}

/** The entries of a policy an attestation requirement can sit on (shared/policy's Policy has both lists). */
interface PolicyEntries {
  keys: readonly { keyId: string; attestation?: AttestationRequirement | undefined }[];
  certificateApprovers: readonly { approverId: string; attestation?: AttestationRequirement | undefined }[];
}

/**
 * What these policies ask of one signer's attestation: the entry of its key,
 * or, for a certificate approver, of its certificate approver entry. In a
 * policy ceremony both the current and the proposed policy are given, and
 * an approval must meet what either asks. The judge and the service that
 * refuses to sign an approval that could not count both ask here.
 */
export function attestationRequirementsOf(policies: readonly PolicyEntries[], signer: { keyId: string; certificateApprover?: string | undefined }): AttestationRequirement[] {
  return policies.flatMap((policy) =>
    (signer.certificateApprover === undefined ? policy.keys.filter((key) => key.keyId === signer.keyId) : policy.certificateApprovers.filter((entry) => entry.approverId === signer.certificateApprover)).flatMap((entry) =>
      entry.attestation ? [entry.attestation] : [],
    ),
  );
}
