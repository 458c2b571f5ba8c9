/**
 * The judge (issue 10): the one place that decides what a ceremony looks like
 * and which of its events count. Loading, the history index, every guard,
 * bundle import, sync arrivals, the audit, "Verify again" and publishing all
 * ask it; nothing else decides. It takes the ceremony's event files as they
 * are stored (envelopes and events, untrusted), the means to check them
 * (signatures, trusted time, certificates, CRLs) and the time, and answers the
 * state, the one statement that counts, the decisions that count, the actions
 * allowed next, and every problem with a code from problems.ts.
 *
 * The rules, each enforced here and only here:
 * - an event counts only when its author signed it with a key of the
 *   ceremony's policy (event-actor.ts); copies of an event (its payload under
 *   other names) count once, and a copy whose signature was changed takes
 *   nothing from the one whose signature holds, whichever name sorts first;
 * - the opening counts when its policy is valid and matches its digest, it
 *   names as opener the person whose key signed it, and it expires within the
 *   policy's maxOpenHours; where this machine's trusted policies are given,
 *   its policy must be one of them; two such openings contest the ceremony;
 * - the frozen statement is the one the opening determines, byte for byte
 *   (release-statement.ts), with overrides only where the policy allows them
 *   and by whoever froze; of two such freezes, the one whose statement the
 *   most approvers signed counts, the earliest on a tie (see 'which freeze
 *   counts' below);
 * - a decision counts when it is over that statement, verifies with its
 *   signer's key, and came before expiry, cancellation and publication; one
 *   key, one standing decision; a withdrawal takes an approval back;
 * - an approval by a key whose policy entry requires an attested key counts
 *   only with a valid attestation meeting its touch and PIN policy, and two
 *   people's keys attested to one device count once (issue 13);
 * - a publication counts only once the policy is met, and only for the
 *   envelope the approvals that count make.
 */
import { AttestationError } from '../attestation/errors';
import { attestationRequirementsOf, describeRequirement } from '../attestation/requirement';
import type { VerifiedAttestation } from '../attestation/verify';
import { yubicoPivAttestationRoot } from '../attestation/yubico-root';
import { bytesEqual } from '../encoding/bytes';
import { makeEnvelope, type Envelope } from '../dsse/envelope';
import { inTotoPayloadType, pae } from '../dsse/pae';
import { fromBase64 } from '../encoding/base64';
import { toHex } from '../encoding/hex';
import { CodedError } from '../errors';
import { canonicalJsonBytes } from '../json/canonical';
import type { Digester } from '../keys/public-key-info';
import type { SignatureVerifier } from '../keys/signature-verifier';
import type { CertificateSigner, CertificateSignerDependencies, SigningTimeSource } from '../policy/certificate-signer';
import { evaluatePolicy, type PolicyEvaluation } from '../policy/evaluate';
import type { Policy } from '../policy/policy';
import { evaluatePolicyChange, policyCeremonySigners, policyProposalSubjectName } from '../policy/rotation';
import { parseReleaseStatement } from '../statement/statement';
import type { TrustedTimeDependencies, verifyApprovalTime } from '../timestamp/approval-time';
import { certificateChecks } from '../verify/on-demand';
import { checkNotarySignatures, notaryExpectationOf } from '../notary/check';
import { checkEventActor, type EventActor, type EventActorProblem } from './event-actor';
import type { EventFile } from './event-file';
import { ceremonyEventKinds, decisionPayloadTypeOf, isDecisionEvent, rejectionDocument, type ApprovedEvent, type CeremonyEvent, type DecisionEvent, type FrozenEvent, type OpenedEvent } from './events';
import { publishedEnvelopeText } from './published-envelope';
import { problemReason, type CeremonyProblem, type CeremonyProblemCode } from './problems';
import { statementFromOpening } from './release-statement';
import { actionsByState, type CeremonyState, type CeremonyView } from './view';

export interface JudgeDependencies {
  signatureVerifier: SignatureVerifier;
  digester: Digester;
  /** Loads (and may cache) a policy document; throws PolicyError when it cannot be used. */
  loadPolicy(document: unknown): Promise<Policy>;
  trustedTime: TrustedTimeDependencies;
  certificates: CertificateSignerDependencies;
  /** The CRLs of the policy's certificate approvers; without it revocation is not checked. */
  revocation?(policy: Policy): Promise<{ crls: Uint8Array[]; problems: string[] }>;
}

export interface JudgeInput {
  ceremonyId: string;
  files: readonly EventFile[];
  /** Files in the ceremony's folder that could not be read as events, each with why. */
  unreadable?: readonly { source: string; code: CeremonyProblemCode; reason: string }[];
  now: Date;
  /** The policy digests this machine trusts; absent where trust is not judged (a consumer verifying with a policy of their own). */
  trustedPolicies?: ReadonlySet<string>;
  /**
   * Policies a policy ceremony replaced, by digest: when (ISO 8601). A ceremony opened under one before then is
   * still trusted (it was opened while the policy was the team's); one opened after is not.
   */
  supersededPolicies?: ReadonlyMap<string, string>;
}

export type EventVerdict = { counts: true } | { counts: false; problem: CeremonyProblem };

export interface JudgedCeremony {
  view: CeremonyView;
  policy: Policy;
  /** For a policy ceremony: the policy it proposes. */
  proposedPolicy?: Policy;
  /** Whose keys may sign this ceremony's events: its policy's people, and for a policy ceremony the proposed policy's too. */
  signers: Policy;
  opened: OpenedEvent;
  /** The file of the opening that counts. */
  openingSource: string;
  /** The statement everyone signs, when a freeze counts. */
  statement?: Uint8Array;
  frozenSource?: string;
  files: readonly EventFile[];
  /** Every file's verdict, by file name: it counts, or the problem that stops it. */
  verdicts: Map<string, EventVerdict>;
  /** The policy's count of the decisions that count. */
  evaluation: PolicyEvaluation;
  /** Keys the policy does not list whose certificate made them a certificate approver's, by keyid: the approver's id. */
  certificateSigners: Map<string, string>;
  /** Approvals with a verified RFC 3161 time stamp, by file name: the TSA's time (ISO 8601). */
  trustedTimes: Map<string, string>;
  /** Approvals without a trusted time, by file name: why. */
  timeProblems: Map<string, string>;
  /** The CRLs certificates were checked with, when any decision carries a certificate. */
  revocation?: { crls: Uint8Array[]; problems: string[] };
}

