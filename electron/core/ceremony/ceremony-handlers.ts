/**
 * The ceremony half of the window's API: list, review, open, sign, publish,
 * verify, history and reports, policies, and file browsing for the browser
 * shell. Every call arrives already validated by the contract.
 */
import { localCeremonyService } from './local-service';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { CeremonyDetail, CeremonySummary, PolicySummary, SigningKey } from '../../../shared/api/ceremony-schemas';
import { ConclaveError } from '../../../shared/errors';
import { describePolicy } from '../../../shared/policy/describe';
import { eventSignerOf, loadPolicyText, type Policy } from '../../../shared/policy/policy';
import { certificateApproversNamedBy } from '../../../shared/policy/certificate-signer';
import { fromPem } from '../../../shared/encoding/pem';
import { formatReport } from '../../../shared/verify/format';
import type { ApiHandlers, EventSink } from '../api/handlers';
import type { LoginHold, TokenService } from '../tokens/token-service';
import { demoKeyLabel, demoModuleId, demoTokenLabels } from '../tokens/demo-tokens';
import { CeremonyStateSchema } from '../../../shared/api/ceremony-schemas';
import { ArtifactLocations, publishedVerifyCommand } from './artifact-locations';
import { importBundleFile, reportForWindow, writeBundleToFolder } from './bundle-files';
import { CeremonyIndex } from './ceremony-index';
import { openerMakesImpossible, type CeremonySigner, type LoadedCeremony, type PublishResult } from './ceremony-service';
import { detailOf, type StoredSummary, type SummaryRecord } from './ceremony-views';
import { checkPublishedEnvelope } from '../audit/published-envelope';
import { CeremonyStore } from './event-store';
import { readPolicyFile } from './policy-file';
import { SettingsFile } from '../settings';
import { PolicyFolder } from '../policy-trust/policy-folder';
import { nodeDigester } from '../crypto/node-crypto';
import { htmlReport, jsonReport } from './report';

export type CeremonyCallName =
  | 'ceremonies.list'
  | 'ceremonies.get'
  | 'ceremonies.open'
  | 'operations.cancel'
  | 'ceremonies.freeze'
  | 'ceremonies.signingKeys'
  | 'policies.signingKeys'
  | 'ceremonies.approve'
  | 'ceremonies.reject'
  | 'ceremonies.withdraw'
  | 'ceremonies.cancel'
  | 'ceremonies.publish'
  | 'ceremonies.publishForecast'
  | 'ceremonies.verify'
  | 'ceremonies.export'
  | 'ceremonies.import'
  | 'history.search'
  | 'history.report'
  | 'policies.list'
  | 'policies.inspect'
  | 'policies.import'
  | 'policies.createDemo'
  | 'files.pick'
  | 'files.list'
  | 'settings.get'
  | 'settings.registries'
  | 'settings.setInsecureRegistries'
  | 'files.reveal';

export interface CeremonyHandlerOptions {
  dataDir: string;
  storeDir: string;
  tokens: TokenService;
  emit: EventSink;
  now?: () => Date;
}

/** Certificate approvers (issue 6) sign their decisions only: the other events carry no certificate to identify them by. */
const certificateApproversOnlyDecide = 'Certificate approvers approve and reject; opening, freezing, cancelling and publishing need a key the policy lists.';

