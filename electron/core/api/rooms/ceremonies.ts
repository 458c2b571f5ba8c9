/**
 * The ceremonies room: list, review, open, sign, publish, verify, export and
 * import. Every call arrives already validated by the contract; changes go
 * through the catalog, which tells every window.
 */
import { join } from 'node:path';
import { CeremonyStateSchema } from '../../../../shared/api/ceremony-schemas';
import { formatReport } from '../../../../shared/verify/format';
import { publishedVerifyCommand, type ArtifactLocations } from '../../ceremony/artifact-locations';
import { importBundleFile, reportForWindow, writeBundleToFolder } from '../../ceremony/bundle-files';
import { verifyCeremony } from '../../ceremony/ceremony-verification';
import type { PublishResult } from '../../ceremony/ceremony-service';
import type { SettingsService } from '../../settings';
import type { TokenService } from '../../tokens/token-service';
import type { EventSink, RoomHandlers } from '../handlers';
import type { CeremonyCatalog } from '../services/ceremony-catalog';
import type { CeremonyWriter } from '../services/ceremony-writer';
import type { LocalKeys } from '../services/local-keys';
import type { Operations } from '../services/operations';
import { certificateApproversOnlyDecide, signingKeysOf } from '../services/signing-keys';

export interface CeremoniesRoomOptions {
  catalog: CeremonyCatalog;
  writer: CeremonyWriter;
  operations: Operations;
  localKeys: LocalKeys;
  tokens: TokenService;
  settings: SettingsService;
  /** Where the artifacts opened on this machine are, for the verify command after publishing (issue 11). */
  artifactLocations: ArtifactLocations;
  publishDir: string;
  exportDir: string;
  emit: EventSink;
  now: () => Date;
}

export function ceremoniesRoom(options: CeremoniesRoomOptions): RoomHandlers<'ceremonies'> {
  const { catalog, writer, operations } = options;
  const reader = catalog.reader;
  /** Read when each call runs, so a change in Settings applies at once. */
  const registryOptions = async () => ({ insecureRegistries: (await options.settings.read()).insecureRegistries });

  return {
    // One tab's page and every tab's count: what the Ceremonies screen shows, whatever the store holds (issue 15).
    'ceremonies.page': async ({ tab, cursor, limit }) => catalog.page({ tab, cursor, limit }),

    'ceremonies.get': async ({ id }) => catalog.detail(id),

    'ceremonies.open': async (input) =>
      operations.run(input.operationId, async (signal) => {
        const loaded = await writer.with(input.pin, async (service) =>
          service.open({
            policyPath: input.policyPath,
            release: input.release,
            artifactPaths: input.artifactPaths,
            // The window's Cancel reaches the registry too: a registry that stalls does not hold the opening (issue 12).
            ...(input.images && input.images.length > 0 ? { imageReferences: input.images, registry: { ...(await registryOptions()), signal } } : {}),
            provenancePaths: input.provenancePaths,
            ...(input.sbomPath ? { sbomPath: input.sbomPath } : {}),
            sha512: input.sha512 ?? false,
            openerKeyUri: input.keyUri,
            signal,
            onProgress: (progress) => options.emit('operation.progress', { operationId: input.operationId, ...progress }),
          }),
        );
        return catalog.changed(loaded);
      }),

    'ceremonies.freeze': async ({ id, overrideReason, keyUri, pin }) =>
      catalog.changed(await writer.with(pin, (service) => service.freeze(id, { keyUri, ...(overrideReason ? { overrideReason } : {}) }))),

    'ceremonies.signingKeys': async ({ id, purpose }) => {
      const { view, policy, certificateSigners } = await reader.load(id);
      const decided = new Map([...view.approvals, ...view.rejections].map((event) => [policy.keys.find((key) => key.keyId === event.keyId)?.approverId ?? certificateSigners.get(event.keyId), event.type]));
      const finished = view.state === 'published' || view.state === 'cancelled';
      // Withdrawing: only a key whose approval counts now may take it back, while the judged state allows it.
      const approvedWith = new Set(view.approvals.map((approval) => approval.keyId));
      return signingKeysOf(options.tokens, policy, (signer, keyId) => {
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

    // The window's Cancel reaches the approval's request to the time-stamping authority (issue 12): an approval
    // cancelled before it is written is not written, and the ceremony stays as it was.
    'ceremonies.approve': async ({ id, operationId, keyUri, pin, statementDigest }) =>
      // The registry settings reach the approval's Notary step (issue 14): a plain-HTTP registry the person configured is read too.
      operations.run(operationId, async (signal) => {
        const registry = { ...(await registryOptions()), signal };
        return catalog.changed(await writer.with(pin, (service) => service.approve(id, keyUri, { statementDigest, registry }), signal));
      }),
    'ceremonies.reject': async ({ id, keyUri, pin, reason, statementDigest }) => catalog.changed(await writer.with(pin, (service) => service.reject(id, keyUri, reason, { statementDigest }))),
    'ceremonies.withdraw': async ({ id, keyUri, pin, reason, statementDigest }) => catalog.changed(await writer.with(pin, (service) => service.withdraw(id, keyUri, reason, { statementDigest }))),
    'ceremonies.cancel': async ({ id, reason, keyUri, pin }) => catalog.changed(await writer.with(pin, (service) => service.cancel(id, { keyUri, ...(reason ? { reason } : {}) }))),

    'ceremonies.publish': async ({ id, operationId, outDir, keyUri, pin }) => {
      const loaded = await reader.load(id);
      const directory = outDir ?? join(options.publishDir, `${loaded.view.release.name}-${loaded.view.release.version}`.replace(/[^A-Za-z0-9._@+-]+/g, '_'));
      const hasImages = loaded.view.artifacts.some((artifact) => artifact.reference !== undefined);
      // The window's Cancel reaches every registry request of the publication (issue 12); the files already written stay.
      const result: PublishResult = await operations.run(operationId, async (signal) => {
        const registry = hasImages ? { registry: { ...(await registryOptions()), signal } } : {};
        return writer.with(pin, (service) => service.publish(id, directory, keyUri, registry));
      });
      await catalog.changed(await reader.load(id));
      // Files are checked against the envelope file; images (issue 6) against what is attached to them in their registry.
      // Every path absolute, so the command runs as copied from any folder (issue 11); a file opened elsewhere, or moved
      // since, has no known path here and gets a placeholder the window points out.
      const { command, unlocated } = await publishedVerifyCommand(options.artifactLocations, id, result.artifacts, result);
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
    'ceremonies.publishForecast': async ({ id, keyUri }) => (keyUri === undefined ? reader.forecastPublish(id) : writer.with(null, (service) => service.forecastPublish(id, keyUri))),

    'ceremonies.verify': async ({ id }) => verifyCeremony(reader, id, options.now),

    'ceremonies.export': async ({ id, dir }) => {
      const written = await writeBundleToFolder(reader, id, dir, options.exportDir);
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
          await catalog.changed(await reader.load(report.ceremonyId));
        } catch {
          // The report already says what could not be loaded (its notes).
        }
      }
      return reportForWindow(report);
    },
  };
}