export const judgeErrorCodes = ['ceremony-no-opening', 'ceremony-no-valid-opening'] as const;
export class JudgeError extends CodedError<(typeof judgeErrorCodes)[number]> {
  override readonly name = 'JudgeError';
  /** What was wrong with each opening (and any unreadable file), by code: an import reports each file's own reason. */
  problems: CeremonyProblem[] = [];
}

const short = (hex: string) => `${hex.slice(0, 12)}…`;
const actorCodes: Record<EventActorProblem, CeremonyProblemCode> = {
  unsigned: 'event-unsigned',
  'unknown-signer': 'event-unknown-signer',
  'certificate-refused': 'event-certificate-refused',
  'not-the-decider': 'event-not-the-decider',
  'signature-invalid': 'event-signature-invalid',
};

/**
 * One order for every reader: the instant (not the text: "…00Z" is before "…00.123Z", and offsets are allowed),
 * then kind, then file name.
 */
export function compareEventFiles(a: EventFile, b: EventFile): number {
  return Date.parse(a.event.at) - Date.parse(b.event.at) || ceremonyEventKinds[a.event.type].order - ceremonyEventKinds[b.event.type].order || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);
}


/**
 * Files that carry one event (the same payload) under several names: which of them stands for it. The first in the
 * order does, unless its own signature is broken and another's verifies: then that one, found by one pass (`found`)
 * and preferred by the next (`preferred`). Otherwise anyone with push access could take an approval, a
 * freeze or even the opening out of a ceremony by adding a copy of it, with its signature changed, under a name that
 * sorts first.
 */
interface Twins {
  preferred: ReadonlySet<string>;
  found: Set<string>;
}

export async function judgeCeremony(input: JudgeInput, dependencies: JudgeDependencies): Promise<JudgedCeremony> {
  // Each pass prefers every twin the last one found; one usually finds none. A broken opening hides the broken
  // events after it (nothing past the opening is judged without one), so the pass that mends it finds those.
  let preferred: ReadonlySet<string> = new Set();
  for (;;) {
    const twins: Twins = { preferred, found: new Set() };
    let judged: JudgedCeremony | undefined;
    let failure: unknown;
    try {
      judged = await judgeOnce(input, dependencies, new Set(), undefined, twins);
    } catch (error) {
      failure = error;
    }
    const more = [...twins.found].filter((source) => !preferred.has(source));
    if (more.length === 0) {
      if (judged) return judged;
      throw failure;
    }
    preferred = new Set([...preferred, ...more]);
  }
}

/**
 * `tooLate`: withdrawals that came too late to stop a publication that names
 * the approvals they withdraw (found by a first pass, see 'published' below).
 * `chosenFreeze`: the file of the one valid freeze that may count (see 'which
 * freeze counts' below); absent, it is chosen here.
 */
