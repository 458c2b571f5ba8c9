/**
 * An index thread (index-threads.ts): reads and judges the ceremonies it is
 * sent, a batch at a time, with its own ceremony engine over the same store
 * and trust, and posts back each one's summary record. Verifying signatures,
 * time stamps and certificate chains is most of building the index, and this
 * puts it on another core than the window's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CheckedSignatures, checkedSignatureLog } from '../crypto/checked-signatures';
import { PolicyFolder } from '../policy-trust/policy-folder';
import { TrustPerBatch } from '../policy-trust/trust-per-batch';
import { judgeBatchForIndex } from './index-judging';
import type { IndexThreadRequest, IndexThreadSetup, IndexThreadAnswer } from './index-threads';
import { localCeremonyService } from './local-service';

const port = parentPort;
const setup = workerData as IndexThreadSetup;
// The window's clock, as its core reads it (a test's or a demo's clock may differ from this machine's).
// Its reads block (this thread has nothing else to answer meanwhile), and it keeps no verdicts (each ceremony comes once).
// Signatures already checked (checked-signatures.ts) come in the index's table, shared by every thread.
const checked = setup.checkedSignatures ? CheckedSignatures.fromShared(setup.checkedSignatures) : CheckedSignatures.none();
const trust = new TrustPerBatch(new PolicyFolder(setup.dataDir));
const service = localCeremonyService({ dataDir: setup.dataDir, storeDir: setup.storeDir, now: () => new Date(Date.now() + setup.clockOffsetMs), indexThread: { checked, trust } });
const log = checkedSignatureLog(setup.dataDir);

port?.on('message', (request: IndexThreadRequest) => {
  void (async () => {
    await trust.read();
    const judged = await judgeBatchForIndex(service, request.ids);
    // Noted before the answer: the thread may be ended as soon as the last one is taken in.
    log.flush();
    port.postMessage({ batch: request.batch, judged } satisfies IndexThreadAnswer);
  })();
});
