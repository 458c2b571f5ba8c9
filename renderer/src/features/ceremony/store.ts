/**
 * The Review screen's state for one ceremony: the detail the core computed
 * (never derived here), kept current from `ceremony.changed`, plus what this
 * window is doing with it: the review checklist, the sign dialog, re-checking
 * signatures, publishing and cancelling.
 *
 * Every event is signed by its author, so approving, rejecting, withdrawing,
 * cancelling and publishing each choose a key (the core says which may act:
 * `decide` for approvals and rejections, `withdraw` for the keys whose
 * approval counts, `manage` for cancelling and publishing). PINs pass through
 * `submitSign`, `confirmCancel` and `publish` as an argument, straight to the
 * API (as bytes, overwritten once it answered: lib/pin.ts); they are never put
 * in this store.
 *
 * What may be done next is the core's `detail.actions` (the judge's one
 * table): this store offers an action only when it is listed, never deciding
 * from the state itself. A decision names the statement the person was shown
 * (`statementDigest`): the core signs nothing when the ceremony's statement is
 * another.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { calls, type BundleExportResult, type CallOutput, type CeremonyDetail, type PublishResult, type SigningKey } from '../../../../shared/api/contract';
import type { ErrorData } from '../../../../shared/errors';
import { getApi } from '../../api';
import { callApi, firstIssue, inputError, thrownToError } from '../../components/api-call';
import { isAbsolutePath } from '../../components/files';
import { pinBytes } from '../../lib/pin';
import { offers } from './format';
import { checkSigner, choosable, emptyKeyPick, keysWithChoice, type KeyPick } from './signer';
import { latestRequests } from '../../lib/latest';
import { readStatement } from './statement';

export const checklistItems = [
  { id: 'artifacts', text: 'I checked the artifacts: their names and SHA-256 digests are the ones I expect.' },
  { id: 'provenance', text: 'I reviewed the provenance: builder, source repository and commit, trigger and build inputs.' },
  { id: 'findings', text: 'I reviewed the findings and what changed since the previous release.' },
] as const;

export type ChecklistItem = (typeof checklistItems)[number]['id'];

export type SignKind = 'approve' | 'reject' | 'withdraw';

/** The statement a decision names: the one on screen when the dialog opened (what the person reviewed). */
export type ShownStatement = NonNullable<CeremonyDetail['statement']>;

export interface SignDialogState extends KeyPick {
  kind: SignKind;
  /** Which opening of the dialog this is: an answer for an earlier one never touches a later one. */
  epoch: number;
  /** What the dialog shows and the decision binds (its digest goes to the core as `statementDigest`). */
  statement: ShownStatement;
  /** A rejection's or withdrawal's reason, kept while the person retries. */
  reason: string;
  working: boolean;
  /**
   * While an approval is signed and time-stamped: the operation the Cancel
   * button stops (issue 12: a time-stamping authority that never answers),
   * and whether Cancel was pressed.
   */
  operationId: string | undefined;
  cancelRequested: boolean;
  error: ErrorData | undefined;
}

export interface CeremonyData {
  id: string | undefined;
  detail: CeremonyDetail | undefined;
  loading: boolean;
  loadError: ErrorData | undefined;
  /** Ticked items, for the statement digest named in checklistFor. */
  checklist: Readonly<Partial<Record<ChecklistItem, true>>>;
  checklistFor: string | undefined;
  sign: SignDialogState | undefined;
  /** An approval, rejection or withdrawal that failed after its dialog was closed: shown on the screen instead. */
  signError: ErrorData | undefined;
  /** What the last decision did, for the live region ("alice's approval was recorded."). */
  signNote: string | undefined;
  /**
   * The keys attached here whose approval of this ceremony counts now (the
   * core's `withdraw` purpose): "Withdraw my approval…" is offered when one of
   * them is eligible. Looked up whenever a detail arrives that allows withdrawing.
   */
  withdrawKeys: readonly SigningKey[] | undefined;
  verify: { working: boolean; result: CallOutput<'ceremonies.verify'> | undefined; error: ErrorData | undefined };
  /** Publishing: the folder, the key that signs the publication (`manage` keys), and the result. */
  publication: PublicationState;
  /** The cancel dialog: its reason and the key that signs the cancellation (`manage` keys). */
  cancellation: CancellationState;
  /** "Export for an offline machine": the folder typed or chosen (empty: Conclave's exports folder) and the last export. */
  bundleExport: { dir: string; working: boolean; result: BundleExportResult | undefined; error: ErrorData | undefined; browsing: boolean };
}

