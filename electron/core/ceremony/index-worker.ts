/**
 * An index thread (index-threads.ts): reads and judges the ceremonies it is
 * sent, a batch at a time, with its own ceremony engine over the same store
 * and trust, and posts back each one's summary record. Verifying signatures,
 * time stamps and certificate chains is most of building the index, and this
 * puts it on another core than the window's.
 *
 * The same thread checks a sync's arrivals when it is sent those instead
 * (repository/arrival-threads.ts), with a full engine: one that believes no
 * note of signatures checked before.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CheckedSignatures, checkedSignatureLog } from '../crypto/checked-signatures';
import { PolicyFolder } from '../policy-trust/policy-folder';
import { TrustPerBatch } from '../policy-trust/trust-per-batch';
import { judgeBatchForIndex } from './index-judging';
import type { IndexThreadRequest, IndexThreadSetup, IndexThreadAnswer } from './index-threads';
import { localCeremonyService } from './local-service';
import type { CeremonyService } from './ceremony-service';
import type { ArrivalThreadAnswer, ArrivalThreadRequest } from '../repository/arrival-threads';
import { checkCeremoniesHere } from '../repository/ceremony-arrivals';

const port = parentPort;
const setup = workerData as IndexThreadSetup;
// The window's clock, as its core reads it (a test's or a demo's clock may differ from this machine's).
// Its reads block (this thread has nothing else to answer meanwhile), and it keeps no verdicts (each ceremony comes once).
// Signatures already checked (checked-signatures.ts) come in the index's table, shared by every thread.
const checked = setup.checkedSignatures ? CheckedSignatures.fromShared(setup.checkedSignatures) : CheckedSignatures.none();
const trust = new TrustPerBatch(new PolicyFolder(setup.dataDir));
const service = localCeremonyService({ dataDir: setup.dataDir, storeDir: setup.storeDir, now: () => new Date(Date.now() + setup.clockOffsetMs), indexThread: { checked, trust } });
const log = checkedSignatureLog(setup.dataDir);
/** Made when arrivals first come: an index thread never needs it. */
let arrivalsEngine: CeremonyService | undefined;

port?.on('message', (request: IndexThreadRequest | ArrivalThreadRequest) => {
  void (async () => {
    if ('arrivals' in request) {
      // An index thread's engine (reads that block, trust read once per batch, no verdicts kept) that believes no note.
      arrivalsEngine ??= localCeremonyService({ dataDir: setup.dataDir, storeDir: setup.storeDir, now: () => new Date(Date.now() + setup.clockOffsetMs), indexThread: { checked: CheckedSignatures.none(), trust } });
      await trust.read();
      const checked = await checkCeremoniesHere(arrivalsEngine, request.arrivals);
      log.flush();
      port.postMessage({ batch: request.batch, checked } satisfies ArrivalThreadAnswer);
      return;
    }
    await trust.read();
    const judged = await judgeBatchForIndex(service, request.ids);
    // Noted before the answer: the thread may be ended as soon as the last one is taken in.
    log.flush();
    port.postMessage({ batch: request.batch, judged } satisfies IndexThreadAnswer);
  })();
});
