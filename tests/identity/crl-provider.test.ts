/**
 * Where certificate approvers' CRLs come from: the policy's URLs, fetched and
 * kept for a while (never past nextUpdate), the last good copy when a fetch
 * fails, and what went wrong when there is none; files given for an offline
 * check instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchingCrlProvider, fileCrlProvider } from '../../electron/core/x509/crl-provider';
import { CrlLoadError, type LoadedCrl, type CrlSource } from '../../electron/core/x509/load-crl';
import { crlFromBytes } from '../../shared/x509';
import { makeTestCa, type TestCa } from '../support/test-ca';

let ca: TestCa;
beforeAll(() => {
  ca = makeTestCa();
}, 120_000);
afterAll(() => ca?.cleanup());

describe('fetchingCrlProvider', () => {
  it('reuses a fetched CRL for a while, falls back to it when the CA cannot be reached, and says why when there is none', async () => {
    let time = 0;
    let online = true;
    const fetched: string[] = [];
    const load = async (source: CrlSource): Promise<LoadedCrl> => {
      const url = 'url' in source ? source.url : source.file;
      fetched.push(url);
      if (!online) throw new CrlLoadError('crl-fetch-failed', `The CRL at ${url} could not be fetched (offline).`);
      const crl = crlFromBytes(url.endsWith('root.crl') ? ca.crls.root : ca.crls.intermediate);
      return { der: crl.der, crl };
    };
    const provider = fetchingCrlProvider({ load, clock: () => time, reuseMs: 1000, retryMs: 100 });
    const urls = ['https://pki.example.com/root.crl', 'https://pki.example.com/issuing.crl'];

    const first = await provider.crlsFor(urls);
    expect(first).toEqual({ crls: [ca.crls.root, ca.crls.intermediate], problems: [] });
    await provider.crlsFor(urls);
    expect(fetched).toHaveLength(2);

    // Later, offline: the copies fetched before are used (chain validation still refuses one past its nextUpdate).
    time = 2000;
    online = false;
    expect(await provider.crlsFor(urls)).toEqual({ crls: [ca.crls.root, ca.crls.intermediate], problems: [] });
    expect(fetched).toHaveLength(4);

    // A URL never fetched: the reason, and no retry until retryMs has passed.
    const other = ['https://pki.example.com/other.crl'];
    expect(await provider.crlsFor(other)).toEqual({ crls: [], problems: ['The CRL at https://pki.example.com/other.crl could not be fetched (offline).'] });
    await provider.crlsFor(other);
    expect(fetched).toHaveLength(5);
    time = 2200;
    await provider.crlsFor(other);
    expect(fetched).toHaveLength(6);
  });

  it('stops waiting when the caller cancels, while the fetch others share goes on and serves them', async () => {
    let arrive: (() => void) | undefined;
    const load = async (): Promise<LoadedCrl> => {
      // A CA server that answers only when the test says so (as a slow one would).
      await new Promise<void>((resolve) => (arrive = resolve));
      const crl = crlFromBytes(ca.crls.root);
      return { der: crl.der, crl };
    };
    const provider = fetchingCrlProvider({ load });
    const urls = ['https://pki.example.com/root.crl'];
    const cancel = new AbortController();
    const cancelled = provider.crlsFor(urls, cancel.signal);
    const patient = provider.crlsFor(urls);
    cancel.abort(new Error('Cancelled by the person at the screen.'));
    await expect(cancelled).rejects.toThrow('Cancelled by the person at the screen.');
    // Already cancelled: refused at once, nothing waited for.
    await expect(provider.crlsFor(urls, cancel.signal)).rejects.toThrow('Cancelled by the person at the screen.');
    arrive!();
    expect(await patient).toEqual({ crls: [ca.crls.root], problems: [] });
  });

  it('reads CRL files given for an offline check, DER or PEM', async () => {
    const set = await fileCrlProvider([ca.crlPaths.root, ca.crlPaths.intermediate]).crlsFor(['https://ignored.example/x.crl']);
    expect(set).toEqual({ crls: [ca.crls.root, ca.crls.intermediate], problems: [] });
    await expect(fileCrlProvider(['/nonexistent/ca.crl']).crlsFor([])).rejects.toThrow(/could not be read \(there is no such file\)/);
  });
});
