/**
 * The ceremony engine as this machine runs it: its store, and the policies
 * the person here trusts (policy-trust/policy-folder.ts). Every shell (the
 * window, the CLI's ceremony, sync, bundle and audit commands) makes its
 * engine here, so each judges a ceremony against the same trust, and each
 * remembers where the artifacts it opened are (artifact-locations.ts).
 */
import { PolicyFolder } from '../policy-trust/policy-folder';
import { sharedCrlProvider } from '../x509/crl-provider';
import { ArtifactLocations } from './artifact-locations';
import { CeremonyService, readOnlySigner, type CeremonySigner } from './ceremony-service';
import { CeremonyStore } from './event-store';

/**
 * @param options.indexThread for an index thread (index-worker.ts): its reads block (it answers nothing else meanwhile),
 *   and it keeps no verdicts (it judges each ceremony once).
 */
export function localCeremonyService(options: { dataDir: string; storeDir: string; signer?: CeremonySigner; now?: () => Date; signal?: AbortSignal | undefined; indexThread?: boolean }): CeremonyService {
  // The signal (a CLI command's deadline) stops time-stamping requests as well as the TSA's own deadline.
  const timestampOptions = options.signal ? { signal: options.signal } : {};
  const store = new CeremonyStore(options.storeDir, options.indexThread === true);
  return new CeremonyService(store, options.signer ?? readOnlySigner, options.now ?? (() => new Date()), timestampOptions, sharedCrlProvider, new PolicyFolder(options.dataDir, options.indexThread === true), new ArtifactLocations(options.dataDir), options.indexThread ? 0 : undefined);
}