async function judgeOnce(input: JudgeInput, dependencies: JudgeDependencies, tooLate: ReadonlySet<string>, chosenFreeze: string | undefined, twins: Twins): Promise<JudgedCeremony> {
  const problems: CeremonyProblem[] = [];
  const verdicts = new Map<string, EventVerdict>();
  const refuse = (source: string | undefined, code: CeremonyProblemCode, message: string) => {
    const problem: CeremonyProblem = { code, ...(source !== undefined ? { source } : {}), message };
    problems.push(problem);
    if (source !== undefined) verdicts.set(source, { counts: false, problem });
  };
  for (const file of input.unreadable ?? []) refuse(file.source, file.code, `${file.source}: ${file.reason} It is ignored.`);

  // A copy of an event under another name (the same payload) is the same event: it counts once (copying a file must not
  // contest or repeat anything). Which file stands for it: see Twins.
  const samePayload = new Map<string, EventFile[]>();
  for (const file of [...input.files].sort(compareEventFiles)) {
    if (file.event.ceremonyId !== input.ceremonyId) {
      refuse(file.source, 'event-wrong-ceremony', `${file.source} belongs to ceremony ${file.event.ceremonyId}, not this one; it does not count.`);
      continue;
    }
    const group = samePayload.get(file.envelope.payload);
    if (group) group.push(file);
    else samePayload.set(file.envelope.payload, [file]);
  }
  const files: EventFile[] = [];
  const copies: { file: EventFile; of: EventFile }[] = [];
  /** The other files of each event that has several, by the file that stands for it. */
  const twinsOf = new Map<string, EventFile[]>();
  for (const group of samePayload.values()) {
    const standing = group.find((file) => twins.preferred.has(file.source)) ?? group[0]!;
    files.push(standing);
    const others = group.filter((file) => file !== standing);
    if (others.length > 0) twinsOf.set(standing.source, others);
    for (const other of others) copies.push({ file: other, of: standing });
  }
  files.sort(compareEventFiles);
  /** `file`'s own signature is broken: notes the first of its twins whose signature `check` finds valid, for the next pass. */
  const findSignedTwin = async (file: EventFile, check: (envelope: Envelope) => Promise<EventActor>) => {
    for (const twin of twinsOf.get(file.source) ?? []) {
      if (sameSignatures(twin.envelope, file.envelope)) continue;
      if ((await check(twin.envelope)).ok) {
        twins.found.add(twin.source);
        return;
      }
    }
  };

  // ---- the opening -----------------------------------------------------------
  const openings = files.filter((file) => file.event.type === 'opened');
  if (openings.length === 0) {
    const error = new JudgeError('ceremony-no-opening', `Ceremony ${input.ceremonyId} has no opening event in the store, so it cannot be shown. Sync again or ask whoever opened it.`);
    error.problems = problems;
    throw error;
  }
  const valid: { file: EventFile; policy: Policy; trusted: boolean; proposed?: Policy }[] = [];
  for (const file of openings) {
    const opened = file.event as OpenedEvent;
    let policy: Policy;
    try {
      policy = await dependencies.loadPolicy(opened.policy);
    } catch (error) {
      refuse(file.source, 'opening-policy-invalid', `${file.source}: the policy in this opening cannot be used (${error instanceof Error ? error.message : String(error)}); the opening does not count.`);
      continue;
    }
    if (policy.digest !== opened.policyDigest) {
      refuse(file.source, 'opening-policy-digest', `${file.source}: the policy in this opening does not match the digest it records (${short(opened.policyDigest)}); the opening does not count.`);
      continue;
    }
    const actorOf = (envelope: Envelope) => checkEventActor(envelope, opened, policy, dependencies.signatureVerifier);
    const actor = await actorOf(file.envelope);
    if (!actor.ok) {
      if (actor.problem === 'signature-invalid') await findSignedTwin(file, actorOf);
      refuse(file.source, actorCodes[actor.problem], `${file.source}: ${actor.reason} The opening does not count.`);
      continue;
    }
    if (opened.openedBy !== actor.id) {
      refuse(
        file.source,
        'opening-opener-mismatch',
        `${file.source}: this opening names ${opened.openedBy === undefined ? 'no opener' : `"${opened.openedBy}"`} as its opener but is signed by ${actor.id}; an opener is whoever signs the opening, so it does not count.`,
      );
      continue;
    }
    const openedAt = Date.parse(opened.at);
    const latest = openedAt + policy.ceremony.maxOpenHours * 3600_000;
    const expiresAt = Date.parse(opened.expiresAt);
    if (!(expiresAt > openedAt && expiresAt <= latest)) {
      refuse(
        file.source,
        'opening-expiry-invalid',
        `${file.source}: this opening expires at ${opened.expiresAt}, but the policy keeps a ceremony open at most ${policy.ceremony.maxOpenHours} hours (until ${new Date(latest).toISOString()}); the opening does not count.`,
      );
      continue;
    }
    let proposed: Policy | undefined;
    if (opened.proposedPolicy !== undefined) {
      const proposal = await proposedPolicyOf(opened, dependencies);
      if ('problem' in proposal) {
        refuse(file.source, 'opening-proposal-invalid', `${file.source}: ${proposal.problem} The opening does not count.`);
        continue;
      }
      proposed = proposal.policy;
    }
    const supersededAt = input.supersededPolicies?.get(policy.digest);
    const trusted = input.trustedPolicies === undefined || input.trustedPolicies.has(policy.digest) || (supersededAt !== undefined && Date.parse(opened.at) < Date.parse(supersededAt));
    valid.push({ file, policy, trusted, ...(proposed ? { proposed } : {}) });
  }
  // An opening under a policy this machine does not trust cannot contest one under a policy it does.
  const candidates = valid.some((entry) => entry.trusted) ? valid.filter((entry) => entry.trusted) : valid;
  for (const entry of valid) {
    if (!candidates.includes(entry)) {
      refuse(entry.file.source, 'policy-untrusted', `${entry.file.source}: this opening is under a policy this machine does not trust (sha256:${short(entry.policy.digest)}); it does not count.`);
    }
  }
  const counting = candidates[0];
  if (!counting) {
    const error = new JudgeError(
      'ceremony-no-valid-opening',
      `Ceremony ${input.ceremonyId} has no opening signed by the person it names under a policy that can be used, so nothing in it can be believed: ${problems.map((problem) => problem.message).join(' ')} Ask whoever opened it to open a new ceremony with their key.`,
    );
    error.problems = problems;
    throw error;
  }
  const contested = candidates.length > 1;
  for (const entry of candidates.slice(1)) {
    refuse(
      entry.file.source,
      'opening-contested',
      `${entry.file.source} opens this ceremony a second time, signed by ${(entry.file.event as OpenedEvent).openedBy}${entry.policy.digest === counting.policy.digest ? '' : ' under another policy'}: two openings claim the ceremony, so nothing in it counts. Cancel it and open a new ceremony.`,
    );
  }
  const opened = counting.file.event as OpenedEvent;
  const { policy, proposed } = counting;
  // Who may sign this ceremony's events: its policy's people, and for a policy ceremony the proposed policy's too.
  const signers = proposed ? policyCeremonySigners(policy, proposed) : policy;
  verdicts.set(counting.file.source, { counts: true });
  if (!counting.trusted) {
    problems.push({
      code: 'policy-untrusted',
      source: counting.file.source,
      message: `This ceremony is under a policy this machine does not trust (sha256:${short(policy.digest)}): it takes no decisions and cannot be published here. If it is your team's policy, trust it in Settings or with "conclave policy trust FILE" after checking its digest.`,
    });
  }

  // ---- who signed each event ---------------------------------------------------
  const now = input.now;
  const certificate = await certificateDecisions(files, signers, now, dependencies);
  /** Who signed `envelope` as the author of `file`'s event (`file` or a twin of it), by the policy's rules. */
  const signedBy = (envelope: Envelope, file: EventFile): Promise<EventActor> => {
    if (file.event.type === 'opened') return checkEventActor(envelope, file.event, policy, dependencies.signatureVerifier);
    const resolved = certificate.signers.get(file.source);
    return checkEventActor(envelope, file.event, signers, dependencies.signatureVerifier, resolved ? { certificateSigner: resolved } : {});
  };
  const vouched: EventFile[] = [];
  for (const file of files) {
    if (file.event.type === 'opened') continue;
    const actorOf = (envelope: Envelope) => signedBy(envelope, file);
    const actor = await actorOf(file.envelope);
    if (actor.ok) {
      vouched.push(file);
      continue;
    }
    if (actor.problem === 'signature-invalid') await findSignedTwin(file, actorOf);
    refuse(file.source, actorCodes[actor.problem], `${file.source}: ${actor.reason} It does not count.`);
  }
  const certificateSigners = new Map<string, string>();
  for (const [source, resolved] of certificate.signers) if (resolved.ok && !verdicts.has(source)) certificateSigners.set(resolved.keyId, resolved.approverId);
  const actorIdOf = (keyId: string | undefined): string | undefined =>
    keyId === undefined ? undefined : (signers.keys.find((key) => key.keyId === keyId) ?? signers.releaseManagerKeys.find((key) => key.keyId === keyId))?.approverId ?? certificateSigners.get(keyId);

  // ---- the statement -----------------------------------------------------------
  const freezes: { file: EventFile; statement: Uint8Array }[] = [];
  for (const file of vouched) {
    if (file.event.type !== 'frozen') continue;
    const problem = await frozenProblem(file.event, opened, policy, actorIdOf(file.event.actorKeyId), dependencies.digester);
    if (problem) refuse(file.source, problem.code, `${file.source}: ${problem.message} It does not count.`);
    else freezes.push({ file, statement: fromBase64(file.event.statement) });
  }

  // ---- which freeze counts -----------------------------------------------------
  // Of two valid freezes (two machines froze at once, or one was written by hand), the one that counts is the one the
  // most approvers stand behind, whenever it arrives: each statement is judged on its own, as if its freeze were the
  // only one, and the one with the most approvals the policy counts wins; on a tie, the one with the most by people
  // other than whoever froze it; then the earliest instant (Date.parse, not the text); then the file name. A key that
  // freezes a statement of its own (backdated, say) adds at most its own approval to it, which breaks no tie, so it never
  // wins over a statement approved by someone who did not freeze that one; with no approvals, the earliest freeze counts.
  // Approvals of the other statements stay in the store and are reported as over another statement.
  if (chosenFreeze === undefined && freezes.length > 1) {
    let best: { judged: JudgedCeremony; rank: number } | undefined;
    // `freezes` is in the order (earliest first), so on an equal rank the earlier one stays.
    for (const freeze of freezes) {
      const judged = await judgeOnce(input, dependencies, tooLate, freeze.file.source, twins);
      const frozenBy = actorIdOf(freeze.file.event.actorKeyId);
      const approvers = judged.evaluation.counted;
      // Most approvals first, then most by others: twice the others plus the freezer's own orders both ways at once. A freeze
      // that does not count even alone (dated after a cancellation, in a contested ceremony) ranks below all.
      const rank = judged.frozenSource !== freeze.file.source ? -1 : 2 * approvers.filter((id) => id !== frozenBy).length + (approvers.some((id) => id === frozenBy) ? 1 : 0);
      if (!best || rank > best.rank) best = { judged, rank };
    }
    return best!.judged;
  }
  const chosen = chosenFreeze === undefined ? freezes[0] : freezes.find((freeze) => freeze.file.source === chosenFreeze);

  // ---- decisions, in one order -------------------------------------------------
  const view: CeremonyView = {
    id: opened.ceremonyId,
    state: 'open',
    actions: [],
    ...(input.trustedPolicies !== undefined ? { policyTrusted: counting.trusted } : {}),
    release: opened.release,
    openedAt: opened.at,
    expiresAt: opened.expiresAt,
    ...(opened.openedBy ? { openedBy: opened.openedBy } : {}),
    policyDigest: opened.policyDigest,
    artifacts: opened.artifacts,
    findings: opened.findings,
    approvals: [],
    rejections: [],
    problems,
  };
  const expiresAt = Date.parse(opened.expiresAt);
  const openerId = signers.people.find((person) => person.id === opened.openedBy)?.id;
  // A policy ceremony counts under both policies (rotation.ts); any other ceremony under its own.
  const count = (approvals: readonly string[], rejections: readonly string[]): PolicyEvaluation => {
    const decisions = { approvals, rejections, certificateSigners, ...(openerId ? { openerId } : {}) };
    return proposed ? evaluatePolicyChange(policy, proposed, decisions) : evaluatePolicy(policy, decisions);
  };
  const evaluate = () =>
    count(
      view.approvals.map((approval) => approval.keyId),
      view.rejections.map((rejection) => rejection.keyId),
    );
  let counted: { file: EventFile; statement: Uint8Array } | undefined;
  const trustedTimes = new Map<string, string>();
  const timeProblems = new Map<string, string>();
  const decided = new Map<string, DecisionEvent>();
  /** The withdrawal that took each key's approval back, by keyid. */
  const withdrawnBy = new Map<string, string>();
  /** Withdrawals that would unmake a publication naming their approval: they came too late, and a second pass says so. */
  const unmaking = new Set<string>();
  const keyOf = (keyId: string) => signers.keys.find((key) => key.keyId === keyId)?.spki ?? certificate.keyOf(keyId);
  /** Verified attestations of the approvals that count, by keyid. */
  const attestedBy = new Map<string, VerifiedAttestation>();

  /**
   * Issue 13: what the policy entries of an approval's key ask of its attestation (both policies' in a policy
   * ceremony: where either requires an attested key, the approval counts only with one), and whether it meets
   * them. An attestation sent where none is required is checked too: shown when it holds, noted when not.
   */
  const attestationHolds = async (event: ApprovedEvent, source: string, by: string, spki: Uint8Array): Promise<boolean> => {
    const certificateApprover = certificateSigners.get(event.keyId);
    const requirements = attestationRequirementsOf([policy, ...(proposed ? [proposed] : [])], { keyId: event.keyId, certificateApprover });
    const required = requirements.filter((requirement) => requirement.required);
    const whose = `${by}'s key`;
    if (!event.attestation) {
      if (required.length === 0) return true;
      refuse(
        source,
        'attestation-missing',
        `${source}: the approval by ${by} carries no attestation of their key, and the policy counts ${by}'s approvals only with a ${describeRequirement(required[0]!)}; it does not count. Approve again with the key on the YubiKey, so that its attestation goes with the approval.`,
      );
      return false;
    }
    const checking = { algorithmVerifier: dependencies.certificates.algorithmVerifier, digester: dependencies.digester };
    let attested: VerifiedAttestation;
    try {
      let input;
      try {
        input = { certificate: fromBase64(event.attestation.certificate), intermediate: fromBase64(event.attestation.intermediate), publicKeyInfo: spki, whose };
      } catch {
        throw new AttestationError('attestation-malformed', `The attestation of ${whose} is not valid base64.`);
      }
      // Every requirement that applies must hold (their roots may differ); with none required, the entry's roots or Yubico's.
      const [first, ...others] = required;
      const { checkYubiKeyAttestation, verifyYubiKeyAttestation } = await certificateChecks();
      attested = first ? await checkYubiKeyAttestation(input, first, checking) : await verifyYubiKeyAttestation(input, requirements[0] ?? { roots: [yubicoPivAttestationRoot()], ownRoots: false }, checking);
      for (const requirement of others) await checkYubiKeyAttestation(input, requirement, checking);
    } catch (error) {
      if (!(error instanceof AttestationError)) throw error;
      const reason = error.message;
      if (required.length === 0) {
        problems.push({ code: 'attestation-unverified', source, message: `${source}: ${reason} The approval counts (the policy does not require an attested key for ${by}), without that proof.` });
        return true;
      }
      const unmet = error.code === 'attestation-policy-unmet';
      refuse(source, unmet ? 'attestation-policy-unmet' : 'attestation-invalid', `${source}: ${reason} The approval by ${by} does not count.`);
      return false;
    }
    // One device, one approval: two people whose keys live on one YubiKey are whoever holds it (CONVENTIONS.md: count distinct people).
    const sameDevice = view.approvals.find((approval) => attestedBy.get(approval.keyId)?.serial === attested.serial && actorIdOf(approval.keyId) !== actorIdOf(event.keyId));
    if (sameDevice) {
      const other = actorIdOf(sameDevice.keyId) ?? `key ${short(sameDevice.keyId)}`;
      refuse(
        source,
        'attestation-same-device',
        `${source}: ${by}'s key was made on ${attested.model} serial ${attested.serial}, the device ${other}'s key that already approved lives on: whoever holds it would approve twice, so the approval by ${by} does not count. Each approver needs a key on a device of their own.`,
      );
      return false;
    }
    attestedBy.set(event.keyId, attested);
    return true;
  };

  /**
   * One decision, once the statement that counts is known. A decision dated
   * before the freeze (an approver's clock behind, an air-gapped laptop) is
   * held until the freeze and judged right after it: it signs the frozen
   * statement, so it cannot have been made before it.
   */
  const decide = async (file: EventFile & { event: DecisionEvent }): Promise<void> => {
    const { event, source } = file;
    const what = ceremonyEventKinds[event.type].noun;
    const by = actorIdOf(event.keyId) ?? `key ${short(event.keyId)}`;
    if (!counted || !view.frozen) {
      refuse(source, 'decision-before-freeze', `${source}: ${a(what)} made before the statement was frozen does not count.`);
      return;
    }
    if (event.statementDigest !== view.frozen.statementDigest) {
      refuse(source, 'decision-other-statement', `${source}: ${a(what)} by ${by} of another statement (${short(event.statementDigest)}) does not count.`);
      return;
    }
    const spki = keyOf(event.keyId);
    if (spki === undefined && signers.releaseManagerKeys.some((key) => key.keyId === event.keyId)) {
      refuse(source, 'decision-not-approver', `${source}: ${by} is a release manager in this policy, not an approver; their ${what} does not count.`);
      return;
    }
    const signed = event.type === 'approved' ? pae(view.frozen.payloadType, counted.statement) : pae(decisionPayloadTypeOf(event.type, view.frozen.payloadType), canonicalJsonBytes(rejectionDocument(event)));
    let signature: Uint8Array | undefined;
    try {
      signature = fromBase64(event.signature);
    } catch {
      signature = undefined;
    }
    if (spki === undefined || signature === undefined || !(await dependencies.signatureVerifier.verify(spki, signed, signature))) {
      refuse(source, 'decision-signature-invalid', `${source}: the ${what} by ${by} has no valid signature of their key over this ceremony's ${event.type === 'approved' ? 'statement' : what}; it does not count.`);
      return;
    }
    // Issue 14: a Notary signature rides with the approval to the registry; one over anything else would let notation admit what nobody approved.
    if (event.type === 'approved' && event.notarySignatures !== undefined) {
      const notary = await checkNotarySignatures(event.notarySignatures, notaryExpectationOf(opened, event, spki), dependencies.signatureVerifier);
      if (!notary.ok) {
        refuse(source, 'approval-notary-mismatch', `${source}: the approval by ${by} carries a Notary Project signature that is not the one approving makes (${notary.reason}); it does not count.`);
        return;
      }
    }
    let decidedAt = event.at;
    if (event.type === 'approved') {
      const time = event.timestamp === undefined ? { ok: false as const, reason: event.noTrustedTime ?? 'no time stamp' } : (certificate.times.get(source) ?? (await (await certificateChecks()).verifyApprovalTime(event.timestamp, signature, policy, dependencies.trustedTime)));
      if (time.ok) {
        trustedTimes.set(source, time.genTime.toISOString());
        decidedAt = time.genTime.toISOString();
      } else {
        timeProblems.set(source, time.reason);
        if (policy.timestamping?.required) {
          refuse(source, 'decision-no-trusted-time', `${source}: the approval by ${by} has no trusted time (${time.reason}), and the policy requires one; it does not count.`);
          return;
        }
      }
    }
    if (Date.parse(decidedAt) > expiresAt) {
      refuse(source, 'decision-after-expiry', `${source}: the ${what} by ${by} came after the ceremony expired; it does not count.`);
      return;
    }
    const standing = decided.get(event.keyId);
    if (event.type === 'withdrawn') {
      if (standing?.type !== 'approved') {
        refuse(source, 'withdrawal-without-approval', `${source}: ${by} withdrew an approval they had not given; it does not count.`);
        return;
      }
      decided.delete(event.keyId);
      withdrawnBy.set(event.keyId, source);
      view.approvals = view.approvals.filter((approval) => approval !== standing);
      trustedTimes.delete(sourceOf(files, standing));
      verdicts.set(source, { counts: true });
      return;
    }
    if (standing) {
      // One key, one standing decision: a second approval adds nothing, and a change of mind is not silently accepted.
      // The same decision again (an approval made on two machines, a retried command) is not news: it counts once, quietly.
      if (standing.type === event.type) verdicts.set(source, { counts: false, problem: { code: 'decision-repeated', source, message: `${source}: ${by} already ${ceremonyEventKinds[standing.type].past}; it counts once.` } });
      else refuse(source, 'decision-changed', `${source}: ${by} already ${ceremonyEventKinds[standing.type].past}; their first decision counts${standing.type === 'approved' ? ' (withdraw it first to change it)' : ''}.`);
      return;
    }
    if (event.type === 'approved' && !(await attestationHolds(event, source, by, spki))) return;
    if (event.type === 'approved' && event.timestamp !== undefined && !trustedTimes.has(source)) {
      problems.push({ code: 'decision-time-unverified', source, message: `${source}: the approval by ${by} carries a time stamp that does not check out (${timeProblems.get(source) ?? 'unknown reason'}); it counts, without trusted time.` });
    }
    decided.set(event.keyId, event);
    if (event.type === 'approved') view.approvals.push(event);
    else view.rejections.push(event);
    verdicts.set(source, { counts: true });
    return;
  };
  const heldForFreeze: (EventFile & { event: DecisionEvent })[] = [];

  for (const source of tooLate) {
    refuse(source, 'withdrawal-too-late', `${source}: this withdrawal reached the ceremony after a publication that carries the approval it withdraws; the published release stands and the withdrawal does not count.`);
  }
  for (const file of vouched) {
    const { event, source } = file;
    if (verdicts.has(source)) continue;
    if (view.published || view.cancelled) {
      if (event.type === 'published' && view.published) refuse(source, 'publication-second', `${source} publishes the ceremony a second time; the first publication counts.`);
      else if (event.type === 'withdrawn' && view.published) refuse(source, 'withdrawal-after-publication', `${source}: a withdrawal made after the ceremony was published does not count; the published release stands.`);
      else refuse(source, 'event-after-end', `${source} (${ceremonyEventKinds[event.type].noun}) came after the ceremony was ${view.published ? 'published' : 'cancelled'}; it does not count.`);
      continue;
    }
    if (contested && event.type !== 'cancelled') {
      refuse(source, 'event-contested', `${source} (${ceremonyEventKinds[event.type].noun}) belongs to a ceremony two openings claim; only a cancellation counts in it.`);
      continue;
    }
    if (!ceremonyEventKinds[event.type].decision && event.type !== 'opened' && Date.parse(event.at) < Date.parse(opened.at)) {
      refuse(source, 'event-before-opening', `${source} (${ceremonyEventKinds[event.type].noun}) is dated before the ceremony was opened; it does not count.`);
      continue;
    }
    switch (event.type) {
      case 'opened':
        break;
      case 'frozen': {
        const freeze = freezes.find((candidate) => candidate.file === file);
        if (!freeze) break;
        if (freeze !== chosen) {
          const digest = chosen?.file.event.type === 'frozen' ? chosen.file.event.statementDigest : '';
          refuse(
            source,
            'freeze-second',
            `${source} freezes the ceremony a second time (by ${actorIdOf(event.actorKeyId) ?? 'someone'}); the frozen statement that counts is ${short(digest)}, the one the most approvers signed (the earliest, on a tie).`,
          );
          break;
        }
        counted = freeze;
        view.frozen = { at: event.at, payloadType: event.payloadType, statement: event.statement, statementDigest: event.statementDigest, overrides: event.overrides };
        verdicts.set(source, { counts: true });
        for (const held of heldForFreeze.splice(0)) await decide(held);
        break;
      }
      case 'approved':
      case 'rejected':
      case 'withdrawn':
        if (!counted) heldForFreeze.push(file as EventFile & { event: DecisionEvent });
        else await decide(file as EventFile & { event: DecisionEvent });
        break;
      case 'cancelled':
        view.cancelled = { at: event.at, ...(event.reason ? { reason: event.reason } : {}) };
        verdicts.set(source, { counts: true });
        break;
      case 'published': {
        // The approvals the envelope carries: the ones the publication names, else (older files) every approval that counts so far.
        const named = event.signedBy?.map((keyId) => decided.get(keyId));
        const included = named ? named.filter((decision): decision is ApprovedEvent => decision?.type === 'approved') : view.approvals;
        const evaluation = count(
          included.map((approval) => approval.keyId),
          view.rejections.map((rejection) => rejection.keyId),
        );
        if (Date.parse(event.at) > expiresAt) {
          refuse(source, 'publication-after-expiry', `${source} publishes the ceremony after it expired (${opened.expiresAt}); approvals cannot be published after the deadline, so the publication does not count. Open a new ceremony.`);
          break;
        }
        if (counted && named !== undefined && included.length !== named.length) {
          // A withdrawal dated before the publication but unknown to the publisher (another machine, or backdated) must
          // not unmake a release that is already out: when withdrawals alone explain the gap, they came too late.
          const gone = event.signedBy!.filter((keyId) => decided.get(keyId)?.type !== 'approved');
          if (tooLate.size === 0 && gone.every((keyId) => withdrawnBy.has(keyId))) for (const keyId of gone) unmaking.add(withdrawnBy.get(keyId)!);
          refuse(
            source,
            'publication-envelope-mismatch',
            `${source} names approvals (${named.length}) of which only ${included.length} count now: an approval was added, removed or changed after publishing. The publication does not count.`,
          );
          break;
        }
        if (!counted || !view.frozen || !evaluation.satisfied) {
          refuse(source, 'publication-premature', `${source} says the ceremony was published, but the policy was not met then (${counted ? evaluation.stillNeeded || evaluation.impossibleReason : 'nothing was frozen'}); the publication does not count.`);
          break;
        }
        const envelope = makeEnvelope(
          view.frozen.payloadType,
          counted.statement,
          included.map((approval) => ({ keyid: approval.keyId, signature: fromBase64(approval.signature) })),
        );
        const digest = toHex(await dependencies.digester.digest('SHA-256', new TextEncoder().encode(publishedEnvelopeText(envelope))));
        if (digest !== event.envelopeDigest) {
          refuse(
            source,
            'publication-envelope-mismatch',
            `${source} names an envelope (sha256:${short(event.envelopeDigest)}) that the approvals that count do not make (sha256:${short(digest)}, approved by ${evaluation.counted.join(', ') || 'nobody'}): an approval was added, removed or changed after publishing. The publication does not count.`,
          );
          break;
        }
        view.published = { at: event.at, envelopeDigest: event.envelopeDigest, approvers: evaluation.counted, signedBy: included.map((approval) => approval.keyId) };
        verdicts.set(source, { counts: true });
        break;
      }
      default:
        exhaustive(event);
    }
  }

  if (unmaking.size > 0) {
    const again = await judgeOnce(input, dependencies, unmaking, chosenFreeze, twins);
    // Withdrawals are too late only for a publication that stands once they are set aside; one that does not count
    // then either (premature, say) stopped nothing, and the withdrawals count as they came.
    if (again.view.published) return again;
  }
  for (const held of heldForFreeze) {
    refuse(held.source, 'decision-before-freeze', `${held.source}: ${a(ceremonyEventKinds[held.event.type].noun)} made when no statement had been frozen does not count.`);
  }

  const evaluation = evaluate();
  const attested = view.approvals.filter((approval) => attestedBy.has(approval.keyId));
  if (attested.length > 0) {
    view.attested = Object.fromEntries(
      attested.map((approval) => {
        const facts = attestedBy.get(approval.keyId)!;
        const { major, minor, patch } = facts.firmware;
        return [approval.keyId, { serial: facts.serial, model: facts.model, firmware: `${major}.${minor}.${patch}`, touchPolicy: facts.touchPolicy, pinPolicy: facts.pinPolicy, description: facts.description }];
      }),
    );
  }
  if (view.frozen) view.tally = proposed ? policyChangeWords(policy, proposed, evaluation) : tallyWords(policy, evaluation);
  const pastExpiry = now.getTime() > expiresAt;
  view.state = contested && !view.cancelled ? 'contested' : stateOf(view, evaluation, pastExpiry);
  // Past the deadline nothing but a cancellation can count, whatever the state says.
  view.actions = counting.trusted ? actionsByState[view.state].filter((action) => !pastExpiry || action === 'cancel') : [];
  for (const file of files) if (!verdicts.has(file.source)) verdicts.set(file.source, { counts: true });
  // A copy is judged as its original: a copy of a forgery is a forgery, a copy of a counting event merely counts once,
  // unless its own signature is broken (whatever its name, a file whose signature was changed is reported as such).
  for (const { file: copy, of: original } of copies) {
    const verdict = verdicts.get(original.source);
    if (verdict && !verdict.counts) {
      refuse(copy.source, verdict.problem.code, `${copy.source} is a copy of ${original.source}, which does not count: ${problemReason(verdict.problem)}`);
      continue;
    }
    const own = sameSignatures(copy.envelope, original.envelope) ? undefined : await signedBy(copy.envelope, original);
    if (own && !own.ok) refuse(copy.source, actorCodes[own.problem], `${copy.source}: ${own.reason} It carries the same event as ${original.source}, which counts; this file does not.`);
    else refuse(copy.source, 'event-copy', `${copy.source} is a copy of ${original.source}; it counts once.`);
  }
  return {
    view,
    policy,
    ...(proposed ? { proposedPolicy: proposed } : {}),
    signers,
    opened,
    openingSource: counting.file.source,
    ...(counted ? { statement: counted.statement, frozenSource: counted.file.source } : {}),
    files: input.files,
    verdicts,
    evaluation,
    certificateSigners,
    trustedTimes,
    timeProblems,
    ...(certificate.revocation ? { revocation: certificate.revocation } : {}),
  };
}