export function createCeremonyHandlers(options: CeremonyHandlerOptions) {
  const now = options.now ?? (() => new Date());
  const store = new CeremonyStore(options.storeDir);
  /** The policies this machine trusts: a ceremony under any other takes no decisions here. */
  const policies = new PolicyFolder(options.dataDir);
  const reader = localCeremonyService({ dataDir: options.dataDir, storeDir: options.storeDir, now });
  const index = new CeremonyIndex(reader, join(options.dataDir, 'cache', 'ceremony-summaries.json'), now);
  const publishDir = join(options.dataDir, 'published');
  /** Where the artifacts opened on this machine are, for the verify command after publishing (issue 11). */
  const artifactLocations = new ArtifactLocations(options.dataDir);
  const exportDir = join(options.dataDir, 'exports');
  const operations = new Map<string, AbortController>();
  const settings = new SettingsFile(options.dataDir);
  /** Read when each call runs, so a change in Settings applies at once. */
  const registryOptions = async () => ({ insecureRegistries: (await settings.read()).insecureRegistries });
  let localKeyIds = new Set<string>();
  /** The scan of keys on attached tokens in progress, so lists wait for it rather than show a stale "waiting on me". */
  let localKeysScanned: Promise<void> = Promise.resolve();
  const indexed: Promise<unknown> = index.refresh();
  let lastRefresh = now().getTime();
  let refreshing = false;

  /**
   * Lists answer from the index at once; the store is re-scanned in the
   * background (at most every few seconds) for ceremonies other programs
   * changed (the CLI, a sync), and each change is pushed as ceremony.changed.
   * Scanning 10,000 ceremony folders on every keystroke in History would not be.
   */
  const currentIndex = async (force = false): Promise<void> => {
    await indexed;
    if (refreshing || (!force && now().getTime() - lastRefresh < 3000)) return;
    refreshing = true;
    lastRefresh = now().getTime();
    void index
      .refresh()
      .then((changedIds) => {
        for (const id of changedIds) {
          const record = index.record(id);
          if (record) options.emit('ceremony.changed', withWaiting(record));
        }
      })
      .catch(() => undefined)
      .finally(() => (refreshing = false));
  };

  /** The token service signs with the PIN this one call carried (its bytes, which dispatchCall overwrites when the call ends); nothing keeps it afterwards. */
  const signerWith = (pin: Uint8Array | null): CeremonySigner & { release(): Promise<void> } => {
    // The call's signatures share one login (an approval's statement and event: a PIN pad asks once), ended when the
    // call ends (withService); the token host also ends it when another login comes or after two minutes.
    let hold: LoginHold | undefined;
    return {
      release: async () => hold?.release(),
      // The PIN is used for a lookup only where the token shows its keys after login (a YubiHSM 2).
      keyId: async (keyUri) => (await options.tokens.resolveKey(keyUri, pin)).key.keyId,
      sign: async (keyUri, messages, rsaScheme) => (await options.tokens.signMany(keyUri, messages, pin, rsaScheme, (hold ??= options.tokens.holdLogin()))).signatures,
      certificate: async (keyUri) => (await options.tokens.resolveKey(keyUri, pin)).key.certificatePem,
      attestation: (keyUri) => options.tokens.attestation(keyUri),
      // A PIN pad (null) would ask a second time for the signature itself: only a typed PIN is checked ahead.
      unlock: async (keyUri) => {
        if (pin !== null) await options.tokens.login(keyUri, pin);
      },
    };
  };
  /** `signal`: the window's Cancel for this call (operations.cancel), which reaches its time-stamping requests. */
  const withService = async <T>(pin: Uint8Array | null, work: (service: ReturnType<typeof localCeremonyService>) => Promise<T>, signal?: AbortSignal): Promise<T> => {
    const signer = signerWith(pin);
    try {
      return await work(localCeremonyService({ dataDir: options.dataDir, storeDir: options.storeDir, signer, now, signal }));
    } finally {
      // No token is left logged in for this call once it has answered, however it ended.
      await signer.release();
    }
  };

  /** The keys of attached tokens, each with who it is by the policy and why it may not sign (`ineligible`) when it may not. */
  const signingKeysOf = async (policy: Policy, ineligible: (signer: { id: string; as: 'approver' | 'release manager' | 'certificate approver' }, keyId: string) => string | undefined, notInPolicy: string): Promise<SigningKey[]> => {
    const keys: SigningKey[] = [];
    for (const module of options.tokens.snapshotModules()) {
      for (const token of module.tokens) {
        let tokenKeys;
        try {
          tokenKeys = await options.tokens.listKeys(token.uri);
        } catch {
          continue; // removed since the snapshot
        }
        for (const key of tokenKeys) {
          // A key the policy does not list may be a certificate approver's (issue 6): named by the certificate next to it; approving checks the rest.
          const named = !eventSignerOf(policy, key.keyId) && key.certificatePem ? certificateApproversNamedBy(policy, fromPem('CERTIFICATE', key.certificatePem)) : [];
          const signer = eventSignerOf(policy, key.keyId) ?? (named.length === 1 ? { id: named[0]!, as: 'certificate approver' as const } : undefined);
          let reason = signer ? ineligible(signer, key.keyId) : notInPolicy;
          if (reason === undefined && token.pinStatus === 'locked') reason = 'The PIN of this token is locked.';
          keys.push({
            tokenUri: token.uri,
            tokenLabel: token.label,
            keyUri: key.uri,
            keyLabel: key.label,
            keyId: key.keyId,
            ...(signer ? { approverId: signer.id } : {}),
            eligible: reason === undefined,
            ...(reason ? { reason } : {}),
            loginRequired: token.loginRequired,
            protectedAuthenticationPath: token.protectedAuthenticationPath,
            touchLikely: /yubi/i.test(`${token.manufacturer} ${token.model}`),
            pinStatus: token.pinStatus,
          });
        }
      }
    }
    return keys.sort((a, b) => Number(b.eligible) - Number(a.eligible) || a.tokenLabel.localeCompare(b.tokenLabel));
  };

  const withWaiting = (record: SummaryRecord): CeremonySummary => ({ ...record.summary, waitingOnMe: record.pendingKeyIds.some((keyId) => localKeyIds.has(keyId)) });

  const previousRelease = async (loaded: LoadedCeremony): Promise<LoadedCeremony | undefined> => {
    await indexed;
    const candidates = index
      .records()
      .map((record) => record.summary)
      .filter((summary) => summary.release.name === loaded.view.release.name && summary.release.version !== loaded.view.release.version && summary.openedAt < loaded.view.openedAt)
      .sort((a, b) => Number(b.state === 'published') - Number(a.state === 'published') || b.openedAt.localeCompare(a.openedAt));
    for (const candidate of candidates) {
      try {
        return await reader.load(candidate.id);
      } catch {
        // Try the next one.
      }
    }
    return undefined;
  };

  /** After any change: refresh the summary, tell every window, and answer with the detail. */
  const changed = async (loaded: LoadedCeremony): Promise<CeremonyDetail> => {
    const record = (await index.update(loaded.view.id, loaded))!;
    const summary = withWaiting(record);
    options.emit('ceremony.changed', summary);
    return detailOf(loaded, record, store, summary.waitingOnMe, await previousRelease(loaded));
  };

  const policyFiles = async (): Promise<PolicySummary[]> => (await policies.list()).map(({ policy: _policy, ...summary }) => summary);

  const savePolicy = async (text: string, fileName?: string): Promise<void> => {
    await policies.trust(text, fileName);
    // Trust decides what counts: every summary under the policy is judged again.
    void currentIndex(true);
  };

  const handlers: Pick<ApiHandlers, CeremonyCallName> = {
    'ceremonies.list': async () => {
      await currentIndex();
      await localKeysScanned;
      return index.recordsNewestFirst().map(withWaiting);
    },

    'ceremonies.get': async ({ id }) => {
      const loaded = await reader.load(id);
      const record = (await index.update(id, loaded))!;
      return detailOf(loaded, record, store, withWaiting(record).waitingOnMe, await previousRelease(loaded));
    },

    'ceremonies.open': async (input) => {
      if (operations.has(input.operationId)) throw new ConclaveError('invalid-input', 'That operation is already running.');
      const controller = new AbortController();
      operations.set(input.operationId, controller);
      try {
        const loaded = await withService(input.pin, async (service) => service.open({
          policyPath: input.policyPath,
          release: input.release,
          artifactPaths: input.artifactPaths,
          // The window's Cancel reaches the registry too: a registry that stalls does not hold the opening (issue 12).
          ...(input.images && input.images.length > 0 ? { imageReferences: input.images, registry: { ...(await registryOptions()), signal: controller.signal } } : {}),
          provenancePaths: input.provenancePaths,
          ...(input.sbomPath ? { sbomPath: input.sbomPath } : {}),
          sha512: input.sha512 ?? false,
          openerKeyUri: input.keyUri,
          signal: controller.signal,
          onProgress: (progress) => options.emit('operation.progress', { operationId: input.operationId, ...progress }),
        }));
        return await changed(loaded);
      } finally {
        operations.delete(input.operationId);
      }
    },

    'operations.cancel': async ({ operationId }) => {
      const controller = operations.get(operationId);
      controller?.abort();
      return { cancelled: controller !== undefined };
    },

    'ceremonies.freeze': async ({ id, overrideReason, keyUri, pin }) =>
      changed(await withService(pin, (service) => service.freeze(id, { keyUri, ...(overrideReason ? { overrideReason } : {}) }))),

    'ceremonies.signingKeys': async ({ id, purpose }) => {
      const { view, policy, certificateSigners } = await reader.load(id);
      const decided = new Map([...view.approvals, ...view.rejections].map((event) => [policy.keys.find((key) => key.keyId === event.keyId)?.approverId ?? certificateSigners.get(event.keyId), event.type]));
      const finished = view.state === 'published' || view.state === 'cancelled';
      // Withdrawing: only a key whose approval counts now may take it back, while the judged state allows it.
      const approvedWith = new Set(view.approvals.map((approval) => approval.keyId));
      return signingKeysOf(policy, (signer, keyId) => {
        if (purpose === 'withdraw') {
          if (signer.as === 'release manager') return `${signer.id} is a release manager, not an approver.`;
          if (!view.actions.includes('withdraw')) return `The ceremony is ${view.state}: an approval can no longer be withdrawn.`;
          return approvedWith.has(keyId) ? undefined : `This key has no approval in this ceremony to withdraw.`;
        }
        if (purpose === 'manage') return finished ? `The ceremony is ${view.state}.` : signer.as === 'certificate approver' ? certificateApproversOnlyDecide : undefined;
        if (signer.as === 'release manager') return `${signer.id} is a release manager, not an approver.`;
        if (decided.has(signer.id)) return `${signer.id} already ${decided.get(signer.id)}.`;
        if (signer.id === view.openedBy && !policy.separationOfDuties.openerMayApprove) return `${signer.id} opened this ceremony, and the policy does not let the opener approve.`;
        if (!view.actions.includes('approve') && !view.actions.includes('reject')) return view.policyTrusted === false ? "This machine does not trust this ceremony's policy." : `The ceremony is ${view.state}.`;
        return undefined;
      }, "This key is not in this ceremony's policy.");
    },

    'policies.signingKeys': async ({ policyPath }) => {
      const policy = await readPolicyFile(policyPath);
      return signingKeysOf(policy, (signer) => (signer.as === 'certificate approver' ? certificateApproversOnlyDecide : openerMakesImpossible(policy, signer.id)), 'This key is not in this policy.');
    },

    'ceremonies.approve': async ({ id, operationId, keyUri, pin, statementDigest }) => {
      if (operationId && operations.has(operationId)) throw new ConclaveError('invalid-input', 'That operation is already running.');
      // The window's Cancel reaches the approval's request to the time-stamping authority (issue 12): an approval
      // cancelled before it is written is not written, and the ceremony stays as it was.
      const controller = new AbortController();
      if (operationId) operations.set(operationId, controller);
      try {
        return await changed(await withService(pin, (service) => service.approve(id, keyUri, { statementDigest }), controller.signal));
      } finally {
        if (operationId) operations.delete(operationId);
      }
    },
    'ceremonies.reject': async ({ id, keyUri, pin, reason, statementDigest }) => changed(await withService(pin, (service) => service.reject(id, keyUri, reason, { statementDigest }))),
    'ceremonies.withdraw': async ({ id, keyUri, pin, reason, statementDigest }) => changed(await withService(pin, (service) => service.withdraw(id, keyUri, reason, { statementDigest }))),
    'ceremonies.cancel': async ({ id, reason, keyUri, pin }) => changed(await withService(pin, (service) => service.cancel(id, { keyUri, ...(reason ? { reason } : {}) }))),

    'ceremonies.publish': async ({ id, operationId, outDir, keyUri, pin }) => {
      if (operationId && operations.has(operationId)) throw new ConclaveError('invalid-input', 'That operation is already running.');
      const loaded = await reader.load(id);
      const directory = outDir ?? join(publishDir, `${loaded.view.release.name}-${loaded.view.release.version}`.replace(/[^A-Za-z0-9._@+-]+/g, '_'));
      const hasImages = loaded.view.artifacts.some((artifact) => artifact.reference !== undefined);
      // The window's Cancel reaches every registry request of the publication (issue 12); the files already written stay.
      const controller = new AbortController();
      if (operationId) operations.set(operationId, controller);
      let result: PublishResult;
      try {
        const registry = hasImages ? { registry: { ...(await registryOptions()), signal: controller.signal } } : {};
        result = await withService(pin, (service) => service.publish(id, directory, keyUri, registry));
      } finally {
        if (operationId) operations.delete(operationId);
      }
      await changed(await reader.load(id));
      // Files are checked against the envelope file; images (issue 6) against what is attached to them in their registry.
      // Every path absolute, so the command runs as copied from any folder (issue 11); a file opened elsewhere, or moved
      // since, has no known path here and gets a placeholder the window points out.
      const { command, unlocated } = await publishedVerifyCommand(artifactLocations, id, result.artifacts, result);
      return {
        directory: result.directory,
        envelopePath: result.envelopePath,
        bundlePaths: result.bundlePaths,
        summaryPath: result.summaryPath,
        verificationSummary: result.verificationSummary,
        verified: formatReport(result.report).split('\n')[0]!,
        verifyCommand: command,
        ...(unlocated.length > 0 ? { unlocatedArtifacts: unlocated } : {}),
        ...(result.registry.length > 0 ? { registry: result.registry.map(({ image, artifactDigest, via, alreadyPresent }) => ({ image, artifactDigest, via, alreadyPresent })) } : {}),
      };
    },

    // Reads a key's public half at most (no PIN, nothing signed): the publisher Kyverno's VSA attestor would check.
    'ceremonies.publishForecast': async ({ id, keyUri }) => (keyUri === undefined ? reader.forecastPublish(id) : withService(null, (service) => service.forecastPublish(id, keyUri))),

    'ceremonies.verify': async ({ id }) => {
      // Loading checks every event's signature against the ceremony's own policy again.
      const loaded = await reader.load(id);
      const { view, policy } = loaded;
      const lines: string[] = [];
      let ok = view.problems.length === 0;
      for (const problem of view.problems) lines.push(`problem: ${problem}`);
      lines.push(`${view.approvals.length + view.rejections.length} signed decision(s) checked against ${describePolicy(policy)}.`);
      // The same rebuild and check the audit runs, as of publishing when the ceremony was published.
      const check = view.approvals.length > 0 ? await checkPublishedEnvelope(loaded, view.published ? new Date(view.published.at) : undefined) : undefined;
      if (check) {
        if (view.state === 'approved' || view.state === 'published') ok = ok && check.report.ok;
        lines.push(...formatReport(check.report).split('\n'));
        if (view.published) {
          ok = ok && check.sameAsPublished;
          lines.push(check.sameAsPublished ? 'The published envelope is exactly the one these approvals make.' : 'The published envelope differs from the one these approvals make: an approval was added or removed after publishing.');
        }
      }
      lines.unshift(ok ? `verified: ceremony ${id} is ${view.state}` : `NOT verified: ceremony ${id} has problems`);
      return { ok, lines, checkedAt: now().toISOString() };
    },

    'ceremonies.export': async ({ id, dir }) => {
      const written = await writeBundleToFolder(reader, id, dir, exportDir);
      const { summary } = written.bundle;
      return {
        path: written.path,
        fileName: written.fileName,
        eventCount: written.bundle.events.length,
        evidenceCount: written.bundle.evidence.length,
        state: CeremonyStateSchema.parse(summary.state),
        ...(summary.tally ? { tally: summary.tally } : {}),
        leftOut: written.leftOut,
      };
    },

    'ceremonies.import': async ({ path }) => {
      const report = await importBundleFile(reader, path);
      // The ceremony as it now stands goes to every window, as after any other change.
      if (report.view && report.added.length > 0) {
        try {
          await changed(await reader.load(report.ceremonyId));
        } catch {
          // The report already says what could not be loaded (its notes).
        }
      }
      return reportForWindow(report);
    },

    'history.search': async ({ text, states, from, to, offset, limit }) => {
      await currentIndex();
      const needle = text?.trim().toLowerCase();
      const upTo = to ? endOfDay(to) : undefined;
      const wanted = (record: SummaryRecord) =>
        (!states || states.length === 0 || states.includes(record.summary.state)) &&
        (!from || record.summary.openedAt >= from) &&
        (!upTo || record.summary.openedAt <= upTo) &&
        (!needle || matchesText(record.summary, needle));
      // Filter the records, and make the window's summaries only for the page it asked for.
      const matches = index.recordsNewestFirst().filter(wanted);
      return { total: matches.length, items: matches.slice(offset, offset + limit).map(withWaiting) };
    },

    'history.report': async ({ ids, from, to, format }) => {
      await currentIndex();
      const chosen = index
        .records()
        .map(withWaiting)
        .filter((summary) => (ids ? ids.includes(summary.id) : true))
        .filter((summary) => !from || summary.openedAt >= from)
        .filter((summary) => !to || summary.openedAt <= endOfDay(to))
        .sort((a, b) => a.openedAt.localeCompare(b.openedAt));
      // One ceremony gets its whole timeline; a range gets the summaries.
      const details = chosen.length === 1 ? [await handlers['ceremonies.get']({ id: chosen[0]!.id })] : [];
      const generatedAt = now().toISOString();
      const stem = chosen.length === 1 ? `conclave-${chosen[0]!.id}` : `conclave-history-${from ?? 'start'}-${to ?? generatedAt.slice(0, 10)}`;
      return format === 'json'
        ? { fileName: `${stem}.json`, mediaType: 'application/json', content: jsonReport(chosen, details, generatedAt) }
        : { fileName: `${stem}.html`, mediaType: 'text/html', content: htmlReport(chosen, details, generatedAt) };
    },

    'policies.list': async () => policyFiles(),
    'policies.inspect': async ({ path }) => {
      // Read and validated as trusting would, but nothing is written.
      const policy = await readPolicyFile(path);
      const trusted = await policies.trustedDigests();
      return {
        digest: policy.digest,
        ...(policy.name ? { name: policy.name } : {}),
        description: describePolicy(policy),
        threshold: policy.threshold,
        approvers: policy.people.map((person) => ({ id: person.id, ...(person.role ? { role: person.role } : {}) })),
        trusted: trusted.has(policy.digest),
      };
    },
    'policies.import': async ({ path, digest }) => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        throw new ConclaveError('invalid-input', `Conclave cannot read ${path}.`);
      }
      // The person confirmed one digest: a file that changed since then is not trusted in its place.
      if (digest !== undefined) {
        const policy = await loadPolicyText(text, nodeDigester, path);
        if (policy.digest !== digest) {
          throw new ConclaveError('conflict', `Nothing was trusted: ${path} now holds another policy (sha256:${policy.digest.slice(0, 16)}…) than the one you were shown (sha256:${digest.slice(0, 16)}…). Look at it again.`);
        }
      }
      await savePolicy(text, path);
      return policyFiles();
    },
    'policies.createDemo': async () => {
      const demo = options.tokens.snapshotModules().find((module) => module.id === demoModuleId);
      if (!demo || demo.tokens.length < demoTokenLabels.length) throw new ConclaveError('invalid-input', 'Create the demo tokens first (Tokens screen), then the demo policy can name their keys.');
      const approvers = [];
      for (const [index, label] of demoTokenLabels.entries()) {
        const token = demo.tokens.find((candidate) => candidate.label === label);
        const key = token ? (await options.tokens.listKeys(token.uri)).find((candidate) => candidate.label === demoKeyLabel) : undefined;
        if (!key) throw new ConclaveError('invalid-input', `Demo token ${label} has no ${demoKeyLabel} key; create the demo tokens again.`);
        approvers.push({ id: label, role: index === 0 ? 'security' : 'engineering', publicKey: key.publicKeyPem });
      }
      await savePolicy(JSON.stringify({ version: 1, name: 'demo', threshold: 2, approvers, roles: { security: 1 } }, null, 2));
      return policyFiles();
    },

    'files.pick': async () => null,
    'files.list': async ({ dir }) => {
      const folder = resolve(dir ?? homedir());
      if (!isAbsolute(folder)) throw new ConclaveError('invalid-input', 'Give a full path.');
      let names: string[];
      try {
        names = await readdir(folder);
      } catch {
        throw new ConclaveError('invalid-input', `Conclave cannot open the folder ${folder}.`);
      }
      const entries = [];
      for (const name of names.filter((candidate) => !candidate.startsWith('.')).slice(0, 5000)) {
        try {
          const info = await stat(join(folder, name));
          if (info.isDirectory()) entries.push({ name, kind: 'folder' as const });
          else if (info.isFile()) entries.push({ name, kind: 'file' as const, size: info.size });
        } catch {
          // Unreadable or vanished: not offered.
        }
      }
      entries.sort((a, b) => Number(b.kind === 'folder') - Number(a.kind === 'folder') || a.name.localeCompare(b.name));
      return { dir: folder, ...(dirname(folder) !== folder ? { parent: dirname(folder) } : {}), entries };
    },

    'settings.get': async () => ({ dataDir: options.dataDir, storeDir: options.storeDir, publishDir }),
    'settings.registries': async () => ({ insecureRegistries: (await settings.read()).insecureRegistries }),
    'settings.setInsecureRegistries': async ({ hosts }) => {
      const insecureRegistries = [...new Set(hosts.map((host) => host.toLowerCase()))];
      await settings.write({ ...(await settings.read()), insecureRegistries });
      return { insecureRegistries };
    },
    'files.reveal': async () => ({ shown: false }),
  };

  return {
    handlers,
    /** Which ceremonies wait on the tokens attached here: called when tokens come and go. */
    refreshLocalKeys(): Promise<void> {
      localKeysScanned = scanLocalKeys();
      return localKeysScanned;
    },
    /** A new operation id, for callers other than the window (tests). */
    newOperationId: () => randomBytes(12).toString('hex'),
    flushed: () => index.flushed(),
    /** Re-reads the store now (after a sync brought files) and pushes ceremony.changed for each ceremony that changed. */
    async refreshIndex(): Promise<void> {
      await indexed;
      lastRefresh = now().getTime();
      for (const id of await index.refresh()) {
        const record = index.record(id);
        if (record) options.emit('ceremony.changed', withWaiting(record));
      }
    },
    hasStore: () => existsSync(options.storeDir),
  };

  async function scanLocalKeys(): Promise<void> {
    const keyIds = new Set<string>();
    for (const module of options.tokens.snapshotModules()) {
      for (const token of module.tokens) {
        try {
          for (const key of await options.tokens.listKeys(token.uri)) keyIds.add(key.keyId);
        } catch {
          // A token pulled out while listing: it has no keys here any more.
        }
      }
    }
    const before = localKeyIds;
    localKeyIds = keyIds;
    if (before.size === keyIds.size && [...keyIds].every((keyId) => before.has(keyId))) return;
    await indexed;
    for (const record of index.records()) if (record.pendingKeyIds.length > 0) options.emit('ceremony.changed', withWaiting(record));
  }
}

function matchesText(summary: StoredSummary, needle: string): boolean {
  return (
    summary.id.includes(needle) ||
    summary.release.name.toLowerCase().includes(needle) ||
    summary.release.version.toLowerCase().includes(needle) ||
    `${summary.release.name}@${summary.release.version}`.toLowerCase().includes(needle) ||
    summary.openedBy.toLowerCase().includes(needle) ||
    summary.approvedBy.some((id) => id.toLowerCase().includes(needle)) ||
    summary.rejectedBy.some((id) => id.toLowerCase().includes(needle)) ||
    summary.artifacts.some((artifact) => artifact.name.toLowerCase().includes(needle) || (needle.length >= 6 && artifact.sha256.startsWith(needle.replace(/^sha256:/, ''))))
  );
}

/** A date without a time means the whole of that day. */
function endOfDay(to: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(to) ? `${to}T23:59:59.999Z` : to;
}

