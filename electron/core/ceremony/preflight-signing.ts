/**
 * Pre-flight before a PIN (issue 16): when an approver picks a key, what
 * would stop the signature is said before the PIN is asked for. The token is
 * attached, the key on it is the one the policy names for this person (or
 * their certificate names a certificate approver), the person may still
 * decide, the PIN tries left, and the touch the key asks for where its
 * YubiKey attestation says. Nothing here logs in or signs.
 */
import type { CeremonyView } from '../../../shared/ceremony/view';
import { fromPem } from '../../../shared/encoding/pem';
import { ConclaveError } from '../../../shared/errors';
import { readYubiKeyFacts, type TouchPolicy } from '../../../shared/attestation';
import { certificateApproversNamedBy } from '../../../shared/policy/certificate-signer';
import { eventSignerOf, type Policy } from '../../../shared/policy/policy';
import { parsePkcs11Uri } from '../../../shared/pkcs11/uri';
import { parseCertificate } from '../../../shared/x509/certificate';
import type { TokenService } from '../tokens/token-service';

export type SigningCheckLevel = 'ok' | 'warn' | 'block';

export interface SigningCheck {
  check: 'token' | 'key' | 'person' | 'pin' | 'touch';
  level: SigningCheckLevel;
  message: string;
}

export interface SigningPreflight {
  /** No check blocks: asking for the PIN now can lead to a signature that counts. */
  ready: boolean;
  checks: SigningCheck[];
  tokenLabel?: string;
  /** Who the policy says the key is, when it says. */
  approverId?: string;
  keyId?: string;
  pinStatus?: 'ok' | 'count-low' | 'final-try' | 'locked';
  pinTriesLeft?: number;
  /** The touch the key asks for, from its YubiKey attestation (read here, verified when the approval is). */
  touchPolicy?: TouchPolicy;
}

export interface SigningPreflightInput {
  keyUri: string;
  policy: Policy;
  view: Pick<CeremonyView, 'state' | 'openedBy' | 'approvals' | 'rejections' | 'actions'>;
  /** The person the window signs as, when it knows: a key of someone else is then named as such. */
  approverId?: string;
}

const touchWords: Record<TouchPolicy, string> = {
  never: 'This key signs without a touch.',
  always: 'Touch the YubiKey when it blinks: this key asks for a touch for every signature.',
  cached: 'Touch the YubiKey when it blinks: this key asks for a touch, then not again for 15 seconds.',
};

const codeOf = (error: unknown) => (error instanceof ConclaveError ? error.code : undefined);

