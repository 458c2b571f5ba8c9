/**
 * A token that waits for its person (a touch, a PIN typed on its reader) is
 * announced after about two seconds instead of looking like a hang (issue 11).
 * The token is a real SoftHSM2 token behind a real token host; only the wait
 * for a finger is simulated, by holding the host's answer to "sign" back, as
 * a YubiKey holds its answer until it is touched.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forkHostLauncher, type HostLauncher } from '../../electron/core/tokens/host-process';
import { TokenService } from '../../electron/core/tokens/token-service';
import { noticeWhileWaiting, waitingMessage } from '../../electron/cli/waiting';
import { makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

/** A launcher whose hosts answer "sign" only after `touchMs`: the time a person takes to touch the token. */
function touchLauncher(touchMs: number): HostLauncher {
  return (options) => {
    const host = forkHostLauncher(options);
    const signRequests = new Set<number>();
    return {
      ...host,
      postMessage(message) {
        const request = message as { kind?: string; id?: number; request?: { op?: string } };
        if (request.kind === 'request' && request.request?.op === 'sign' && request.id !== undefined) signRequests.add(request.id);
        host.postMessage(message);
      },
      onMessage(listener) {
        host.onMessage((message) => {
          const answer = message as { id?: number };
          if (answer.id !== undefined && signRequests.delete(answer.id)) setTimeout(() => listener(message), touchMs);
          else listener(message);
        });
      },
    };
  };
}

describe('the notice while a token waits for its person', () => {
  let folder: TokenFolder;
  let service: TokenService | undefined;
  const keyUri = `pkcs11:token=alice;object=release-signing?module-path=${softhsmModule}`;

  beforeAll(async () => {
    folder = makeTokenFolder();
    folder.addToken('alice', '1234');
    const maker = new TokenService(forkHostLauncher, { ...process.env, ...folder.env });
    try {
      await maker.generateKey(keyUri, 'release-signing', 'ecdsa-p256', '1234');
    } finally {
      await maker.dispose();
    }
  });

  afterEach(async () => {
    await service?.dispose();
    service = undefined;
  });

  afterAll(() => folder?.cleanup());

  const signWith = async (touchMs: number) => {
    service = new TokenService(touchLauncher(touchMs), { ...process.env, ...folder.env });
    const notices: string[] = [];
    const { token } = await service.resolveToken(keyUri);
    const say = () => notices.push(waitingMessage({ tokenLabel: token.label, pinPad: false, doing: 'sign' }));
    const started = Date.now();
    const result = await noticeWhileWaiting(() => service!.sign(keyUri, new TextEncoder().encode('statement'), '1234'), say);
    return { notices, result, elapsed: Date.now() - started };
  };

  it('says once, after about two seconds, that the token waits for a touch; the signature still comes', async () => {
    const { notices, result, elapsed } = await signWith(3_000);
    expect(elapsed).toBeGreaterThanOrEqual(3_000);
    expect(notices).toEqual(['Waiting for token alice to sign: touch it if it blinks or asks for presence. (Conclave gives up by itself if the token never answers.)\n']);
    expect(result.signature.length).toBeGreaterThan(0);
  });

  it('says nothing when the token answers at once', async () => {
    const { notices } = await signWith(0);
    expect(notices).toEqual([]);
  });

  it('asks for the PIN on the reader for a token with a PIN pad', () => {
    expect(waitingMessage({ tokenLabel: 'piv', pinPad: true, doing: 'log in' })).toContain('enter the PIN on the reader');
  });
});