/** Whether two envelopes carry the same signatures, in the same order: copies of one file, as a person copies it. */
function sameSignatures(a: Envelope, b: Envelope): boolean {
  return a.signatures.length === b.signatures.length && a.signatures.every((signature, index) => signature.keyid === b.signatures[index]!.keyid && signature.sig === b.signatures[index]!.sig);
}

function exhaustive(value: never): never {
  throw new Error(`Unhandled ceremony event ${JSON.stringify(value)}`);
}

const a = (noun: string) => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
const sourceOf = (files: EventFile[], event: CeremonyEvent) => files.find((file) => file.event === event)?.source ?? '';

function stateOf(view: CeremonyView, evaluation: PolicyEvaluation, pastExpiry: boolean): CeremonyState {
  if (view.published) return 'published';
  if (view.cancelled) return 'cancelled';
  if (view.frozen && evaluation.impossible) return 'rejected';
  // An approval that was never published by the deadline cannot be published after it (verify's 'expired').
  if (pastExpiry) return 'expired';
  if (view.frozen && evaluation.satisfied) return 'approved';
  return view.frozen ? 'frozen' : 'open';
}

/** "1 of 2 approvals; security still needed": the count, then only what the count does not say. */
export function tallyWords(policy: Policy, evaluation: PolicyEvaluation): string {
  if (evaluation.satisfied) return `${evaluation.counted.length} of ${policy.threshold} approvals: ${evaluation.counted.join(', ')}`;
  if (evaluation.impossible) return evaluation.impossibleReason;
  const rolesNeeded = Object.entries(evaluation.missing.roles)
    .filter(([, count]) => count > 0)
    .map(([role, count]) => (count === 1 ? `${role} still needed` : `${count} more ${role} needed`));
  return [`${evaluation.counted.length} of ${policy.threshold} approvals`, ...rolesNeeded].join('; ');
}

