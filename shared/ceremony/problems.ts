/**
 * Every reason an event of a ceremony does not count, or a ceremony cannot be
 * believed, as one closed list of codes (issue 10). The judge gives each
 * problem a code from here; the audit, bundle import, sync and the window act
 * on the code, never on the wording.
 *
 * `finding`: the files claim something that is false or was not made by the
 * rules (a forgery, a tampered file, an untrusted policy): the audit reports
 * it. `note`: a real event that simply does not count (it came too late, or
 * repeats a decision): worth showing, not a sign of tampering.
 */
export const ceremonyProblemKinds = {
  'event-unreadable': 'finding',
  'event-wrong-ceremony': 'finding',
  'event-unsigned': 'finding',
  'event-unknown-signer': 'finding',
  'event-certificate-refused': 'finding',
  'event-not-the-decider': 'finding',
  'event-signature-invalid': 'finding',
  'event-copy': 'note',
  'event-before-opening': 'finding',
  'event-contested': 'note',
  'opening-policy-invalid': 'finding',
  'opening-policy-digest': 'finding',
  'opening-opener-mismatch': 'finding',
  'opening-expiry-invalid': 'finding',
  'opening-contested': 'finding',
  'opening-proposal-invalid': 'finding',
  'policy-untrusted': 'finding',
  'freeze-statement-invalid': 'finding',
  'freeze-blocked': 'finding',
  'freeze-override-invalid': 'finding',
  'freeze-second': 'finding',
  'decision-before-freeze': 'finding',
  'decision-other-statement': 'finding',
  'decision-signature-invalid': 'finding',
  'decision-not-approver': 'finding',
  'decision-no-trusted-time': 'note',
  'decision-time-unverified': 'note',
  'decision-after-expiry': 'note',
  'decision-repeated': 'note',
  'decision-changed': 'note',
  /** Issue 13: the approver's policy entry requires an attested key and the approval carries no attestation. */
  'attestation-missing': 'note',
  /** The attestation does not prove the key was made on a device: a forged or foreign chain, another key's attestation, unreadable. */
  'attestation-invalid': 'finding',
  /** A genuine attestation of a key made with a weaker touch or PIN policy than the approver's entry requires. */
  'attestation-policy-unmet': 'note',
  /** An attestation sent where none is required that does not check out: the approval counts, without the proof. */
  'attestation-unverified': 'note',
  /** Two people's keys attest to one device: whoever holds it approved twice, so only the first approval counts. */
  'attestation-same-device': 'finding',
  /** Issue 14: a Notary Project signature in an approval over another image, statement, policy or key than the approval's. */
  'approval-notary-mismatch': 'finding',
  'withdrawal-without-approval': 'finding',
  'withdrawal-after-publication': 'finding',
  'withdrawal-too-late': 'note',
  'event-after-end': 'note',
  'publication-premature': 'finding',
  'publication-envelope-mismatch': 'finding',
  'publication-second': 'finding',
  'publication-after-expiry': 'finding',
} as const;

export type CeremonyProblemCode = keyof typeof ceremonyProblemKinds;
export const ceremonyProblemCodes = Object.keys(ceremonyProblemKinds) as CeremonyProblemCode[];

export interface CeremonyProblem {
  code: CeremonyProblemCode;
  /** The event file it is about, when it is about one. */
  source?: string;
  /** For the person at the screen: what is wrong and what it means. */
  message: string;
}

export const isFinding = (problem: CeremonyProblem): boolean => ceremonyProblemKinds[problem.code] === 'finding';

/** The problem's message without the file name it starts with, for reports that already name the file. */
export function problemReason(problem: CeremonyProblem): string {
  const { source, message } = problem;
  if (source === undefined) return message;
  if (message.startsWith(`${source}: `)) return message.slice(source.length + 2);
  if (message.startsWith(`${source} `)) return message.slice(source.length + 1);
  return message;
}
