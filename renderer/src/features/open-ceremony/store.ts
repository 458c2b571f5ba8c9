/**
 * The Open screen's state: the form (what the release manager collected so
 * far), the policies the core knows, and the opening itself (progress of the
 * hashing, then the ceremony the core opened, with its findings).
 *
 * Nothing collected is dropped when a call fails: the form stays as it was
 * and the error is shown next to what the person just did.
 *
 * Every event is signed by its author: the opening by an approver or release
 * manager of the chosen policy (the keys come from `policies.signingKeys`,
 * looked up again whenever the policy changes or a token comes or goes), an
 * override by one of the ceremony's (`manage` keys). A PIN passes through
 * `open` and `freezeWithOverride` as an argument only, straight to the API:
 * it is never put in this store.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { calls, type CeremonyDetail, type OperationProgress, type PolicyInspection, type PolicySummary } from '../../../../shared/api/contract';
import type { ErrorData } from '../../../../shared/errors';
import { getApi } from '../../api';
import { callApi, firstIssue, inputError, thrownToError } from '../../components/api-call';
import { addPaths, isAbsolutePath, pathOfDroppedFile } from '../../components/files';
import { latestRequests } from '../../lib/latest';
import { pinBytes, withPinBytes } from '../../lib/pin';
import { checkSigner, choosable, emptyKeyPick, isSignerError, keysWithChoice, type KeyPick } from '../ceremony/signer';
import { offers } from '../ceremony/format';
import { dropUnavailableText, imageLines, invalidImage, newOperationId, pickMultiple, type PathField } from './format';
import { neverFreezes, preflightInputOf, preflightKey, type OpeningPreflightAnswer } from './preflight';

export interface OpenForm {
  name: string;
  version: string;
  purl: string;
  artifactPaths: readonly string[];
  /** Container images, as typed: one reference per line (a tag is resolved to its digest when the ceremony opens). */
  imagesText: string;
  provenancePaths: readonly string[];
  sbomPath: string | undefined;
  policyPath: string | undefined;
  sha512: boolean;
  /** The key that signs the opening: one of the chosen policy's approvers or release managers. */
  keyUri: string | undefined;
}

export type FormField = 'name' | 'version' | 'purl' | 'artifacts' | 'images' | 'provenance' | 'sbom' | 'policy' | 'signer';

export type OpenPhase =
  | { kind: 'editing' }
  | { kind: 'opening'; operationId: string; progress: OperationProgress | undefined; cancelRequested: boolean }
  | { kind: 'opened'; detail: CeremonyDetail };

export interface OverrideData extends KeyPick {
  reason: string;
  working: boolean;
  error: ErrorData | undefined;
}

/**
 * The pre-flight of the evidence in the form (issue 16): judged against the
 * chosen policy as the person fills the form in, before anything is created.
 */
export interface OpenPreflight {
  /** The evidence checked or being checked (preflightKey); undefined while the form lacks what the check needs. */
  key: string | undefined;
  checking: boolean;
  answer: OpeningPreflightAnswer | undefined;
  /** The check itself failed (a file unreadable, the policy not trusted): said, and opening is left to say it again. */
  error: ErrorData | undefined;
}

/** How long the form stays still before its evidence is checked: typing a version does not hash the artifacts at each key. */
export const preflightDelayMs = 400;

/** Where an error belongs on the screen. */
export type OpenErrorKey = 'policies' | 'open' | 'browse' | 'override' | FormField;

