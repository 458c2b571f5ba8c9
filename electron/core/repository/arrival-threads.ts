/**
 * A sync's arrivals checked on threads of their own, one per core (issue 15).
 * A first sync brings a team's whole store: at 10,000 ceremonies, checking
 * every file it brought kept one core busy for about 20 s while the other
 * sat idle. Each thread (the index's worker, index-worker.ts) checks with a
 * full ceremony engine of its own: it believes no note of signatures checked
 * before, and notes those it finds valid, as this thread's engine does.
 *
 * A few ceremonies are checked here: starting a thread and its engine costs
 * more than they take.
 */
import type { CeremonyService } from '../ceremony/ceremony-service';
import { defaultThreadCount, indexWorkerEntry, type IndexThreadSetup } from '../ceremony/index-threads';
import { runBatchesOnThread, type ThreadEntry } from '../threads/batches-on-thread';
import { checkCeremoniesHere, checkCeremony, type ArrivedFiles, type CeremonyArrivals } from './ceremony-arrivals';

/** Where a checking thread finds the data folder (trusted policies, the note of checked signatures), and its clock. */
export interface ArrivalThreads {
  dataDir: string;
  /** The engine's clock, when it is not this machine's (a test's). */
  now?: () => Date;
  /** How many threads; by default one per core, at most four. */
  count?: number;
  /** The worker to start (the index's, built or as source); tests give one that fails. */
  entry?: ThreadEntry;
}

export interface ArrivalThreadRequest {
  batch: number;
  arrivals: ArrivedFiles[];
}
export interface ArrivalThreadAnswer {
  batch: number;
  checked: CeremonyArrivals[];
}

/** Fewer ceremonies than this are checked here: a thread takes about a tenth of a second to start its engine. */
const threadsFrom = 64;
/** Ceremonies sent to a thread at once: a few hundred milliseconds of checks, so that messages cost little. */
const batchSize = 32;
/** A batch that takes a thread this long means it is stuck: it is ended and its ceremonies checked here. */
const answerWithinMs = 60_000;

/** Checks each ceremony's arrived files, answering in the order given. */
export async function checkCeremonies(service: CeremonyService, ceremonies: readonly ArrivedFiles[], threads?: ArrivalThreads): Promise<CeremonyArrivals[]> {
  const entry = threads && ceremonies.length >= threadsFrom ? (threads.entry ?? indexWorkerEntry()) : undefined;
  if (!threads || !entry) return checkCeremoniesHere(service, ceremonies);
  const checked: CeremonyArrivals[] = [];
  const queue = ceremonies.map((arrived, at) => ({ arrived, at }));
  const setup: IndexThreadSetup = { dataDir: threads.dataDir, storeDir: service.store.root, clockOffsetMs: threads.now ? threads.now().getTime() - Date.now() : 0 };
  const checkHere = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) checked[item.at] = await checkCeremony(service, ...item.arrived);
  };
  const runThread = async () => {
    const finished = await runBatchesOnThread<(typeof queue)[number], ArrivalThreadAnswer>({
      entry,
      setup,
      name: 'conclave-arrivals',
      queue,
      batchSize: () => batchSize,
      request: (items): Omit<ArrivalThreadRequest, 'batch'> => ({ arrivals: items.map((item) => item.arrived) }),
      take: (answer, items) => answer.checked.forEach((ceremony, n) => (checked[items[n]!.at] = ceremony)),
      answerWithinMs,
    });
    // The thread could not start or failed: what it held and the rest are checked here.
    if (!finished) await checkHere();
  };
  await Promise.all(Array.from({ length: threads.count ?? defaultThreadCount() }, runThread));
  return checked;
}
