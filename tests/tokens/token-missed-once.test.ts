/**
 * A token that one fresh read of its module misses is not gone. SoftHSM2 reads
 * every token's files when it is initialised, which Conclave does again to see
 * tokens come and go, and skips a token whose files another program is
 * writing at that moment: an administrator's pkcs11-tool adding a
 * certificate, or a second Conclave signing (a CI failure of the identity
 * tests, whose lab writes certificates while the host watches). The host reads
 * again before it calls a token gone, whether it is watching or about to sign.
 */
import { readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModuleHost } from '../../electron/core/tokens/host/module-host';
import type { SlotToken } from '../../electron/core/tokens/host/protocol';
import { readAgainForLosses } from '../../electron/core/tokens/host/slot-losses';
import { makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const token = (label: string): SlotToken => ({ slotId: label.length, label, serial: `serial-${label}`, manufacturer: 'SoftHSM project', model: 'SoftHSM v2', flags: 0 });

describe('a token missed by one read', () => {
  it('is read for again, and counts as gone only when the second read agrees', () => {
    const before = [token('alice'), token('bob')];
    const reads = (...answers: SlotToken[][]) => {
      let count = 0;
      return { read: () => answers[Math.min(count++, answers.length - 1)]!, count: () => count };
    };
    const missedOnce = reads([token('bob')], before);
    expect(readAgainForLosses(before, missedOnce.read)).toEqual(before);
    expect(missedOnce.count()).toBe(2);

    const deleted = reads([token('bob')], [token('bob')], before);
    expect(readAgainForLosses(before, deleted.read)).toEqual([token('bob')]);
    expect(deleted.count()).toBe(2);

    // Nothing lost (a token added is not a loss): one read, as before.
    const added = reads([...before, token('carol')]);
    expect(readAgainForLosses(before, added.read)).toHaveLength(3);
    expect(added.count()).toBe(1);
  });
});

describe.skipIf(!softhsmModule)('a SoftHSM2 token whose files were away during a read', () => {
  let folder: TokenFolder;
  let host: ModuleHost;
  const conf = process.env.SOFTHSM2_CONF;

  beforeAll(() => {
    folder = makeTokenFolder();
    folder.addToken('alice', '1234');
    folder.addToken('bob', '1234');
    // The library reads SOFTHSM2_CONF from this process's environment (each test file has its own process).
    process.env.SOFTHSM2_CONF = folder.conf;
    host = new ModuleHost();
    host.init(softhsmModule!, 'softhsm2');
  });

  afterAll(() => {
    if (conf === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = conf;
    folder?.cleanup();
  });

  /** Alice's token folder: SoftHSM2 names it by a UUID, and its token.object holds the label. */
  function aliceFolder(): string {
    const tokens = join(folder.dir, 'tokens');
    const holding = readdirSync(tokens).filter((name) => readFileSync(join(tokens, name, 'token.object')).includes('alice'));
    expect(holding).toHaveLength(1);
    return join(tokens, holding[0]!);
  }

  it('reaches it once it is back, and still reports a token that stays away as gone', async () => {
    const alice = host.listTokens(true).find((listed) => listed.label === 'alice')!;
    const away = aliceFolder();
    const elsewhere = join(folder.dir, 'away');

    // Away for two reads: gone, as a deleted token is.
    renameSync(away, elsewhere);
    expect(host.listTokens(true).map((listed) => listed.label)).toEqual(['bob']);

    // Back before anyone read again: a job on it reads again instead of calling it gone.
    renameSync(elsewhere, away);
    const objects = await host.listKeys(alice);
    expect(objects.keys).toEqual([]);
    expect(host.listTokens().map((listed) => listed.label).sort()).toEqual(['alice', 'bob']);

    // Away for good: the job's read again agrees, and the answer says the token went away.
    renameSync(away, elsewhere);
    host.listTokens(true);
    await expect(host.listKeys(alice)).rejects.toMatchObject({ code: 'token-removed', message: expect.stringContaining('Token "alice" (SoftHSM2) went away') });
  });
});