export interface OpenCeremonyData {
  form: OpenForm;
  policies: readonly PolicySummary[] | undefined;
  /** Progress text while policies load, import or are created. */
  policyBusy: string | undefined;
  /** A policy file read but not trusted yet: shown with "Trust this policy" before it can be chosen. */
  policyInspection: { path: string; policy: PolicyInspection } | undefined;
  errors: Readonly<Partial<Record<OpenErrorKey, ErrorData>>>;
  /** Notes that are not errors (a drop without a path, a cancelled opening). */
  notes: Readonly<Partial<Record<FormField | 'open', string>>>;
  phase: OpenPhase;
  /** The field the in-app file browser is choosing for, when it is open. */
  browsing: PathField | undefined;
  /** The keys attached here, each marked whether it may open under `policyPath` (the policy they were looked up for). */
  openerKeys: Omit<KeyPick, 'keyUri'> & { policyPath: string | undefined };
  override: OverrideData;
  preflight: OpenPreflight;
}

export interface OpenCeremonyActions {
  /** Loads the policies; returns the function that stops whatever it started. */
  start(): () => void;
  loadPolicies(): Promise<void>;
  setText(field: 'name' | 'version' | 'purl', value: string): void;
  setSha512(value: boolean): void;
  /** The Images field's text, as typed. */
  setImages(text: string): void;
  /** Checks the typed image references (when the field is left): a line that is not one is said beside the field. */
  checkImages(): void;
  selectPolicy(path: string | undefined): void;
  addPaths(field: PathField, paths: readonly string[]): void;
  removePath(field: 'artifacts' | 'provenance' | 'sbom', path: string): void;
  /** A path typed by hand; resolves true when it was taken. */
  addTypedPath(field: PathField, text: string): Promise<boolean>;
  /** Opens the native file dialog, or the in-app browser where the shell has none. */
  browse(field: PathField): Promise<void>;
  chooseFromBrowser(paths: readonly string[]): Promise<void>;
  closeBrowser(): void;
  /** Files dropped on a field: taken when the shell tells their paths, otherwise a note says what to do. */
  drop(field: PathField, files: readonly unknown[]): Promise<void>;
  /** Reads a policy file and shows its digest, rule and approvers; nothing is trusted yet. */
  importPolicy(path: string): Promise<void>;
  /** Trusts the policy shown (by the digest shown) and chooses it. */
  trustInspectedPolicy(): Promise<void>;
  dismissPolicyInspection(): void;
  createDemoPolicy(): Promise<void>;
  /** Looks again for the keys that may open under the chosen policy (a token was inserted, a failure to retry). */
  reloadOpenerKeys(): Promise<void>;
  selectOpenerKey(keyUri: string): void;
  /** Checks the form's evidence against the policy now (else it is checked once the form stays still); resolves with the answer for the form as it is. */
  checkEvidence(): Promise<OpenPreflight>;
  /**
   * Opens the ceremony, signed with the chosen key; the PIN (null or ignored where the token needs none) goes straight to the API.
   * Not when the pre-flight says it could never freeze: nothing half-made is created.
   */
  open(pin: string | null): Promise<void>;
  cancelOpening(): Promise<void>;
  setOverrideReason(reason: string): void;
  selectOverrideKey(keyUri: string): void;
  reloadOverrideKeys(): Promise<void>;
  /** Freezes a ceremony whose findings failed, recording the override; the PIN goes straight to the API. */
  freezeWithOverride(pin: string | null): Promise<boolean>;
  /** Back to the form after an opening, with every field as it was. */
  backToForm(): void;
  /** A fresh form for the next ceremony; the policy and SHA-512 choice stay. */
  startOver(): void;
  dismissError(key: OpenErrorKey): void;
}

export type OpenCeremonyState = OpenCeremonyData & OpenCeremonyActions;

export function emptyForm(): OpenForm {
  return { name: '', version: '', purl: '', artifactPaths: [], imagesText: '', provenancePaths: [], sbomPath: undefined, policyPath: undefined, sha512: false, keyUri: undefined };
}

function emptyOverride(): OverrideData {
  return { ...emptyKeyPick(), reason: '', working: false, error: undefined };
}

function emptyPreflight(): OpenPreflight {
  return { key: undefined, checking: false, answer: undefined, error: undefined };
}

