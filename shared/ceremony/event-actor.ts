/**
 * Every event of a ceremony is signed by the person who made it (issue 5): the
 * event file's DSSE envelope carries a signature, over PAE of the event's own
 * bytes, by the key the event names as `actorKeyId`, and that key belongs to
 * someone the ceremony's policy knows (an approver or a release manager). A
 * file without one may have come from anywhere (a push to the shared
 * repository, a hand-edited bundle), so it is flagged and does not count.
 *
 * Approvals and rejections also carry their decision's own signature (over the
 * statement or the rejection document); the envelope signature adds the
 * event's time and ceremony to what the decider vouched for.
 */
import type { Envelope } from '../dsse/envelope';
import { envelopePayload } from '../dsse/envelope';
import { pae } from '../dsse/pae';
import { fromBase64 } from '../encoding/base64';
import type { SignatureVerifier } from '../keys/signature-verifier';
import type { CertificateSigner } from '../policy/certificate-signer';
import { eventSignerOf, type Policy } from '../policy/policy';
import { ceremonyEventKinds, eventPayloadType, isDecisionEvent, type CeremonyEvent } from './events';

export type EventActorProblem = 'unsigned' | 'unknown-signer' | 'certificate-refused' | 'not-the-decider' | 'signature-invalid';

export interface EventActorOptions {
  /**
   * For an approval or rejection that carries a certificate (its key is not in
   * the policy): who the certificate makes its signer, as resolveCertificateSigner
   * answered for this event at its signing time. Its key may then sign the event.
   */
  certificateSigner?: CertificateSigner;
}

export type EventActor =
  | { ok: true; id: string; as: 'approver' | 'release manager' }
  | { ok: false; problem: EventActorProblem; /** For the person at the screen, as the end of a sentence about the file. */ reason: string };

const short = (hex: string) => `${hex.slice(0, 12)}…`;

/** The certificate approver behind an approval or rejection, when its certificate checked out for this very key. */
function certificateSignerOf(event: CeremonyEvent, keyId: string, options: EventActorOptions): { id: string; spki: Uint8Array; as: 'approver' } | undefined {
  const resolved = options.certificateSigner;
  if (!isDecisionEvent(event) || !event.certificates || !resolved?.ok || resolved.keyId !== keyId || event.keyId !== keyId) return undefined;
  return { id: resolved.approverId, spki: resolved.spki, as: 'approver' };
}

export async function checkEventActor(envelope: Envelope, event: CeremonyEvent, policy: Policy, verifier: SignatureVerifier, options: EventActorOptions = {}): Promise<EventActor> {
  const keyId = event.actorKeyId;
  if (!keyId) return { ok: false, problem: 'unsigned', reason: `this ${event.type} event names no author and carries no signature, so nobody vouches for it.` };
  const signer = eventSignerOf(policy, keyId) ?? certificateSignerOf(event, keyId, options);
  if (!signer) {
    const refused = options.certificateSigner;
    if (isDecisionEvent(event) && event.certificates && refused && !refused.ok) {
      const what = ceremonyEventKinds[event.type].noun;
      return { ok: false, problem: 'certificate-refused', reason: `this ${what} is signed with key ${short(keyId)} and carries ${refused.approverId ? `${refused.approverId}'s` : 'a'} certificate, which does not count: ${refused.reason}` };
    }
    return { ok: false, problem: 'unknown-signer', reason: `this ${event.type} event is signed with key ${short(keyId)}, which the ceremony's policy does not list.` };
  }
  // A decision (approval, rejection, withdrawal) is signed by the very key that decided: nobody decides for another.
  if (isDecisionEvent(event) && event.keyId !== keyId) {
    return { ok: false, problem: 'not-the-decider', reason: `this ${ceremonyEventKinds[event.type].noun} by key ${short(event.keyId)} is signed by ${signer.id} instead.` };
  }
  const signed = pae(eventPayloadType, envelopePayload(envelope));
  for (const signature of envelope.signatures) {
    if (signature.keyid !== keyId) continue;
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(signature.sig);
    } catch {
      continue;
    }
    if (await verifier.verify(signer.spki, signed, bytes)) return { ok: true, id: signer.id, as: signer.as };
  }
  return { ok: false, problem: 'signature-invalid', reason: `the signature of ${signer.id} on this ${event.type} event is missing or does not match its content: it was changed after it was signed.` };
}