export interface PublicationState extends KeyPick {
  outDir: string;
  working: boolean;
  /** While publishing: the operation the Cancel button stops (its registry pushes), and whether Cancel was pressed. */
  operationId: string | undefined;
  cancelRequested: boolean;
  result: PublishResult | undefined;
  error: ErrorData | undefined;
  browsing: boolean;
  /** What each verifier will say once published (issue 14), for the key chosen (or any key that may publish). */
  forecast: CallOutput<'ceremonies.publishForecast'> | undefined;
  forecastError: ErrorData | undefined;
}

export interface CancellationState extends KeyPick {
  open: boolean;
  reason: string;
  working: boolean;
  error: ErrorData | undefined;
}

export interface CeremonyActions {
  /** Shows a ceremony and follows its changes; returns the function that stops listening. */
  start(id: string): () => void;
  load(): Promise<void>;
  toggleChecklist(item: ChecklistItem): void;
  openSign(kind: SignKind): Promise<void>;
  reloadSigningKeys(): Promise<void>;
  selectKey(keyUri: string): void;
  /** The reason of a rejection or a withdrawal. */
  setSignReason(reason: string): void;
  /** Approves, rejects or withdraws with the chosen key; the PIN (null for PIN pads) goes straight to the API. Resolves true when it was recorded. */
  submitSign(pin: string | null): Promise<boolean>;
  /** Stops an approval under way (its request to the time-stamping authority): it is not recorded, and the ceremony stays as it was. */
  cancelSign(): Promise<void>;
  closeSign(): void;
  dismissSignError(): void;
  verifyAgain(): Promise<void>;
  loadPublishDir(): Promise<void>;
  setOutDir(dir: string): void;
  browsePublishDir(): Promise<void>;
  chooseFolder(paths: readonly string[]): void;
  closeFolderBrowser(): void;
  /** The keys that may sign the publication; loaded once the ceremony is approved. */
  loadPublishKeys(): Promise<void>;
  selectPublishKey(keyUri: string): void;
  /** Asks the core what each verifier will say about the publication, signed by the chosen key (nothing is signed or written). */
  loadPublishForecast(): Promise<void>;
  /** Publishes, signed with the chosen key; the PIN (null for PIN pads) goes straight to the API. Resolves true when published. */
  publish(pin: string | null): Promise<boolean>;
  /** Stops a publication's registry pushes; the files already written stay, and publishing again completes it. */
  cancelPublish(): Promise<void>;
  /** Opens the cancel dialog and looks for the keys that may sign the cancellation. */
  openCancel(): Promise<void>;
  reloadCancelKeys(): Promise<void>;
  selectCancelKey(keyUri: string): void;
  setCancelReason(reason: string): void;
  /** Cancels, signed with the chosen key; the PIN goes straight to the API. Resolves true when cancelled. */
  confirmCancel(pin: string | null): Promise<boolean>;
  closeCancel(): void;
  setExportDir(dir: string): void;
  browseExportDir(): Promise<void>;
  chooseExportFolder(paths: readonly string[]): void;
  closeExportBrowser(): void;
  /** Writes the ceremony to a new bundle file; resolves true when it was written. */
  exportBundle(): Promise<boolean>;
}

export type CeremonyStoreState = CeremonyData & CeremonyActions;

export function initialCeremonyData(): CeremonyData {
  return {
    id: undefined,
    detail: undefined,
    loading: false,
    loadError: undefined,
    checklist: {},
    checklistFor: undefined,
    sign: undefined,
    signError: undefined,
    signNote: undefined,
    withdrawKeys: undefined,
    verify: { working: false, result: undefined, error: undefined },
    publication: { outDir: '', working: false, operationId: undefined, cancelRequested: false, result: undefined, error: undefined, browsing: false, forecast: undefined, forecastError: undefined, ...emptyKeyPick() },
    cancellation: emptyCancellation(),
    bundleExport: { dir: '', working: false, result: undefined, error: undefined, browsing: false },
  };
}

