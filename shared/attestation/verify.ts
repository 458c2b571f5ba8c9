/**
 * Verifying a YubiKey PIV attestation (issue 13), a fixed pipeline of named
 * steps, as Yubico describes it
 * (https://developers.yubico.com/PIV/Introduction/PIV_attestation.html,
 * doc/Attestation.adoc in Yubico/yubico-piv-tool):
 *
 *   read → slot certificate signed by the device certificate (f9) → device
 *   certificate signed by a trusted root → the attested key is the signer's →
 *   Yubico's extensions read → the policy's touch and PIN requirement met.
 *
 * Deliberately not checked:
 * - validity dates: an attestation states once where a key was made, which
 *   does not stop being true; the device copies its f9 certificate's validity
 *   (Yubico's run to 2052) and an audit years later must reach the same answer;
 * - the f9 certificate's basicConstraints: YubiKey 4 devices carry f9
 *   certificates without it, which Yubico's own verification accepts
 *   (go-piv/piv-go piv/key.go, Verifier.Verify, works around it the same way).
 *   One that says CA:FALSE, or whose keyUsage leaves out keyCertSign, is refused.
 */
import { toHex } from '../encoding/hex';
import type { Digester } from '../keys/public-key-info';
import { describeCertificate, parseCertificate, type ParsedCertificate } from '../x509/certificate';
import { bytesEqual } from '../encoding/bytes';
import { X509Error } from '../x509/errors';
import { namesEqual } from '../x509/names';
import { mayHaveIssued } from '../x509/path';
import { checkSignedBy } from '../x509/signed-by';
import type { AlgorithmSignatureVerifier } from '../x509/signature-algorithms';
import { AttestationError } from './errors';
import { requirementShortfall, type AttestationRequirement } from './requirement';
import { describeYubiKeyFacts, readYubiKeyFacts, YubiKeyFactsError, yubicoAttestationOids, type YubiKeyFacts } from './yubikey';

export interface AttestationInput {
  /** The slot's attestation certificate (DER), as `ykman piv keys attest` or ykcs11's attestation object gives it. */
  certificate: Uint8Array;
  /** The device's attestation certificate from slot f9 (DER), which signed it. */
  intermediate: Uint8Array;
  /** The approver's key as DER SubjectPublicKeyInfo: the key the attestation must certify. */
  publicKeyInfo: Uint8Array;
  /** Whose key, for messages: "alice's key". */
  whose: string;
}

export interface VerifiedAttestation extends YubiKeyFacts {
  certificate: ParsedCertificate;
  intermediate: ParsedCertificate;
  /** The trust anchor the device certificate chains to. */
  root: ParsedCertificate;
  /** "key made on YubiKey 5 serial 1234567, touch always, PIN once". */
  description: string;
}

export interface AttestationDependencies {
  algorithmVerifier: AlgorithmSignatureVerifier;
  digester: Digester;
}

const yubicoOids = new Set<string>(Object.values(yubicoAttestationOids));
const short = (hex: string) => `${hex.slice(0, 16)}…`;
const rootsName = (requirement: Pick<AttestationRequirement, 'ownRoots'>) => (requirement.ownRoots ? 'the attestation roots the policy names' : "Yubico's PIV attestation root");

function read(der: Uint8Array, which: string, whose: string): ParsedCertificate {
  try {
    return parseCertificate(der);
  } catch (error) {
    if (error instanceof X509Error) {
      throw new AttestationError('attestation-malformed', `The attestation of ${whose} cannot be read: its ${which} is not a certificate Conclave can read. Read both from the YubiKey again (ykman piv keys attest SLOT; ykman piv certificates export f9).`);
    }
    throw error;
  }
}

/**
 * Verifies an attestation against the requirement's roots and returns what it
 * states; then, separately, checkRequirement. Throws AttestationError.
 */
