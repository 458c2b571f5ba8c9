/** YubiKey PIV key attestation (issue 13): proof that an approver's key was made on the device and cannot leave it. */
export { AttestationError, attestationErrorCodes, type AttestationErrorCode } from './errors';
export { describeRequirement, pinRequirements, requirementShortfall, touchRequirements, type AttestationRequirement, type PinRequirement, type TouchRequirement } from './requirement';
export { checkRequirement, checkYubiKeyAttestation, verifyYubiKeyAttestation, type AttestationDependencies, type AttestationInput, type VerifiedAttestation } from './verify';
export { describeYubiKeyFacts, pinPolicies, readYubiKeyFacts, touchPolicies, yubicoAttestationOids, YubiKeyFactsError, type PinPolicy, type TouchPolicy, type YubiKeyFacts } from './yubikey';
export { yubicoPivAttestationRoot, yubicoPivAttestationRootPem, yubicoPivAttestationRootSha256 } from './yubico-root';