function emptyCancellation(): CancellationState {
  return { open: false, reason: '', working: false, error: undefined, ...emptyKeyPick() };
}

/** Whether every item of the review checklist is ticked. */
export function checklistComplete(checklist: CeremonyData['checklist']): boolean {
  return checklistItems.every((item) => checklist[item.id] === true);
}

/** Whether Approve can be pressed: a frozen statement, the core offering `approve`, and the checklist confirmed. */
export function canApprove(state: Pick<CeremonyData, 'detail' | 'checklist'>): boolean {
  const detail = state.detail;
  return detail !== undefined && detail.statement !== undefined && offers(detail, 'approve') && checklistComplete(state.checklist);
}

export function canReject(detail: CeremonyDetail | undefined): boolean {
  return detail !== undefined && detail.statement !== undefined && offers(detail, 'reject');
}

/** Whether "Withdraw my approval…" is offered: the core allows withdrawing, and a key attached here has an approval that counts. */
export function canWithdraw(state: Pick<CeremonyData, 'detail' | 'withdrawKeys'>): boolean {
  const detail = state.detail;
  return detail !== undefined && detail.statement !== undefined && offers(detail, 'withdraw') && (state.withdrawKeys?.some((key) => key.eligible) ?? false);
}

/** Whether a decision of this kind is offered at all (before the checklist, for approving). */
function offered(kind: SignKind, state: Pick<CeremonyData, 'detail' | 'checklist' | 'withdrawKeys'>): boolean {
  if (kind === 'approve') return canApprove(state);
  if (kind === 'reject') return canReject(state.detail);
  return canWithdraw(state);
}

const recordedText: Record<SignKind, (who: string) => string> = {
  approve: (who) => `${who}'s approval was recorded.`,
  reject: (who) => `${who}'s rejection was recorded.`,
  withdraw: (who) => `${who}'s approval was withdrawn.`,
};

const reasonMissingText: Record<Exclude<SignKind, 'approve'>, string> = {
  reject: 'Say why you reject this release: the reason is signed and kept with the ceremony.',
  withdraw: 'Say why you withdraw your approval: the reason is signed and kept with the ceremony.',
};