/** "current policy 2 of 2 …; new policy 1 of 3": both counts of a policy ceremony. */
function policyChangeWords(current: Policy, proposed: Policy, evaluation: PolicyEvaluation): string {
  const both = evaluation as ReturnType<typeof evaluatePolicyChange>;
  if (!both.current || !both.proposed) return tallyWords(current, evaluation);
  return `current policy: ${tallyWords(current, both.current)}; new policy: ${tallyWords(proposed, both.proposed)}`;
}

/**
 * The policy a policy ceremony proposes: valid (a policy that can never be
 * met is refused here too), and the ceremony's one subject, by its digest.
 */
async function proposedPolicyOf(opened: OpenedEvent, dependencies: JudgeDependencies): Promise<{ policy: Policy } | { problem: string }> {
  let proposed: Policy;
  try {
    proposed = await dependencies.loadPolicy(opened.proposedPolicy);
  } catch (error) {
    return { problem: `the policy this ceremony proposes cannot be used (${error instanceof Error ? error.message : String(error)}).` };
  }
  const [subject, ...others] = opened.artifacts;
  if (others.length > 0 || subject?.name !== policyProposalSubjectName || subject.digest.sha256 !== proposed.digest || subject.reference !== undefined) {
    return { problem: `a policy ceremony has exactly one subject, "${policyProposalSubjectName}" with the proposed policy's digest (sha256:${short(proposed.digest)}); this one names something else.` };
  }
  return { policy: proposed };
}

