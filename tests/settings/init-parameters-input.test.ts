/** What Settings → Modules makes of the init parameters a person types (renderer/src/features/settings/init-parameters.ts). */
import { describe, expect, it } from 'vitest';
import { readInitParameters } from '../../renderer/src/features/settings/init-parameters';

describe('init parameters typed in Settings → Modules', () => {
  it('nothing typed (or only spaces) means none', () => {
    expect(readInitParameters('')).toEqual({ ok: true, initParameters: undefined });
    expect(readInitParameters('   ')).toEqual({ ok: true, initParameters: undefined });
  });

  it('NSS softokn’s parameters go as typed, without the spaces around them', () => {
    const nss = "configdir='sql:/home/ana/.pki/nssdb' certPrefix='' keyPrefix='' secmod='secmod.db' flags=";
    expect(readInitParameters(` ${nss} `)).toEqual({ ok: true, initParameters: nss });
  });

  it('refuses more than one line, control characters and text longer than settings keep, saying why', () => {
    expect(readInitParameters("configdir='sql:/a'\nflags=")).toEqual({ ok: false, problem: 'Init parameters are one line of text, without control characters.' });
    expect(readInitParameters('a\u0000b')).toMatchObject({ ok: false });
    expect(readInitParameters('x'.repeat(4097))).toEqual({ ok: false, problem: 'Init parameters are at most 4096 characters.' });
  });
});