export function createCeremonyStore(): StoreApi<CeremonyStoreState> {
  /**
   * Latest answer wins (lib/latest): 'load', changes made elsewhere (the CLI
   * approving, then publishing) start loads that overlap, and only the last
   * one started can carry the newest detail; 'detail', a detail applied
   * meanwhile (another ceremony shown, an answer to this window's own
   * decision) is newer than any load begun before it; 'withdrawKeys', the
   * look-up of the keys that may withdraw.
   */
  const latest = latestRequests<'load' | 'detail' | 'withdrawKeys'>();
  /** Which opening of the sign dialog this is: answers for a dialog since closed or reopened are dropped. */
  let epoch = 0;
  /** Which opening of the cancel dialog this is, as `epoch` is for the sign dialog. */
  let cancelEpoch = 0;

  return createStore<CeremonyStoreState>()((set, get, store) => {
    const applyDetail = (detail: CeremonyDetail) => {
      if (detail.id !== get().id) return;
      latest.drop('detail');
      const digest = detail.statement?.digest;
      // The checklist confirms a review of one statement: a different statement needs a new review.
      set((s) => (s.checklistFor === digest ? { detail, loadError: undefined } : { detail, loadError: undefined, checklist: {}, checklistFor: digest }));
      void lookUpWithdrawKeys(detail);
    };

    /** Which keys attached here could take back an approval that counts; none when the core does not offer withdrawing. */
    const lookUpWithdrawKeys = async (detail: CeremonyDetail) => {
      const isLatest = latest.begin('withdrawKeys');
      if (!offers(detail, 'withdraw') || detail.approvals.length === 0) {
        set({ withdrawKeys: undefined });
        return;
      }
      const result = await callApi('ceremonies.signingKeys', { id: detail.id, purpose: 'withdraw' });
      if (!isLatest() || get().id !== detail.id) return;
      // Without an answer the button is not offered: nothing here is known to have an approval to take back.
      set({ withdrawKeys: result.ok ? result.value : undefined });
    };
    const setSign = (at: number, patch: Partial<SignDialogState>) =>
      set((s) => (s.sign && s.sign.epoch === at ? { sign: { ...s.sign, ...patch } } : {}));
    const setPublish = (patch: Partial<CeremonyData['publication']>) => set((s) => ({ publication: { ...s.publication, ...patch } }));
    const setExport = (patch: Partial<CeremonyData['bundleExport']>) => set((s) => ({ bundleExport: { ...s.bundleExport, ...patch } }));
    const setCancel = (patch: Partial<CeremonyData['cancellation']>) => set((s) => ({ cancellation: { ...s.cancellation, ...patch } }));

    const setCancelAt = (at: number, patch: Partial<CancellationState>) => {
      if (at === cancelEpoch && get().cancellation.open) setCancel(patch);
    };

    /**
     * Asks the core which keys attached here may act on this ceremony
     * (`decide`: approve or reject; `manage`: cancel or publish), keeping the
     * choice while its key still may. `patch` drops answers for a form that
     * has closed since.
     */
    const loadKeysFor = async (purpose: 'decide' | 'manage' | 'withdraw', chosen: () => string | undefined, patch: (change: Partial<KeyPick>) => void) => {
      const id = get().id;
      if (!id) return;
      patch({ loadingKeys: true, keysError: undefined });
      const result = await callApi('ceremonies.signingKeys', purpose === 'decide' ? { id } : { id, purpose });
      if (get().id !== id) return;
      if (!result.ok) return patch({ loadingKeys: false, keysError: result.error });
      patch({ loadingKeys: false, ...keysWithChoice(result.value, chosen()) });
    };

    const loadKeys = (at: number) => loadKeysFor(get().sign?.kind === 'withdraw' ? 'withdraw' : 'decide', () => get().sign?.keyUri, (change) => setSign(at, change));
    const loadCancelKeys = (at: number) => loadKeysFor('manage', () => get().cancellation.keyUri, (change) => setCancelAt(at, change));

    return {
      ...initialCeremonyData(),

      start(id) {
        if (get().id !== id) {
          latest.drop('detail');
          set({ ...initialCeremonyData(), id });
        }
        let stop: () => void = () => undefined;
        /** The version a change announced while this window's own sign, cancel or publish was on its way. */
        let announced: string | undefined;
        const acting = (s: CeremonyData) => Boolean(s.sign?.working || s.cancellation.working || s.publication.working);
        // The detail shown already is the version announced (issue 15): this window's own change, or keys attached here.
        const shows = (summary: { version: string; waitingOnMe: boolean }) => {
          const shown = get().detail;
          if (shown?.version !== summary.version) return false;
          if (shown.waitingOnMe !== summary.waitingOnMe) set({ detail: { ...shown, waitingOnMe: summary.waitingOnMe } });
          return true;
        };
        // The core announces a change before answering the call that made it: wait for that answer, load only if it is older.
        const stopWaiting = store.subscribe((s) => {
          if (announced === undefined || acting(s)) return;
          const version = announced;
          announced = undefined;
          if (get().detail?.version !== version) void get().load();
        });
        try {
          const stopListening = getApi().on('ceremony.changed', (summary) => {
            if (summary.id !== get().id || shows(summary)) return;
            if (acting(get())) announced = summary.version;
            else void get().load();
          });
          stop = () => {
            stopListening();
            stopWaiting();
          };
        } catch (error) {
          stopWaiting();
          set({ loadError: thrownToError(error) });
          return stop;
        }
        void get().load();
        return stop;
      },

      async load() {
        const id = get().id;
        if (!id) return;
        const noNewerDetail = latest.begin('detail');
        const isLatestLoad = latest.begin('load');
        set({ loading: true });
        const result = await callApi('ceremonies.get', { id });
        // Another ceremony is shown, or a later load is on its way with a newer answer.
        if (get().id !== id || !isLatestLoad()) return;
        set({ loading: false });
        if (!result.ok) {
          // A detail already on screen stays: the error says it may be out of date.
          set({ loadError: result.error });
          return;
        }
        if (noNewerDetail()) applyDetail(result.value);
      },

      toggleChecklist(item) {
        set((s) => {
          const checklist = { ...s.checklist };
          if (checklist[item]) delete checklist[item];
          else checklist[item] = true;
          return { checklist };
        });
      },

      async openSign(kind) {
        const state = get();
        const statement = state.detail?.statement;
        if (!statement || !offered(kind, state)) return;
        epoch += 1;
        const at = epoch;
        set({
          sign: { kind, epoch: at, statement, keys: undefined, loadingKeys: true, keysError: undefined, keyUri: undefined, reason: '', working: false, operationId: undefined, cancelRequested: false, error: undefined },
          signError: undefined,
          signNote: undefined,
        });
        await loadKeys(at);
      },

      async reloadSigningKeys() {
        const sign = get().sign;
        if (sign) await loadKeys(sign.epoch);
      },

      selectKey(keyUri) {
        const sign = get().sign;
        if (!sign || sign.working || !choosable(sign.keys, keyUri)) return;
        setSign(sign.epoch, { keyUri, error: undefined });
      },

      setSignReason(reason) {
        const sign = get().sign;
        if (sign) setSign(sign.epoch, { reason });
      },

      async submitSign(pin) {
        const { sign, id, detail } = get();
        if (!sign || !id || !detail || sign.working) return false;
        const at = sign.epoch;
        const statementDigest = sign.statement.digest;
        // The statement on screen changed while the dialog was open: what the person reviewed is no longer what would be signed.
        if (detail.statement?.digest !== statementDigest) {
          setSign(at, { error: { code: 'conflict', message: 'The statement of this ceremony changed since you opened this dialog. Close it and review the new statement before you decide.' } });
          return false;
        }
        if (!readStatement(sign.statement.json).ok) {
          setSign(at, { error: inputError('Conclave cannot show what this statement says, so it will not sign it.') });
          return false;
        }
        if (sign.kind === 'approve' && !canApprove(get())) {
          setSign(at, { error: inputError('Confirm every item of the review checklist before approving.') });
          return false;
        }
        if (sign.kind !== 'approve' && !sign.reason.trim()) {
          setSign(at, { error: inputError(reasonMissingText[sign.kind]) });
          return false;
        }
        const signer = checkSigner(sign, pin);
        if (!signer.ok) {
          setSign(at, { error: signer.error });
          return false;
        }
        const { key } = signer;
        const reason = sign.reason.trim();
        // The PIN's bytes, for this one call, overwritten once it answered (issue 12).
        const bytes = pinBytes(signer.pin);
        let result;
        try {
          // An approval can be cancelled while it runs (its time stamp may wait on a server that never answers).
          const operationId = sign.kind === 'approve' ? crypto.randomUUID() : undefined;
          const input =
            sign.kind === 'approve'
              ? calls['ceremonies.approve'].input.safeParse({ id, operationId, keyUri: key.keyUri, pin: bytes, statementDigest })
              : calls[sign.kind === 'reject' ? 'ceremonies.reject' : 'ceremonies.withdraw'].input.safeParse({ id, keyUri: key.keyUri, pin: bytes, reason, statementDigest });
          if (!input.success) {
            setSign(at, { error: firstIssue(input.error) });
            return false;
          }
          setSign(at, { working: true, operationId, cancelRequested: false, error: undefined });
          result =
            sign.kind === 'approve'
              ? await callApi('ceremonies.approve', { id, operationId, keyUri: key.keyUri, pin: bytes, statementDigest })
              : await callApi(sign.kind === 'reject' ? 'ceremonies.reject' : 'ceremonies.withdraw', { id, keyUri: key.keyUri, pin: bytes, reason, statementDigest });
        } finally {
          bytes?.fill(0);
        }
        const stillOpen = get().sign?.epoch === at;
        if (!result.ok) {
          if (stillOpen) setSign(at, { working: false, operationId: undefined, cancelRequested: false, error: result.error });
          else if (get().id === id) set({ signError: result.error });
          return false;
        }
        applyDetail(result.value);
        const who = key.approverId ?? key.keyLabel;
        // The checklist is one person's confirmation: the next approver at this window confirms their own review.
        set({ signNote: recordedText[sign.kind](who), checklist: {} });
        if (stillOpen) set({ sign: undefined });
        return true;
      },

      async cancelSign() {
        const sign = get().sign;
        if (!sign || !sign.working || !sign.operationId || sign.cancelRequested) return;
        setSign(sign.epoch, { cancelRequested: true });
        const result = await callApi('operations.cancel', { operationId: sign.operationId });
        // The core no longer knew the operation: it had finished, and its answer says how.
        if (!result.ok) setSign(sign.epoch, { cancelRequested: false, error: result.error });
      },

      closeSign() {
        set({ sign: undefined });
      },

      dismissSignError() {
        set({ signError: undefined });
      },

      async verifyAgain() {
        const id = get().id;
        if (!id || get().verify.working) return;
        set((s) => ({ verify: { ...s.verify, working: true, error: undefined } }));
        const result = await callApi('ceremonies.verify', { id });
        if (get().id !== id) return;
        set({ verify: result.ok ? { working: false, result: result.value, error: undefined } : { working: false, result: get().verify.result, error: result.error } });
      },

      async loadPublishDir() {
        if (get().publication.outDir) return;
        const result = await callApi('settings.get', {});
        if (!result.ok) return setPublish({ error: result.error });
        // The person may have typed a folder meanwhile: theirs wins.
        if (!get().publication.outDir) setPublish({ outDir: result.value.publishDir });
      },

      setOutDir(dir) {
        setPublish({ outDir: dir, error: undefined });
      },

      async browsePublishDir() {
        const result = await callApi('files.pick', { purpose: 'folder', multiple: false });
        if (!result.ok) return setPublish({ error: result.error });
        if (result.value === null) return setPublish({ browsing: true });
        const [dir] = result.value.paths;
        if (dir) setPublish({ outDir: dir, error: undefined });
      },

      chooseFolder(paths) {
        const [dir] = paths;
        setPublish({ browsing: false, ...(dir ? { outDir: dir, error: undefined } : {}) });
      },

      closeFolderBrowser() {
        setPublish({ browsing: false });
      },

      async loadPublishKeys() {
        if (get().publication.loadingKeys) return;
        await loadKeysFor('manage', () => get().publication.keyUri, setPublish);
      },

      selectPublishKey(keyUri) {
        const publication = get().publication;
        if (publication.working || !choosable(publication.keys, keyUri)) return;
        setPublish({ keyUri, error: undefined });
      },

      async loadPublishForecast() {
        const { id, publication } = get();
        if (!id) return;
        const keyUri = publication.keyUri;
        const result = await callApi('ceremonies.publishForecast', { id, ...(keyUri ? { keyUri } : {}) });
        // An answer for another ceremony or another key than the one now chosen is stale.
        if (get().id !== id || get().publication.keyUri !== keyUri) return;
        setPublish(result.ok ? { forecast: result.value, forecastError: undefined } : { forecast: undefined, forecastError: result.error });
      },

      async publish(pin) {
        const { id, detail, publication } = get();
        if (!id || !detail || publication.working) return false;
        if (!offers(detail, 'publish')) {
          setPublish({ error: inputError('This ceremony cannot be published now: the policy is not satisfied (or this machine does not trust its policy).') });
          return false;
        }
        const outDir = publication.outDir.trim();
        if (outDir && !isAbsolutePath(outDir)) {
          setPublish({ error: inputError(`“${outDir}” is not a full path. Type the folder from the root (for example /home/me/releases), or choose it.`) });
          return false;
        }
        const signer = checkSigner(publication, pin, 'Choose the key that signs the publication.');
        if (!signer.ok) {
          setPublish({ error: signer.error });
          return false;
        }
        const operationId = crypto.randomUUID();
        setPublish({ working: true, operationId, cancelRequested: false, error: undefined });
        const bytes = pinBytes(signer.pin);
        let result;
        try {
          result = await callApi('ceremonies.publish', { id, operationId, keyUri: signer.keyUri, pin: bytes, ...(outDir ? { outDir } : {}) });
        } finally {
          bytes?.fill(0);
        }
        if (get().id !== id) return false;
        if (!result.ok) {
          setPublish({ working: false, operationId: undefined, cancelRequested: false, error: result.error });
          return false;
        }
        setPublish({ working: false, operationId: undefined, cancelRequested: false, result: result.value });
        void get().load();
        return true;
      },

      async cancelPublish() {
        const { operationId, working, cancelRequested } = get().publication;
        if (!working || !operationId || cancelRequested) return;
        setPublish({ cancelRequested: true });
        await callApi('operations.cancel', { operationId });
      },

      async openCancel() {
        const { detail, cancellation } = get();
        if (!detail || !offers(detail, 'cancel') || cancellation.open) return;
        cancelEpoch += 1;
        // A reason typed before the dialog was closed is kept; the key list is looked up afresh.
        setCancel({ open: true, working: false, error: undefined, ...emptyKeyPick(), keyUri: cancellation.keyUri });
        await loadCancelKeys(cancelEpoch);
      },

      async reloadCancelKeys() {
        if (get().cancellation.open) await loadCancelKeys(cancelEpoch);
      },

      selectCancelKey(keyUri) {
        const cancellation = get().cancellation;
        if (!cancellation.open || cancellation.working || !choosable(cancellation.keys, keyUri)) return;
        setCancel({ keyUri, error: undefined });
      },

      setCancelReason(reason) {
        setCancel({ reason });
      },

      async confirmCancel(pin) {
        const { id, cancellation } = get();
        if (!id || !cancellation.open || cancellation.working) return false;
        const at = cancelEpoch;
        const reason = cancellation.reason.trim();
        if (!reason) {
          setCancel({ error: inputError('Say why the ceremony is cancelled: the reason is kept in its history.') });
          return false;
        }
        const signer = checkSigner(cancellation, pin, 'Choose the key that signs the cancellation.');
        if (!signer.ok) {
          setCancel({ error: signer.error });
          return false;
        }
        const bytes = pinBytes(signer.pin);
        let result;
        try {
          const checked = calls['ceremonies.cancel'].input.safeParse({ id, reason, keyUri: signer.keyUri, pin: bytes });
          if (!checked.success) {
            setCancel({ error: firstIssue(checked.error) });
            return false;
          }
          setCancel({ working: true, error: undefined });
          result = await callApi('ceremonies.cancel', checked.data);
        } finally {
          bytes?.fill(0);
        }
        if (!result.ok) {
          setCancelAt(at, { working: false, error: result.error });
          return false;
        }
        applyDetail(result.value);
        // Cancelled: nothing is left to sign here, whichever opening of the dialog asked.
        set({ cancellation: emptyCancellation() });
        return true;
      },

      closeCancel() {
        setCancel({ open: false, working: false, error: undefined });
      },

      setExportDir(dir) {
        setExport({ dir, error: undefined });
      },

      async browseExportDir() {
        const result = await callApi('files.pick', { purpose: 'folder', multiple: false });
        if (!result.ok) return setExport({ error: result.error });
        if (result.value === null) return setExport({ browsing: true });
        const [dir] = result.value.paths;
        if (dir) setExport({ dir, error: undefined });
      },

      chooseExportFolder(paths) {
        const [dir] = paths;
        setExport({ browsing: false, ...(dir ? { dir, error: undefined } : {}) });
      },

      closeExportBrowser() {
        setExport({ browsing: false });
      },

      async exportBundle() {
        const { id, bundleExport } = get();
        if (!id || bundleExport.working) return false;
        const dir = bundleExport.dir.trim();
        if (dir && !isAbsolutePath(dir)) {
          setExport({ error: inputError(`“${dir}” is not a full path. Type the folder from the root (for example /media/usb), or choose it.`) });
          return false;
        }
        setExport({ working: true, error: undefined, result: undefined });
        const result = await callApi('ceremonies.export', { id, ...(dir ? { dir } : {}) });
        if (get().id !== id) return false;
        if (!result.ok) {
          setExport({ working: false, error: result.error });
          return false;
        }
        setExport({ working: false, result: result.value });
        return true;
      },
    };
  });
}

export const ceremonyStore = createCeremonyStore();

export function useCeremony<T>(selector: (state: CeremonyStoreState) => T): T {
  return useStore(ceremonyStore, selector);
}

export function resetCeremonyStore(): void {
  ceremonyStore.setState(initialCeremonyData());
}