export async function verifyYubiKeyAttestation(input: AttestationInput, requirement: Pick<AttestationRequirement, 'roots' | 'ownRoots'>, dependencies: AttestationDependencies): Promise<VerifiedAttestation> {
  const { whose } = input;
  const certificate = read(input.certificate, 'attestation certificate', whose);
  const intermediate = read(input.intermediate, 'device certificate (slot f9)', whose);
  const roots = requirement.roots.map((root) => parseCertificate(root));
  const untrusted = (reason: string) =>
    new AttestationError(
      'attestation-untrusted',
      `The attestation of ${whose} does not chain to ${rootsName(requirement)}: ${reason} Nothing shows the key was made on a YubiKey; make the attestation again on the device that holds the key (ykman piv keys attest SLOT, and the device certificate with ykman piv certificates export f9).`,
    );

  // Step 1: the device signed the slot's attestation.
  if (!mayHaveIssued(intermediate, certificate)) {
    throw untrusted(`its attestation certificate was issued by "${certificate.issuer.rfc4514}", not by the device certificate sent with it (${describeCertificate(intermediate)}).`);
  }
  if ((await checkSignedBy(certificate, intermediate, dependencies.algorithmVerifier)) !== 'valid') {
    throw untrusted(`the signature on its attestation certificate does not verify with the key of the device certificate sent with it (${describeCertificate(intermediate)}), or uses an algorithm Conclave does not accept (${certificate.signatureAlgorithm.name}).`);
  }
  if (intermediate.basicConstraints?.ca === false || (intermediate.keyUsage && !intermediate.keyUsage.includes('keyCertSign'))) {
    throw untrusted(`its device certificate (${describeCertificate(intermediate)}) is not allowed to sign certificates.`);
  }

  // Step 2: a trusted root signed the device's certificate.
  let root: ParsedCertificate | undefined;
  for (const candidate of roots.filter((anchor) => mayHaveIssued(anchor, intermediate))) {
    if ((await checkSignedBy(intermediate, candidate, dependencies.algorithmVerifier)) === 'valid') {
      root = candidate;
      break;
    }
  }
  if (!root) {
    // A root of that name whose key did not sign it (or whose key identifier differs): a forgery under a trusted name.
    const named = roots.some((anchor) => namesEqual(anchor.subject, intermediate.issuer));
    throw untrusted(
      named
        ? `its device certificate (${describeCertificate(intermediate)}) names "${intermediate.issuer.rfc4514}" as its issuer, but that root's key did not sign it: it was forged or altered.`
        : `its device certificate (${describeCertificate(intermediate)}) was issued by "${intermediate.issuer.rfc4514}", which is not a trusted attestation root.`,
    );
  }

  // Step 3: nothing in either certificate that changes its meaning and that Conclave does not read.
  for (const [which, parsed] of [['attestation certificate', certificate], ['device certificate', intermediate]] as const) {
    const unknown = parsed.unprocessedCriticalExtensions.filter((oid) => !yubicoOids.has(oid));
    if (unknown.length > 0) throw new AttestationError('attestation-malformed', `The attestation of ${whose} cannot be used: its ${which} has critical extensions Conclave does not process (${unknown.join(', ')}).`);
  }

  // Step 4: it attests the key that signs, not some other key made on a genuine device.
  if (!bytesEqual(certificate.spki, input.publicKeyInfo)) {
    const attested = toHex(await dependencies.digester.digest('SHA-256', certificate.spki));
    const signing = toHex(await dependencies.digester.digest('SHA-256', input.publicKeyInfo));
    throw new AttestationError(
      'attestation-key-mismatch',
      `The attestation sent with ${whose} is for another key (${short(attested)}, not ${short(signing)}): it says nothing about where ${whose} was made. Send the attestation of the slot that holds the signing key.`,
    );
  }

  // Step 5: what the device states.
  let facts: YubiKeyFacts;
  try {
    facts = readYubiKeyFacts(certificate);
  } catch (error) {
    if (error instanceof YubiKeyFactsError) throw new AttestationError('attestation-malformed', `The attestation of ${whose} is not a YubiKey PIV attestation Conclave can read: ${error.message}.`);
    throw error;
  }
  return { ...facts, certificate, intermediate, root, description: describeYubiKeyFacts(facts) };
}

/** Whether a verified attestation meets the requirement's touch and PIN policy. Throws AttestationError('attestation-policy-unmet'). */
export function checkRequirement(attestation: VerifiedAttestation, requirement: Pick<AttestationRequirement, 'touch' | 'pin'>, whose: string): void {
  const shortfall = requirementShortfall(attestation, requirement);
  if (shortfall === undefined) return;
  const touch = requirement.touch === 'any' ? '' : ` --touch-policy ${requirement.touch.toUpperCase()}`;
  const pin = requirement.pin === 'any' ? '' : ` --pin-policy ${requirement.pin.toUpperCase()}`;
  throw new AttestationError(
    'attestation-policy-unmet',
    `${whose.charAt(0).toUpperCase()}${whose.slice(1)} was made on ${attestation.model} serial ${attestation.serial} with ${shortfall}. A key's policies are fixed when it is made: make a new key with them (ykman piv keys generate${pin}${touch} SLOT) and list it in the policy.`,
  );
}

/** Verify, then check the requirement: the whole pipeline. Throws AttestationError. */
export async function checkYubiKeyAttestation(input: AttestationInput, requirement: AttestationRequirement, dependencies: AttestationDependencies): Promise<VerifiedAttestation> {
  const attestation = await verifyYubiKeyAttestation(input, requirement, dependencies);
  checkRequirement(attestation, requirement, input.whose);
  return attestation;
}
