/**
 * The Settings screen's state: where Conclave keeps its data, and the
 * policies this machine trusts, as the core reports them; plus what this window is
 * doing right now; and the registries allowed plain HTTP. A policy file is
 * trusted in two steps: inspected (its digest, rule and approvers shown,
 * nothing trusted), then "Trust this policy", which names the digest shown so
 * a file changed in between is refused. PKCS#11 modules are the Tokens store's (one source of
 * truth for modules): the Settings screen uses its actions.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { CallOutput, PolicyInspection, PolicySummary } from '../../../../shared/api/contract';
import type { ErrorData } from '../../../../shared/errors';
import { callApi, firstIssue, inputError } from '../../components/api-call';
import { latestRequests } from '../../lib/latest';
import { maxInsecureRegistries, registryHostProblem } from '../../../../shared/oci/registry-host';
import { contractSchemas } from '../../api/schemas';

/** A record without one key; the same object when the key was not there, so selectors stay stable. */
function without<K extends string, V>(record: Readonly<Partial<Record<K, V>>>, key: K): Partial<Record<K, V>> {
  if (!(key in record)) return record;
  const copy = { ...record };
  delete copy[key];
  return copy;
}

export type Folders = CallOutput<'settings.get'>;

/** Where a busy flag or an error belongs. */
export const settingsOp = {
  folders: 'settings.get',
  policies: 'policies.list',
  inspectPolicy: 'policies.inspect',
  importPolicy: 'policies.import',
  createDemoPolicy: 'policies.createDemo',
  registries: 'settings.registries',
  setRegistries: 'settings.setInsecureRegistries',
} as const;
export type SettingsOp = (typeof settingsOp)[keyof typeof settingsOp];

export const settingsBusyText: Record<SettingsOp, string> = {
  'settings.get': 'Loading folders…',
  'policies.list': 'Loading policies…',
  'policies.inspect': 'Reading the policy…',
  'policies.import': 'Trusting the policy…',
  'policies.createDemo': 'Creating the demo policy…',
  'settings.registries': 'Loading registries…',
  'settings.setInsecureRegistries': 'Saving registries…',
};

export interface SettingsData {
  folders: Folders | undefined;
  policies: readonly PolicySummary[] | undefined;
  busy: Readonly<Partial<Record<SettingsOp, string>>>;
  errors: Readonly<Partial<Record<SettingsOp, ErrorData>>>;
  /** The policy just imported or created, so the screen can point at it. */
  lastAdded: string | undefined;
  /** A policy file read but not trusted yet: what the person checks before "Trust this policy". */
  inspection: { path: string; policy: PolicyInspection } | undefined;
  /** Registries (host or host:port) the window may reach over plain HTTP besides this machine. */
  insecureRegistries: readonly string[] | undefined;
}

export interface SettingsActions {
  load(): Promise<void>;
  loadPolicies(): Promise<void>;
  /** Reads a policy file and shows what it says, trusting nothing; resolves true when it could be read. */
  inspectPolicy(path: string): Promise<boolean>;
  /** Trusts the policy inspected, by the digest shown; resolves true when it is trusted (the form can then be cleared). */
  trustInspectedPolicy(): Promise<boolean>;
  /** Puts the inspected policy away without trusting it. */
  dismissInspection(): void;
  createDemoPolicy(): Promise<boolean>;
  loadRegistries(): Promise<void>;
  /** Resolves true when the host was saved (the field can then be cleared); a bad host is refused here, with why. */
  addRegistry(host: string): Promise<boolean>;
  removeRegistry(host: string): Promise<boolean>;
  dismissError(op: SettingsOp): void;
}

export type SettingsState = SettingsData & SettingsActions;

export function initialSettingsData(): SettingsData {
  return { folders: undefined, policies: undefined, busy: {}, errors: {}, lastAdded: undefined, inspection: undefined, insecureRegistries: undefined };
}

/** The digest of the one policy in `after` that was not in `before` (or the first that changed). */
export function addedPolicy(before: readonly PolicySummary[] | undefined, after: readonly PolicySummary[]): string | undefined {
  const known = new Set((before ?? []).map((policy) => policy.digest));
  return after.find((policy) => !known.has(policy.digest))?.digest;
}