/**
 * Why a frozen event is not the freeze its opening determines: its statement
 * must be the opening's, rebuilt byte for byte with the freeze's own time and
 * overrides, and overrides need a policy that allows them, cover exactly the
 * failed findings and name whoever froze.
 */
async function frozenProblem(event: FrozenEvent, opened: OpenedEvent, policy: Policy, frozenBy: string | undefined, digester: Digester): Promise<{ code: CeremonyProblemCode; message: string } | undefined> {
  const invalid = (message: string) => ({ code: 'freeze-statement-invalid' as const, message });
  if (event.payloadType !== inTotoPayloadType) return invalid(`its statement has payload type "${event.payloadType}", not an in-toto statement.`);
  let statement: Uint8Array;
  try {
    statement = fromBase64(event.statement);
  } catch {
    return invalid('its statement is not valid base64.');
  }
  if (toHex(await digester.digest('SHA-256', statement)) !== event.statementDigest) return invalid(`its statement does not match the digest recorded with it (${short(event.statementDigest)}).`);
  const failing = opened.findings.filter((finding) => finding.status === 'fail').map((finding) => finding.id);
  const overridden = new Set(event.overrides.map((override) => override.findingId));
  if (event.overrides.length > 0 && !policy.evidence.allowOverride) return { code: 'freeze-override-invalid', message: 'it overrides failed findings, but the policy does not allow overriding.' };
  if (event.overrides.some((override) => !failing.includes(override.findingId)) || overridden.size !== event.overrides.length) {
    return { code: 'freeze-override-invalid', message: 'it overrides findings that did not fail, or one twice.' };
  }
  if (event.overrides.some((override) => override.by !== frozenBy)) return { code: 'freeze-override-invalid', message: `its overrides name someone other than ${frozenBy ?? 'whoever signed it'}, who froze it.` };
  const missing = failing.filter((id) => !overridden.has(id));
  if (missing.length > 0) return { code: 'freeze-blocked', message: `${missing.length} failed finding${missing.length === 1 ? '' : 's'} (${missing.join(', ')}) ${missing.length === 1 ? 'was' : 'were'} neither fixed nor overridden, so nothing could be frozen.` };
  let expected: Uint8Array;
  try {
    expected = statementFromOpening(opened, policy, event.overrides, event.at);
  } catch (error) {
    return invalid(`no statement can be frozen from this opening at ${event.at}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (bytesEqual(expected, statement)) return undefined;
  return invalid(`its statement is not the one the opening determines: ${statementDifference(statement, opened, policy)}. Approvers would sign something they were not shown.`);
}

/** What a statement says that its opening does not, in words, for the problem's message. */
function statementDifference(statement: Uint8Array, opened: OpenedEvent, policy: Policy): string {
  let parsed;
  try {
    parsed = parseReleaseStatement(statement);
  } catch (error) {
    return `it cannot be read (${error instanceof Error ? error.message : String(error)})`;
  }
  const opening = new Map(opened.artifacts.map((artifact) => [artifact.name, artifact.digest.sha256]));
  const extra = parsed.subject.filter((subject) => opening.get(subject.name) !== subject.digest.sha256);
  if (extra.length > 0) return `it names ${extra.map((subject) => `"${subject.name}" (sha256:${short(subject.digest.sha256)})`).join(', ')}, which the ceremony was not opened with`;
  if (parsed.subject.length !== opening.size) return 'it leaves out artifacts the ceremony was opened with';
  if (parsed.predicate.policy.digest.sha256 !== policy.digest) return `it names another policy (${short(parsed.predicate.policy.digest.sha256)})`;
  if (parsed.predicate.release.purl !== opened.release.purl) return `it names release ${parsed.predicate.release.purl}, not ${opened.release.purl}`;
  if (parsed.predicate.ceremony.id !== opened.ceremonyId) return `it names ceremony ${parsed.predicate.ceremony.id}`;
  return 'its release, evidence, findings or times differ from the opening';
}

/**
 * Decisions by keys the policy does not list that carry a certificate (issue
 * 6): whose key each certificate makes it, at its signing time: an approval's
 * verified RFC 3161 time, else now (nothing proves it was signed earlier); a
 * rejection's or withdrawal's recorded time, never later than now (they can
 * only stop a release).
 */
async function certificateDecisions(files: EventFile[], policy: Policy, now: Date, dependencies: JudgeDependencies) {
  const signers = new Map<string, CertificateSigner>();
  const times = new Map<string, Awaited<ReturnType<typeof verifyApprovalTime>>>();
  const listed = new Set(policy.keys.map((key) => key.keyId));
  const byCertificate = files.filter((file): file is EventFile & { event: DecisionEvent } => isDecisionEvent(file.event) && file.event.certificates !== undefined && !listed.has(file.event.keyId));
  let revocation: { crls: Uint8Array[]; problems: string[] } | undefined;
  if (byCertificate.length > 0 && policy.certificateApprovers.length > 0) {
    revocation = dependencies.revocation ? await dependencies.revocation(policy) : undefined;
    for (const file of byCertificate) {
      const event = file.event;
      let signingTime: { at: Date; atSource: SigningTimeSource } =
        event.type === 'approved' ? { at: now, atSource: 'current-time' } : { at: new Date(Math.min(Date.parse(event.at), now.getTime())), atSource: 'recorded-time' };
      if (event.type === 'approved' && event.timestamp !== undefined) {
        let signature: Uint8Array | undefined;
        try {
          signature = fromBase64(event.signature);
        } catch {
          signature = undefined;
        }
        if (signature) {
          const checked = await (await certificateChecks()).verifyApprovalTime(event.timestamp, signature, policy, dependencies.trustedTime);
          times.set(file.source, checked);
          if (checked.ok) signingTime = { at: checked.genTime, atSource: 'trusted-time' };
        }
      }
      let certificates: Uint8Array[];
      try {
        certificates = event.certificates!.map((certificate) => fromBase64(certificate));
      } catch {
        signers.set(file.source, { ok: false, code: 'certificate-malformed', reason: 'its certificates are not valid base64.' });
        continue;
      }
      signers.set(
        file.source,
        await (await certificateChecks()).resolveCertificateSigner(
          policy,
          { keyId: event.keyId, certificates, ...signingTime, now, ...(revocation ? { crls: revocation.crls, crlProblems: revocation.problems } : { revocation: 'skip' as const }) },
          dependencies.certificates,
        ),
      );
    }
  }
  return {
    signers,
    times,
    revocation,
    keyOf: (keyId: string) => [...signers.values()].find((resolved): resolved is Extract<CertificateSigner, { ok: true }> => resolved.ok && resolved.keyId === keyId)?.spki,
  };
}