function emptyOpenerKeys(): OpenCeremonyData['openerKeys'] {
  const { keyUri: _none, ...pick } = emptyKeyPick();
  return { ...pick, policyPath: undefined };
}

export function initialOpenCeremonyData(): OpenCeremonyData {
  return {
    form: emptyForm(),
    policies: undefined,
    policyBusy: undefined,
    policyInspection: undefined,
    errors: {},
    notes: {},
    phase: { kind: 'editing' },
    browsing: undefined,
    openerKeys: emptyOpenerKeys(),
    override: emptyOverride(),
    preflight: emptyPreflight(),
  };
}

function without<K extends string, V>(record: Readonly<Partial<Record<K, V>>>, ...keys: K[]): Partial<Record<K, V>> {
  if (!keys.some((key) => key in record)) return record as Partial<Record<K, V>>;
  const copy = { ...record };
  for (const key of keys) delete copy[key];
  return copy;
}

/** The field errors of a form that cannot be opened yet, in the order the fields appear. */
export function checkForm(form: OpenForm): Partial<Record<FormField, ErrorData>> {
  const errors: Partial<Record<FormField, ErrorData>> = {};
  if (!form.name.trim()) errors.name = inputError('Name the release (for example the product or package name).');
  if (!form.version.trim()) errors.version = inputError('Give the version being released.');
  if (form.purl.trim() && !/^pkg:[a-z][a-z0-9.+-]*\/.+/i.test(form.purl.trim())) errors.purl = inputError('A package URL starts with pkg:type/ (for example pkg:npm/app@1.2.3), or leave it empty.');
  const images = imageLines(form.imagesText);
  if (form.artifactPaths.length === 0 && images.length === 0) errors.artifacts = inputError('Add at least one artifact: the files or the container images being released.');
  const badImage = invalidImage(images);
  if (badImage) errors.images = inputError(badImage);
  if (!form.policyPath) errors.policy = inputError('Choose the policy that says who must approve.');
  return errors;
}

