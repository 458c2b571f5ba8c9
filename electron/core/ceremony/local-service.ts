/**
 * The ceremony engine as this machine runs it: its store, and the policies
 * the person here trusts (policy-trust/policy-folder.ts). Every shell (the
 * window, the CLI's ceremony, sync, bundle and audit commands) makes its
 * engine here, so each judges a ceremony against the same trust, and each
 * remembers where the artifacts it opened are (artifact-locations.ts).
 */
import { checkedSignatureLog, rememberingVerifier, type CheckedSignatures } from '../crypto/checked-signatures';
import { nodeSignatureVerifier } from '../crypto/node-crypto';
import { PolicyFolder } from '../policy-trust/policy-folder';
import { sharedCrlProvider } from '../x509/crl-provider';
import { ArtifactLocations } from './artifact-locations';
import { CeremonyService, readOnlySigner, type CeremonySigner, type PolicyTrust } from './ceremony-service';
import { CeremonyStore } from './event-store';

/**
 * @param options.indexThread for an index thread (index-worker.ts): its reads block (it answers nothing else meanwhile),
 *   it keeps no verdicts (it judges each ceremony once), it takes signatures from `checked` as already checked, and
 *   it may read trust through `trust` (once per batch: trust-per-batch.ts).
 */
export function localCeremonyService(options: {
  dataDir: string;
  storeDir: string;
  signer?: CeremonySigner;
  now?: () => Date;
  signal?: AbortSignal | undefined;
  indexThread?: { checked: CheckedSignatures; trust?: PolicyTrust };
}): CeremonyService {
  // The signal (a CLI command's deadline) stops time-stamping requests as well as the TSA's own deadline.
  const timestampOptions = options.signal ? { signal: options.signal } : {};
  const indexThread = options.indexThread !== undefined;
  const store = new CeremonyStore(options.storeDir, indexThread);
  // Every engine notes the signatures it found valid; only an index thread believes the note (checked-signatures.ts).
  const signatureVerifier = rememberingVerifier(nodeSignatureVerifier, checkedSignatureLog(options.dataDir), options.indexThread?.checked);
  return new CeremonyService(store, options.signer ?? readOnlySigner, options.now ?? (() => new Date()), timestampOptions, sharedCrlProvider, options.indexThread?.trust ?? new PolicyFolder(options.dataDir), new ArtifactLocations(options.dataDir), {
    signatureVerifier,
    ...(indexThread ? { verdictsKept: 0 } : {}),
  });
}