export async function preflightSigning(tokens: TokenService, input: SigningPreflightInput): Promise<SigningPreflight> {
  const checks: SigningCheck[] = [];
  const answer = (extra: Partial<SigningPreflight> = {}): SigningPreflight => ({ ready: !checks.some((check) => check.level === 'block'), checks, ...extra });
  const named = parsePkcs11Uri(input.keyUri);
  const tokenName = named.token ?? named.serial ?? 'the token this key is on';

  // The token: attached, and its PIN not locked.
  let token;
  try {
    token = await tokens.describeTokenOf(input.keyUri);
  } catch (error) {
    const code = codeOf(error);
    if (code !== 'token-not-found' && code !== 'token-removed' && code !== 'module-not-found') throw error;
    checks.push({ check: 'token', level: 'block', message: `Token "${tokenName}" is not attached. Plug it in, or choose a key on a token that is; no PIN was asked for.` });
    return answer();
  }
  checks.push({ check: 'token', level: 'ok', message: `Token "${token.label}" is attached.` });
  const facts = { tokenLabel: token.label, pinStatus: token.pinStatus, ...(token.pinTriesLeft !== undefined ? { pinTriesLeft: token.pinTriesLeft } : {}) };
  if (token.pinStatus === 'locked') checks.push({ check: 'pin', level: 'block', message: `The PIN of token "${token.label}" is locked: it cannot sign until its PIN is reset with the unblock code (PUK) or by its administrator.` });
  else if (token.pinStatus === 'final-try') checks.push({ check: 'pin', level: 'warn', message: `One PIN try left on token "${token.label}": a wrong PIN now locks it.` });
  else if (token.pinStatus === 'count-low') checks.push({ check: 'pin', level: 'warn', message: token.pinTriesLeft !== undefined ? `${token.pinTriesLeft} PIN tries left on token "${token.label}" before it locks.` : `Few PIN tries left on token "${token.label}" (it does not say how many) before it locks.` });
  else if (!token.protectedAuthenticationPath) checks.push({ check: 'pin', level: 'ok', message: 'The PIN has all its tries left.' });

  // The key: on the token, and one the policy names.
  if (await tokens.keysNeedLogin(input.keyUri)) {
    checks.push({ check: 'key', level: 'warn', message: `Token "${token.label}" shows its keys only after the PIN: the key is checked against the policy when you sign.` });
    return answer(facts);
  }
  let key;
  try {
    key = (await tokens.resolveKey(input.keyUri)).key;
  } catch (error) {
    if (codeOf(error) !== 'key-not-found') throw error;
    checks.push({ check: 'key', level: 'block', message: `Token "${token.label}" has no key ${named.object ? `"${named.object}"` : 'that this URI names'}. Choose the key the policy lists for you.` });
    return answer(facts);
  }
  const listed = eventSignerOf(input.policy, key.keyId);
  const byCertificate = !listed && key.certificatePem ? certificateApproversNamedBy(input.policy, fromPem('CERTIFICATE', key.certificatePem)) : [];
  const signer = listed ?? (byCertificate.length === 1 ? { id: byCertificate[0]!, as: 'certificate approver' as const } : undefined);
  const keyFacts = { ...facts, keyId: key.keyId, ...(signer ? { approverId: signer.id } : {}) };
  if (!signer) {
    const people = input.policy.people.map((person) => person.id).join(', ');
    checks.push({ check: 'key', level: 'block', message: `This key (keyid ${key.keyId.slice(0, 16)}…) is not in this ceremony's policy, so its signature would not count. Choose your key that the policy lists (${people}).` });
    return answer(keyFacts);
  }
  if (input.approverId !== undefined && signer.id !== input.approverId) {
    checks.push({ check: 'key', level: 'block', message: `This key is ${signer.id}'s in the policy, not ${input.approverId}'s. Choose ${input.approverId}'s key.` });
    return answer(keyFacts);
  }
  checks.push({ check: 'key', level: 'ok', message: signer.as === 'certificate approver' ? `The key's certificate names ${signer.id}, a certificate approver of the policy; the chain is checked when you sign.` : `This is ${signer.id}'s key in the policy.` });

  // The person: may still decide on this ceremony.
  const personProblem = decisionProblem(input, signer);
  checks.push(personProblem ? { check: 'person', level: 'block', message: personProblem } : { check: 'person', level: 'ok', message: `${signer.id} may approve or reject this ceremony.` });

  // The touch, where a YubiKey attestation says it.
  const touchPolicy = await touchOf(tokens, input.keyUri);
  if (touchPolicy) checks.push({ check: 'touch', level: 'ok', message: touchWords[touchPolicy] });
  return answer({ ...keyFacts, ...(touchPolicy ? { touchPolicy } : {}) });
}

function decisionProblem(input: SigningPreflightInput, signer: { id: string; as: string }): string | undefined {
  const { view, policy } = input;
  if (signer.as === 'release manager') return `${signer.id} is a release manager, not an approver: only approvers approve.`;
  const decidedKeys = new Set([...view.approvals, ...view.rejections].map((decision) => decision.keyId));
  const decidedPeople = new Set(policy.keys.filter((key) => decidedKeys.has(key.keyId)).map((key) => key.approverId));
  if (decidedPeople.has(signer.id)) return `${signer.id} has already decided on this ceremony.`;
  if (signer.id === view.openedBy && !policy.separationOfDuties.openerMayApprove) return `${signer.id} opened this ceremony, and the policy does not let the opener approve.`;
  if (!view.actions.includes('approve') && !view.actions.includes('reject')) return `The ceremony is ${view.state}: it takes no decisions now.`;
  return undefined;
}

/** The touch policy a YubiKey attestation states; undefined for any other token, or an attestation that cannot be read. */
async function touchOf(tokens: TokenService, keyUri: string): Promise<TouchPolicy | undefined> {
  try {
    const attestation = await tokens.attestation(keyUri);
    return attestation ? readYubiKeyFacts(parseCertificate(attestation.certificate)).touchPolicy : undefined;
  } catch {
    return undefined; // the approval reads and verifies it again, and says what is wrong there
  }
}