export function createOpenCeremonyStore(): StoreApi<OpenCeremonyState> {
  /** Stops listening to progress of the opening under way. */
  let stopProgress: (() => void) | undefined;
  // Latest answer wins for each: the policy list, the opener's keys (per look-up), the pre-flight.
  const latest = latestRequests<'preflight' | 'policies' | 'openerKeys'>();
  let preflightTimer: ReturnType<typeof setTimeout> | undefined;
  /** The pre-flight call under way and the evidence it checks. */
  let inFlight: { key: string; answer: Promise<OpenPreflight> } | undefined;
  /** The pre-flight under way, cancelled when the evidence changes (it may be hashing large files). */
  let preflightOperation: string | undefined;
  /** "Open ceremony" was pressed and waits on the pre-flight: a second press does not open a second ceremony. */
  let checkingBeforeOpen = false;

  return createStore<OpenCeremonyState>()((set, get) => {
    const setForm = (patch: Partial<OpenForm>, clear: FormField[] = []) => {
      set((s) => ({ form: { ...s.form, ...patch }, errors: without(s.errors, ...clear), notes: without(s.notes, ...clear) }));
      schedulePreflight();
    };

    const cancelPreflightOperation = () => {
      if (preflightOperation) void callApi('operations.cancel', { operationId: preflightOperation });
      preflightOperation = undefined;
    };

    /**
     * Checks the evidence once the form stays still, when it differs from what
     * was last checked (`force`: again, as files on disk or the trusted
     * policies may have changed).
     */
    const schedulePreflight = (force = false) => {
      const key = preflightKey(preflightInputOf(get().form));
      if (!force && key === get().preflight.key) return;
      clearTimeout(preflightTimer);
      preflightTimer = undefined;
      if (key === undefined) {
        latest.drop('preflight');
        cancelPreflightOperation();
        set({ preflight: emptyPreflight() });
        return;
      }
      // What was said about other evidence is not said about this one.
      set({ preflight: { key, checking: true, answer: undefined, error: undefined } });
      preflightTimer = setTimeout(() => void runPreflight(), preflightDelayMs);
    };

    const runPreflight = (): Promise<OpenPreflight> => {
      const key = preflightKey(preflightInputOf(get().form));
      // The same evidence already on its way (Open pressed while it is checked): wait for it rather than hash it again.
      if (key !== undefined && inFlight?.key === key) return inFlight.answer;
      const answer = checkPreflight();
      if (key !== undefined) {
        const mine = { key, answer };
        inFlight = mine;
        void answer.finally(() => {
          if (inFlight === mine) inFlight = undefined;
        });
      }
      return answer;
    };
    const checkPreflight = async (): Promise<OpenPreflight> => {
      clearTimeout(preflightTimer);
      preflightTimer = undefined;
      const input = preflightInputOf(get().form);
      const key = preflightKey(input);
      if (!input) {
        set({ preflight: emptyPreflight() });
        return get().preflight;
      }
      const isLatest = latest.begin('preflight');
      cancelPreflightOperation();
      const operationId = newOperationId();
      preflightOperation = operationId;
      set({ preflight: { key, checking: true, answer: undefined, error: undefined } });
      const result = await callApi('preflight.opening', { ...input, operationId });
      if (preflightOperation === operationId) preflightOperation = undefined;
      // Newer evidence is being checked: this answer is about a form that is gone.
      if (!isLatest()) return get().preflight;
      const preflight: OpenPreflight = result.ok ? { key, checking: false, answer: result.value, error: undefined } : { key, checking: false, answer: undefined, error: result.error };
      set({ preflight });
      return preflight;
    };
    const fail = (key: OpenErrorKey, error: ErrorData) => set((s) => ({ errors: { ...s.errors, [key]: error } }));
    const note = (key: FormField | 'open', text: string) => set((s) => ({ notes: { ...s.notes, [key]: text } }));
    const setOverride = (patch: Partial<OverrideData>) => set((s) => ({ override: { ...s.override, ...patch } }));

    /** Asks which attached keys may open under the chosen policy; `force` looks again for the same policy. */
    const loadOpenerKeys = async (force = false) => {
      const { form, openerKeys } = get();
      const policyPath = form.policyPath;
      if (!force && policyPath === openerKeys.policyPath) return;
      const isLatest = latest.begin('openerKeys');
      if (!policyPath) {
        set((s) => ({ openerKeys: emptyOpenerKeys(), form: { ...s.form, keyUri: undefined } }));
        return;
      }
      // Another policy's keys say nothing about this one: they go while this one's are looked up.
      const samePolicy = policyPath === openerKeys.policyPath;
      set((s) => ({ openerKeys: { ...(samePolicy ? s.openerKeys : emptyOpenerKeys()), policyPath, loadingKeys: true, keysError: undefined } }));
      const result = await callApi('policies.signingKeys', { policyPath });
      if (!isLatest()) return;
      if (!result.ok) {
        set((s) => ({ openerKeys: { ...s.openerKeys, loadingKeys: false, keysError: result.error } }));
        return;
      }
      const { keys, keyUri } = keysWithChoice(result.value, get().form.keyUri);
      set((s) => ({ openerKeys: { ...s.openerKeys, keys, loadingKeys: false }, form: { ...s.form, keyUri } }));
    };

    const loadOverrideKeys = async (ceremonyId: string) => {
      setOverride({ loadingKeys: true, keysError: undefined });
      const result = await callApi('ceremonies.signingKeys', { id: ceremonyId, purpose: 'manage' });
      const phase = get().phase;
      if (phase.kind !== 'opened' || phase.detail.id !== ceremonyId) return;
      if (!result.ok) return setOverride({ loadingKeys: false, keysError: result.error });
      // Whoever just opened it most likely overrides too: their key is chosen when it may sign.
      setOverride({ loadingKeys: false, ...keysWithChoice(result.value, get().override.keyUri ?? get().form.keyUri) });
    };

    /**
     * Shows the policies the core answered with, choosing `choose` when given,
     * else keeping the choice if it still exists; then the keys that may open
     * under it (looked up again after a policy was loaded or made, whose file
     * may have a path already chosen).
     */
    const showPolicies = (policies: readonly PolicySummary[], choose?: string, lookAgain = false) => {
      // Newer than any list still on its way.
      latest.drop('policies');
      const current = get().form.policyPath;
      const kept = choose ?? (current && policies.some((p) => p.path === current) ? current : policies.length === 1 ? policies[0]!.path : undefined);
      set((s) => ({ policies, policyBusy: undefined, form: { ...s.form, policyPath: kept }, errors: without(s.errors, 'policies', ...(kept ? (['policy'] as const) : [])) }));
      void loadOpenerKeys(lookAgain);
      // A policy trusted or made just now may answer what its path answered before ("not trusted here").
      schedulePreflight(lookAgain);
    };

    return {
      ...initialOpenCeremonyData(),

      start() {
        // Coming back to this screen starts a new ceremony: the last attempt's outcome is not this visit's (that ceremony is on its own page).
        // Unless it still waits on a decision only this screen takes: overriding failed checks (the person may have gone to plug a token in).
        const phase = get().phase;
        if (phase.kind === 'opened' && !(phase.detail.overrideAllowed && offers(phase.detail, 'freeze'))) get().startOver();
        // A half-filled form is kept for the person, but what the last press of "Open ceremony" answered is not news any more.
        else if (phase.kind === 'editing') set((s) => ({ errors: without(s.errors, 'open'), notes: without(s.notes, 'open') }));
        // The files on disk may have changed while the person was away: a half-filled form is checked afresh.
        schedulePreflight(true);
        void get().loadPolicies();
        // A token plugged in or pulled out changes which keys can open: look again (the choice stays while its key is there).
        const stops: (() => void)[] = [];
        try {
          for (const name of ['token.inserted', 'token.removed'] as const) stops.push(getApi().on(name, () => void get().reloadOpenerKeys()));
        } catch {
          // No API: loading the policies says so.
        }
        return () => {
          stops.forEach((stop) => stop());
          clearTimeout(preflightTimer);
          preflightTimer = undefined;
        };
      },

      checkEvidence() {
        return runPreflight();
      },

      async loadPolicies() {
        const isLatest = latest.begin('policies');
        set((s) => ({ policyBusy: 'Loading policies…', errors: without(s.errors, 'policies') }));
        const result = await callApi('policies.list', {});
        if (!isLatest()) return;
        if (!result.ok) {
          set({ policyBusy: undefined });
          return fail('policies', result.error);
        }
        // Tokens may have come or gone since the screen was last shown: the keys are looked up afresh too.
        showPolicies(result.value, undefined, true);
      },

      setText(field, value) {
        setForm({ [field]: value }, [field]);
      },

      setSha512(value) {
        setForm({ sha512: value });
      },

      setImages(text) {
        // Images count as artifacts: adding one settles "add at least one artifact".
        setForm({ imagesText: text }, imageLines(text).length > 0 ? ['images', 'artifacts'] : ['images']);
      },

      checkImages() {
        const problem = invalidImage(imageLines(get().form.imagesText));
        if (problem) fail('images', inputError(problem));
        else set((s) => ({ errors: without(s.errors, 'images') }));
      },

      selectPolicy(path) {
        setForm({ policyPath: path }, ['policy', 'signer']);
        void loadOpenerKeys();
      },

      async reloadOpenerKeys() {
        if (get().phase.kind === 'opening') return;
        await loadOpenerKeys(true);
      },

      selectOpenerKey(keyUri) {
        if (get().phase.kind === 'opening' || !choosable(get().openerKeys.keys, keyUri)) return;
        setForm({ keyUri }, ['signer']);
      },

      addPaths(field, paths) {
        if (paths.length === 0) return;
        const form = get().form;
        switch (field) {
          case 'artifacts':
            return setForm({ artifactPaths: addPaths(form.artifactPaths, paths) }, ['artifacts']);
          case 'provenance':
            return setForm({ provenancePaths: addPaths(form.provenancePaths, paths) }, ['provenance']);
          case 'sbom':
            return setForm({ sbomPath: paths[paths.length - 1] }, ['sbom']);
          case 'policy':
            return void get().importPolicy(paths[0]!);
        }
      },

      removePath(field, path) {
        const form = get().form;
        if (field === 'artifacts') setForm({ artifactPaths: form.artifactPaths.filter((p) => p !== path) });
        else if (field === 'provenance') setForm({ provenancePaths: form.provenancePaths.filter((p) => p !== path) });
        else if (form.sbomPath === path) setForm({ sbomPath: undefined });
      },

      async addTypedPath(field, text) {
        const path = text.trim();
        if (!path) {
          fail(field, inputError('Type the full path of the file first.'));
          return false;
        }
        if (!isAbsolutePath(path)) {
          fail(field, inputError(`“${path}” is not a full path. Type it from the root (for example /home/me/dist/app.tgz).`));
          return false;
        }
        if (field === 'policy') return get().importPolicy(path).then(() => !get().errors.policy);
        get().addPaths(field, [path]);
        return true;
      },

      async browse(field) {
        set((s) => ({ errors: without(s.errors, 'browse', field), notes: without(s.notes, field) }));
        const result = await callApi('files.pick', { purpose: field, multiple: pickMultiple[field] });
        if (!result.ok) return fail(field, result.error);
        if (result.value === null) {
          set({ browsing: field });
          return;
        }
        get().addPaths(field, result.value.paths);
      },

      async chooseFromBrowser(paths) {
        const field = get().browsing;
        set({ browsing: undefined });
        if (field) get().addPaths(field, paths);
      },

      closeBrowser() {
        set({ browsing: undefined });
      },

      async drop(field, files) {
        // The desktop preload knows a dropped file's path; a browser never tells one.
        let shellPath: ((file: unknown) => string | undefined) | undefined;
        try {
          shellPath = getApi().pathOfDroppedFile;
        } catch {
          shellPath = undefined;
        }
        const paths = files.map((file) => shellPath?.(file) ?? pathOfDroppedFile(file));
        const known = paths.filter((path): path is string => path !== undefined);
        if (known.length > 0) get().addPaths(field, pickMultiple[field] ? known : known.slice(0, 1));
        if (known.length < paths.length) note(field, dropUnavailableText);
      },

      async importPolicy(path) {
        set((s) => ({ policyBusy: 'Reading the policy…', policyInspection: undefined, errors: without(s.errors, 'policy', 'policies') }));
        const result = await callApi('policies.inspect', { path });
        set({ policyBusy: undefined });
        if (!result.ok) return fail('policy', result.error);
        // Already trusted here: nothing to confirm, it is simply chosen.
        const known = result.value.trusted ? get().policies?.find((policy) => policy.digest === result.value.digest) : undefined;
        if (known) return get().selectPolicy(known.path);
        set({ policyInspection: { path, policy: result.value } });
      },

      async trustInspectedPolicy() {
        const inspection = get().policyInspection;
        if (!inspection || get().policyBusy) return;
        set((s) => ({ policyBusy: 'Trusting the policy…', errors: without(s.errors, 'policy', 'policies') }));
        // The digest the person was shown: the core refuses when the file now holds another policy.
        const result = await callApi('policies.import', { path: inspection.path, digest: inspection.policy.digest });
        if (!result.ok) {
          set({ policyBusy: undefined });
          return fail('policy', result.error);
        }
        if (get().policyInspection === inspection) set({ policyInspection: undefined });
        // Choose what was just trusted: the policy with the digest shown (kept in the data folder under its own path).
        showPolicies(result.value, result.value.find((policy) => policy.digest === inspection.policy.digest)?.path, true);
      },

      dismissPolicyInspection() {
        set((s) => ({ policyInspection: undefined, errors: without(s.errors, 'policy') }));
      },

      async createDemoPolicy() {
        set((s) => ({ policyBusy: 'Creating the demo policy…', errors: without(s.errors, 'policy', 'policies') }));
        const before = new Set((get().policies ?? []).map((policy) => policy.digest));
        const result = await callApi('policies.createDemo', {});
        if (!result.ok) {
          set({ policyBusy: undefined });
          return fail('policy', result.error);
        }
        showPolicies(result.value, result.value.find((policy) => !before.has(policy.digest))?.path, true);
      },

      async open(pin) {
        const state = get();
        if (state.phase.kind === 'opening') return;
        const { form } = state;
        const fieldErrors = checkForm(form);
        // Who signs the opening: asked once the policy is chosen (its keys are the ones offered).
        const signer = checkSigner({ keys: state.openerKeys.keys, keyUri: form.keyUri }, pin, 'Choose your key: it signs the opening, so the ceremony records who opened it.');
        if (form.policyPath && !signer.ok) fieldErrors.signer = signer.error;
        set((s) => ({ errors: { ...without(s.errors, 'open', 'name', 'version', 'purl', 'artifacts', 'images', 'policy', 'signer'), ...fieldErrors }, notes: without(s.notes, 'open') }));
        if (Object.keys(fieldErrors).length > 0 || !signer.ok || checkingBeforeOpen) return;

        // Nothing half-made: the evidence as it is now is judged first, and a ceremony that could never freeze is not created.
        const wanted = preflightKey(preflightInputOf(form));
        let preflight = get().preflight;
        if (preflight.key !== wanted || preflight.checking || (!preflight.answer && !preflight.error)) {
          checkingBeforeOpen = true;
          try {
            preflight = await runPreflight();
          } finally {
            checkingBeforeOpen = false;
          }
        }
        // The form changed while its evidence was checked: the person presses Open again for what they now see.
        if (preflight.key !== wanted || get().phase.kind !== 'editing') return;
        // The pre-flight could not judge (a file unreadable): the opening itself says why, as before.
        if (neverFreezes(preflight.answer)) return;

        const images = imageLines(form.imagesText);
        const input = {
          operationId: newOperationId(),
          policyPath: form.policyPath!,
          release: { name: form.name.trim(), version: form.version.trim(), ...(form.purl.trim() ? { purl: form.purl.trim() } : {}) },
          artifactPaths: [...form.artifactPaths],
          ...(images.length > 0 ? { images } : {}),
          provenancePaths: [...form.provenancePaths],
          ...(form.sbomPath ? { sbomPath: form.sbomPath } : {}),
          ...(form.sha512 ? { sha512: true } : {}),
          keyUri: signer.keyUri,
          // The PIN's bytes, for this one call, overwritten once it answered (issue 12).
          pin: pinBytes(signer.pin),
        };
        const checked = calls['ceremonies.open'].input.safeParse(input);
        if (!checked.success) {
          input.pin?.fill(0);
          return fail('open', firstIssue(checked.error));
        }

        const { operationId } = input;
        set({ phase: { kind: 'opening', operationId, progress: undefined, cancelRequested: false } });
        stopProgress?.();
        try {
          stopProgress = getApi().on('operation.progress', (progress) => {
            const phase = get().phase;
            // Only this opening's progress: another window may be hashing at the same time.
            if (progress.operationId !== operationId || phase.kind !== 'opening' || phase.operationId !== operationId) return;
            set({ phase: { ...phase, progress } });
          });
        } catch (error) {
          input.pin?.fill(0);
          set({ phase: { kind: 'editing' } });
          return fail('open', thrownToError(error));
        }
        let result;
        try {
          result = await callApi('ceremonies.open', checked.data);
        } finally {
          input.pin?.fill(0);
        }
        stopProgress?.();
        stopProgress = undefined;
        const phase = get().phase;
        if (phase.kind !== 'opening' || phase.operationId !== operationId) return;
        if (!result.ok) {
          set({ phase: { kind: 'editing' } });
          if (phase.cancelRequested) note('open', 'Opening was cancelled: no ceremony was opened. Everything you chose is still here.');
          // A wrong PIN, a locked token, a key the policy does not know: said beside the key and the PIN.
          else fail(isSignerError(result.error) ? 'signer' : 'open', result.error);
          return;
        }
        set({ phase: { kind: 'opened', detail: result.value }, override: emptyOverride() });
        if (result.value.overrideAllowed && offers(result.value, 'freeze')) await loadOverrideKeys(result.value.id);
      },

      async cancelOpening() {
        const phase = get().phase;
        if (phase.kind !== 'opening' || phase.cancelRequested) return;
        set({ phase: { ...phase, cancelRequested: true } });
        const result = await callApi('operations.cancel', { operationId: phase.operationId });
        const now = get().phase;
        if (!result.ok && now.kind === 'opening' && now.operationId === phase.operationId) {
          set({ phase: { ...now, cancelRequested: false } });
          fail('open', result.error);
        }
      },

      setOverrideReason(reason) {
        setOverride({ reason });
      },

      selectOverrideKey(keyUri) {
        const override = get().override;
        if (override.working || !choosable(override.keys, keyUri)) return;
        setOverride({ keyUri, error: undefined });
      },

      async reloadOverrideKeys() {
        const phase = get().phase;
        if (phase.kind === 'opened') await loadOverrideKeys(phase.detail.id);
      },

      async freezeWithOverride(pin) {
        const phase = get().phase;
        const override = get().override;
        if (phase.kind !== 'opened' || override.working) return false;
        if (!offers(phase.detail, 'freeze')) {
          setOverride({ error: inputError('This ceremony cannot be frozen now.') });
          return false;
        }
        const reason = override.reason.trim();
        if (!reason) {
          setOverride({ error: inputError('Say why the failed checks may be overridden: the reason is recorded in the statement.') });
          return false;
        }
        const signer = checkSigner(override, pin, 'Choose the key that records the override.');
        if (!signer.ok) {
          setOverride({ error: signer.error });
          return false;
        }
        setOverride({ working: true, error: undefined });
        const result = await withPinBytes(signer.pin, (pin) => callApi('ceremonies.freeze', { id: phase.detail.id, overrideReason: reason, keyUri: signer.keyUri, pin }));
        if (!result.ok) {
          setOverride({ working: false, error: result.error });
          return false;
        }
        set({ phase: { kind: 'opened', detail: result.value }, override: emptyOverride() });
        return true;
      },

      backToForm() {
        set({ phase: { kind: 'editing' }, override: emptyOverride() });
      },

      startOver() {
        // The same person most likely opens the next one: their key stays chosen (never their PIN).
        const { policyPath, sha512, keyUri } = get().form;
        set({ form: { ...emptyForm(), policyPath, sha512, keyUri }, phase: { kind: 'editing' }, override: emptyOverride(), errors: {}, notes: {} });
        schedulePreflight();
      },

      dismissError(key) {
        set((s) => ({ errors: without(s.errors, key) }));
      },
    };
  });
}

export const openCeremonyStore = createOpenCeremonyStore();

export function useOpenCeremony<T>(selector: (state: OpenCeremonyState) => T): T {
  return useStore(openCeremonyStore, selector);
}

export function resetOpenCeremonyStore(): void {
  openCeremonyStore.setState(initialOpenCeremonyData());
}
