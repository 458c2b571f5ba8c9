import { describe, expect, it } from 'vitest';
import { addPaths, fileNameOf, formatBytes, isAbsolutePath, joinPath, pathOfDroppedFile } from '../../renderer/src/components/files';
import { ineligibleReason, meterText, needsPin, publishedFiles, publishVerdict, signingKeyName, unlocatedArtifactsText } from '../../renderer/src/features/ceremony/format';
import { newOperationId, policyLabel, progressView } from '../../renderer/src/features/open-ceremony/format';
import { calls } from '../../shared/api/contract';
import { policy, progress, publishResult, signingKey } from './ceremony-fixtures';

describe('publish result', () => {
  it('leads with the verifier line and lists the envelope first, then the summary and each bundle', () => {
    const result = publishResult();
    expect(publishVerdict(result)).toBe('Verified: alice, bob (2 of 2 approvals)');
    expect(publishedFiles(result).map((file) => file.path)).toEqual([result.envelopePath, result.summaryPath, ...result.bundlePaths]);
    expect(publishedFiles(result)[0]?.label).toMatch(/Envelope/);
  });

  it('lists the publisher\'s verification summary last, when publishing wrote one', () => {
    const result = publishResult({ verificationSummary: { envelopePath: '/out/app-1.0.0.vsa.intoto.dsse.json', bundlePath: '/out/app-1.0.0.vsa.sigstore.json' } });
    const files = publishedFiles(result);
    expect(files.slice(-2)).toEqual([
      { label: expect.stringMatching(/^Verification summary/), path: '/out/app-1.0.0.vsa.intoto.dsse.json' },
      { label: 'Verification summary as a Sigstore bundle', path: '/out/app-1.0.0.vsa.sigstore.json' },
    ]);
  });

  it('says which placeholder to replace when the command cannot name an artifact by its path', () => {
    expect(unlocatedArtifactsText(publishResult())).toBeUndefined();
    expect(unlocatedArtifactsText(publishResult({ unlocatedArtifacts: ['app.tgz'] }))).toBe(
      'Conclave does not know where app.tgz is on this machine (it was opened elsewhere, or has moved since): in the command, replace <path of app.tgz> with its path.',
    );
    expect(unlocatedArtifactsText(publishResult({ unlocatedArtifacts: ['a.tgz', 'b.tgz', 'c.tgz'] }))).toMatch(/^Conclave does not know where a\.tgz, b\.tgz and c\.tgz are on this machine .*replace each <path of …> with the file's path\.$/);
  });
});

describe('signing keys in words', () => {
  it('names a key by its approver, key and token, and says why another cannot sign', () => {
    expect(signingKeyName(signingKey('alice'))).toBe('alice: release-signing on alice');
    expect(ineligibleReason(signingKey('bob', { eligible: false, reason: 'bob already approved' }))).toBe('bob already approved');
  });

  it('asks for a PIN only when the token wants one typed here', () => {
    expect(needsPin(signingKey('a'))).toBe(true);
    expect(needsPin(signingKey('a', { protectedAuthenticationPath: true }))).toBe(false);
    expect(needsPin(signingKey('a', { loginRequired: false }))).toBe(false);
  });

  it('shows the meter as approvals of the threshold', () => {
    expect(meterText(1, 2)).toBe('1 of 2 approvals');
    expect(meterText(0, 1)).toBe('0 of 1 approval');
  });
});

describe('opening', () => {
  it('makes operation ids the contract accepts, different each time', () => {
    const a = newOperationId();
    const b = newOperationId();
    expect(a).not.toBe(b);
    expect(calls['operations.cancel'].input.safeParse({ operationId: a }).success).toBe(true);
  });

  it('puts progress into words with the fraction for the bar', () => {
    expect(progressView(undefined)).toEqual({ fraction: undefined, text: 'Starting…' });
    const view = progressView(progress('x', 1_500_000, { bytesTotal: 6_000_000, filesDone: 1, filesTotal: 3 }));
    expect(view.fraction).toBe(0.25);
    expect(view.text).toBe('1.5\u00a0MB of 6.0\u00a0MB (25%), 1 of 3 files hashed');
  });

  it('shows a policy with its name and its rule in words', () => {
    expect(policyLabel(policy())).toBe('demo: any 2 of alice, bob, carol; at least 1 security');
    expect(policyLabel(policy({ name: undefined, path: '/p/release.json' }))).toBe('release.json: any 2 of alice, bob, carol; at least 1 security');
  });
});

describe('paths', () => {
  it('joins, names and checks paths on POSIX and Windows', () => {
    expect(joinPath('/home/me', 'app.tgz')).toBe('/home/me/app.tgz');
    expect(joinPath('/', 'etc')).toBe('/etc');
    expect(joinPath('C:\\Users\\me', 'app.zip')).toBe('C:\\Users\\me\\app.zip');
    expect(fileNameOf('/home/me/dist/app.tgz')).toBe('app.tgz');
    expect(fileNameOf('C:\\dist\\app.zip')).toBe('app.zip');
    expect(isAbsolutePath('dist/app.tgz')).toBe(false);
    expect(isAbsolutePath('D:\\dist')).toBe(true);
  });

  it('knows a dropped file path only when the shell gives an absolute one', () => {
    expect(pathOfDroppedFile({ name: 'a', path: '/tmp/a' })).toBe('/tmp/a');
    expect(pathOfDroppedFile({ name: 'a' })).toBeUndefined();
    expect(pathOfDroppedFile({ name: 'a', path: '' })).toBeUndefined();
    expect(pathOfDroppedFile({ name: 'a', path: 'a' })).toBeUndefined();
  });

  it('formats sizes and merges path lists without duplicates', () => {
    // A no-break space: the number and its unit never land on two lines.
    expect(formatBytes(999)).toBe('999\u00a0bytes');
    expect(formatBytes(1_234_567)).toBe('1.2\u00a0MB');
    expect(addPaths(['/a', '/b'], ['/b', '/c'])).toEqual(['/a', '/b', '/c']);
  });
});