export function createSettingsStore(): StoreApi<SettingsState> {
  // The policy list: an import or a demo policy answers with a newer one than a load still on its way.
  const latest = latestRequests<'policies'>();

  return createStore<SettingsState>()((set, get) => {
    const begin = (op: SettingsOp) => set((s) => ({ busy: { ...s.busy, [op]: settingsBusyText[op] }, errors: without(s.errors, op) }));
    const succeed = (op: SettingsOp) => set((s) => ({ busy: without(s.busy, op) }));
    const fail = (op: SettingsOp, error: ErrorData) => set((s) => ({ busy: without(s.busy, op), errors: { ...s.errors, [op]: error } }));
    const showPolicies = (policies: readonly PolicySummary[]) => {
      latest.drop('policies');
      set((s) => ({ policies, lastAdded: addedPolicy(s.policies, policies) ?? s.lastAdded }));
    };

    const saveRegistries = async (hosts: string[]): Promise<boolean> => {
      const op = settingsOp.setRegistries;
      const { calls } = await contractSchemas();
      if (get().busy[op]) return false;
      const checked = calls[op].input.safeParse({ hosts });
      if (!checked.success) {
        fail(op, firstIssue(checked.error));
        return false;
      }
      begin(op);
      const result = await callApi(op, checked.data);
      if (!result.ok) {
        fail(op, result.error);
        return false;
      }
      succeed(op);
      set({ insecureRegistries: result.value.insecureRegistries });
      return true;
    };

    return {
      ...initialSettingsData(),

      async load() {
        begin(settingsOp.folders);
        const [folders] = await Promise.all([callApi('settings.get', {}), get().loadPolicies()]);
        if (!folders.ok) return fail(settingsOp.folders, folders.error);
        succeed(settingsOp.folders);
        set({ folders: folders.value });
      },

      async loadPolicies() {
        const isLatest = latest.begin('policies');
        begin(settingsOp.policies);
        const result = await callApi('policies.list', {});
        if (!result.ok) return fail(settingsOp.policies, result.error);
        succeed(settingsOp.policies);
        // An import or a demo policy that finished meanwhile answered with a newer list.
        if (isLatest()) set({ policies: result.value });
      },

      async inspectPolicy(path) {
        const op = settingsOp.inspectPolicy;
        const { calls } = await contractSchemas();
        if (get().busy[op] || get().busy[settingsOp.importPolicy]) return false;
        const checked = calls['policies.inspect'].input.safeParse({ path: path.trim() });
        if (!checked.success) {
          fail(op, { code: 'invalid-input', message: 'Enter the full path of a policy file (a .json file), for example /home/you/release-policy.json.' });
          return false;
        }
        set((s) => ({ inspection: undefined, errors: without(s.errors, settingsOp.importPolicy) }));
        begin(op);
        const result = await callApi('policies.inspect', checked.data);
        if (!result.ok) {
          fail(op, result.error);
          return false;
        }
        succeed(op);
        set({ inspection: { path: checked.data.path, policy: result.value } });
        return true;
      },

      async trustInspectedPolicy() {
        const op = settingsOp.importPolicy;
        const inspection = get().inspection;
        if (!inspection || get().busy[op]) return false;
        begin(op);
        // The digest the person was shown: the core refuses when the file now holds another policy.
        const result = await callApi('policies.import', { path: inspection.path, digest: inspection.policy.digest });
        if (!result.ok) {
          fail(op, result.error);
          return false;
        }
        succeed(op);
        if (get().inspection === inspection) set({ inspection: undefined });
        showPolicies(result.value);
        return true;
      },

      dismissInspection() {
        set((s) => {
          const errors: Partial<Record<SettingsOp, ErrorData>> = without(s.errors, settingsOp.importPolicy);
          return { inspection: undefined, errors: without(errors, settingsOp.inspectPolicy) };
        });
      },

      async createDemoPolicy() {
        const op = settingsOp.createDemoPolicy;
        if (get().busy[op]) return false;
        begin(op);
        const result = await callApi('policies.createDemo', {});
        if (!result.ok) {
          fail(op, result.error);
          return false;
        }
        succeed(op);
        showPolicies(result.value);
        return true;
      },

      async loadRegistries() {
        begin(settingsOp.registries);
        const result = await callApi('settings.registries', {});
        if (!result.ok) return fail(settingsOp.registries, result.error);
        succeed(settingsOp.registries);
        set({ insecureRegistries: result.value.insecureRegistries });
      },

      async addRegistry(text) {
        const host = text.trim().toLowerCase();
        const problem = registryHostProblem(host);
        if (problem) {
          fail(settingsOp.setRegistries, inputError(problem));
          return false;
        }
        const current = get().insecureRegistries ?? [];
        if (current.includes(host)) {
          fail(settingsOp.setRegistries, inputError(`${host} is already allowed.`));
          return false;
        }
        if (current.length >= maxInsecureRegistries) {
          fail(settingsOp.setRegistries, inputError(`At most ${maxInsecureRegistries} registries; remove one first.`));
          return false;
        }
        return saveRegistries([...current, host]);
      },

      async removeRegistry(host) {
        return saveRegistries((get().insecureRegistries ?? []).filter((entry) => entry !== host));
      },

      dismissError(op) {
        set((s) => ({ errors: without(s.errors, op) }));
      },
    };
  });
}

/** The one Settings store of this window. */
export const settingsStore = createSettingsStore();

export function useSettings<T>(selector: (state: SettingsState) => T): T {
  return useStore(settingsStore, selector);
}

/** For tests: puts the window's store back to its first state (actions are kept). */
export function resetSettingsStore(): void {
  settingsStore.setState(initialSettingsData());
}
