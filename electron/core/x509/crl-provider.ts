/**
 * Where the CRLs of a policy's certificate approvers come from (issue 6): the
 * URLs the policy lists, fetched with load-crl.ts and kept for a while, or
 * files the person gives for an offline check (`conclave verify --crl FILE`).
 *
 * Nothing here decides anything: a CRL that could not be fetched is reported
 * as a problem, and chain validation then refuses the certificate with
 * certificate-crl-missing (or certificate-crl-stale for one past its
 * nextUpdate), with the problem in its message.
 */
import type { Policy } from '../../../shared/policy/policy';
import { loadCrl, type LoadCrlOptions, type LoadedCrl } from './load-crl';

export interface CrlSet {
  /** DER CRLs. Not yet trusted: chain validation checks each one's signature and freshness. */
  crls: Uint8Array[];
  /** Why a CRL could not be had, one sentence each. */
  problems: string[];
}

export interface CrlProvider {
  /**
   * `signal`: the caller stops waiting when it aborts (the window's Cancel, a command's deadline), rejecting with its
   * reason; a fetch other callers share goes on in the background, within its own timeout.
   */
  crlsFor(urls: readonly string[], signal?: AbortSignal): Promise<CrlSet>;
}

/** `work`, or the signal's reason as soon as it aborts (the work itself is left to finish for whoever else waits). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** Every CRL URL of the policy's certificate approvers, each once. */
export function policyCrlUrls(policy: Policy): string[] {
  return [...new Set(policy.certificateApprovers.flatMap((approver) => approver.crls))];
}

export interface FetchingCrlProviderOptions extends LoadCrlOptions {
  /**
   * How long a fetched CRL is reused before it is fetched again (never past its nextUpdate). Default 10 minutes:
   * a ceremony is loaded often, and a CA's CRL changes daily at most; approving fetches through the same cache.
   */
  reuseMs?: number;
  /** How long a failed fetch is remembered before it is tried again. Default 1 minute, so an offline machine is not slowed by retries. */
  retryMs?: number;
  /** The clock for the cache (not for CRL freshness, which chain validation judges). */
  clock?: () => number;
  load?: typeof loadCrl;
}

/** Fetches the policy's CRL URLs, and keeps what it fetched (and what failed) for a while. */
export function fetchingCrlProvider(options: FetchingCrlProviderOptions = {}): CrlProvider {
  const reuseMs = options.reuseMs ?? 10 * 60_000;
  const retryMs = options.retryMs ?? 60_000;
  const clock = options.clock ?? Date.now;
  const load = options.load ?? loadCrl;
  const cache = new Map<string, { until: number; outcome: Promise<LoadedCrl | { problem: string }> }>();
  /** The last CRL each URL gave: used when fetching it again fails (offline), as long as chain validation finds it current. */
  const lastGood = new Map<string, LoadedCrl>();
  const fetchOne = (url: string) => {
    const cached = cache.get(url);
    if (cached && cached.until > clock()) return cached.outcome;
    const entry = { until: Number.POSITIVE_INFINITY, outcome: Promise.resolve<LoadedCrl | { problem: string }>({ problem: '' }) };
    entry.outcome = load({ url }, options).then(
      (loaded) => {
        const nextUpdate = loaded.crl.nextUpdate?.getTime() ?? 0;
        entry.until = Math.min(clock() + reuseMs, Math.max(nextUpdate, clock()));
        lastGood.set(url, loaded);
        return loaded;
      },
      (error: unknown) => {
        entry.until = clock() + retryMs;
        return lastGood.get(url) ?? { problem: error instanceof Error ? error.message : String(error) };
      },
    );
    cache.set(url, entry);
    return entry.outcome;
  };
  return {
    async crlsFor(urls, signal) {
      const outcomes = await untilAborted(Promise.all(urls.map(fetchOne)), signal);
      const set: CrlSet = { crls: [], problems: [] };
      for (const outcome of outcomes) {
        if ('problem' in outcome) set.problems.push(outcome.problem);
        else set.crls.push(outcome.der);
      }
      return set;
    },
  };
}

/** CRL files given by the person checking, used instead of the policy's URLs (offline). Read once, when first asked. */
export function fileCrlProvider(paths: readonly string[]): CrlProvider {
  let loaded: Promise<CrlSet> | undefined;
  return {
    crlsFor() {
      loaded ??= Promise.all(paths.map((file) => loadCrl({ file }))).then((crls) => ({ crls: crls.map((crl) => crl.der), problems: [] }));
      return loaded;
    },
  };
}

/** One provider per process for the app: every ceremony loaded shares what was fetched. */
export const sharedCrlProvider: CrlProvider = fetchingCrlProvider();
