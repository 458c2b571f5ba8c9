/**
 * The pre-flight room (issue 16): what would happen before it happens. An
 * opening's evidence judged against its policy before the ceremony exists,
 * and a signing key checked before its PIN is asked for; nothing is signed
 * or written here.
 */
import { preflightOpening } from '../../ceremony/preflight';
import { preflightSigning } from '../../ceremony/preflight-signing';
import type { SettingsService } from '../../settings';
import type { TokenService } from '../../tokens/token-service';
import type { EventSink, RoomHandlers } from '../handlers';
import type { CeremonyCatalog } from '../services/ceremony-catalog';
import type { Operations } from '../services/operations';

export interface PreflightRoomOptions {
  catalog: CeremonyCatalog;
  operations: Operations;
  settings: SettingsService;
  tokens: TokenService;
  emit: EventSink;
}

export function preflightRoom(options: PreflightRoomOptions): RoomHandlers<'preflight'> {
  const { catalog, operations } = options;
  return {
    // The catalog's reader: the same policy trust and evidence code as an opening, with a signer that cannot sign.
    'preflight.opening': async (input) =>
      operations.run(input.operationId, async (signal) => {
        const registry = input.images && input.images.length > 0 ? { imageReferences: input.images, registry: { insecureRegistries: (await options.settings.read()).insecureRegistries, signal } } : {};
        const operationId = input.operationId;
        return preflightOpening(catalog.reader, {
          policyPath: input.policyPath,
          release: input.release,
          artifactPaths: input.artifactPaths,
          ...registry,
          provenancePaths: input.provenancePaths,
          ...(input.sbomPath ? { sbomPath: input.sbomPath } : {}),
          sha512: input.sha512 ?? false,
          signal,
          ...(operationId ? { onProgress: (progress) => options.emit('operation.progress', { operationId, ...progress }) } : {}),
        });
      }),

    // The ceremony as judged now, and the token as attached now: nothing logs in, nothing is signed.
    'preflight.signing': async ({ id, keyUri, approverId }) => {
      const { view, policy } = await catalog.reader.load(id);
      return preflightSigning(options.tokens, { keyUri, policy, view, ...(approverId !== undefined ? { approverId } : {}) });
    },
  };
}
