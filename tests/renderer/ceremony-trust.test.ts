/**
 * Issue 10 in the window: what an approver signs is read from the statement
 * itself, and a ceremony under a policy this machine does not trust (or a
 * contested one) says so before anything else. Components are rendered to
 * static markup: they take the core's values as props.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CeremonyBanners } from '../../renderer/src/features/ceremony/CeremonyBanners';
import { offers, timelineTypeText, untrustedPolicyText } from '../../renderer/src/features/ceremony/format';
import { readStatement, statementDiscrepancies } from '../../renderer/src/features/ceremony/statement';
import { StatementToSign } from '../../renderer/src/features/ceremony/StatementToSign';
import { detail, statementJson } from './ceremony-fixtures';

const hex = (c: string) => c.repeat(64);
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ');

describe('reading the statement that is signed', () => {
  it('takes subjects, release and policy from the statement, not from the opening', () => {
    const reading = readStatement(statementJson({ subjects: [{ name: 'app.tgz', sha256: hex('a') }, { name: 'аpp.tgz', sha256: hex('e') }], purl: 'pkg:npm/app@1.2.3', policyDigest: hex('d') }));
    expect(reading).toEqual({
      ok: true,
      view: {
        subjects: [
          { name: 'app.tgz', sha256: hex('a') },
          { name: 'аpp.tgz', sha256: hex('e') },
        ],
        release: { purl: 'pkg:npm/app@1.2.3', name: 'app', version: '1.2.3' },
        policyDigest: hex('d'),
      },
    });
  });

  it('says why when the JSON is not a release statement it can show', () => {
    expect(readStatement('not json')).toEqual({ ok: false, reason: 'the statement is not JSON' });
    const missing = readStatement('{"_type":"https://in-toto.io/Statement/v1","subject":[]}');
    expect(missing.ok).toBe(false);
  });

  it('finds nothing to say when the statement matches the ceremony', () => {
    const reading = readStatement(statementJson());
    if (!reading.ok) throw new Error(reading.reason);
    expect(statementDiscrepancies(reading.view, detail())).toEqual([]);
  });

  it('calls out a look-alike subject, a left-out artifact, another policy and another release', () => {
    const reading = readStatement(statementJson({ subjects: [{ name: 'аpp.tgz', sha256: hex('e') }], policyDigest: hex('f'), purl: 'pkg:npm/app@9.9.9' }));
    if (!reading.ok) throw new Error(reading.reason);
    const problems = statementDiscrepancies(reading.view, detail());
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/names “аpp\.tgz” \(sha256:eeee.*not opened with/);
    expect(problems[1]).toMatch(/leaves out “app\.tgz”/);
    expect(problems[2]).toMatch(/policy sha256:ffff/);
    expect(problems[3]).toMatch(/release pkg:npm\/app@9\.9\.9/);
  });
});

describe('what the sign dialog shows right above the Sign button', () => {
  it('lists the subjects with their SHA-256, the release, the policy digest and the statement digest bound', () => {
    const ceremony = detail({ artifactDetails: [{ name: 'opened-name.tgz', sha256: hex('b') }] });
    const statement = { ...ceremony.statement!, json: statementJson({ subjects: [{ name: 'app.tgz', sha256: hex('a') }] }) };
    const html = renderToStaticMarkup(createElement(StatementToSign, { kind: 'approve', statement, detail: ceremony }));
    const shown = text(html);
    expect(shown).toContain('What you sign');
    expect(shown).toContain('Your approval signs exactly this statement');
    expect(shown).toContain(`app.tgz ${hex('a')}`);
    expect(shown).toContain('pkg:npm/app@1.2.3');
    expect(shown).toContain(`sha256:${hex('d')}`);
    expect(shown).toContain(`sha256:${hex('5')}`);
    // From the statement, not the opening: the opening's name is not offered as what is signed, and the mismatch is said.
    expect(shown).not.toMatch(/opened-name\.tgz b{64}/);
    expect(shown).toContain('Do not sign: the statement does not match this ceremony.');
  });

  it('names a withdrawal for what it is', () => {
    const ceremony = detail();
    const html = renderToStaticMarkup(createElement(StatementToSign, { kind: 'withdraw', statement: ceremony.statement!, detail: ceremony }));
    expect(text(html)).toContain('Your withdrawal takes back your approval of exactly this statement');
    expect(text(html)).not.toContain('Do not sign');
  });

  it('refuses to show a statement it cannot read, with its digest', () => {
    const ceremony = detail();
    const html = renderToStaticMarkup(createElement(StatementToSign, { kind: 'approve', statement: { ...ceremony.statement!, json: '{}' }, detail: ceremony }));
    expect(text(html)).toMatch(/Conclave cannot show what this statement says .* so it will not sign it/);
  });
});

describe('banners', () => {
  it('says plainly that an untrusted policy takes no decisions here, with its digest and where to trust it', () => {
    const html = renderToStaticMarkup(createElement(CeremonyBanners, { detail: detail({ policyTrusted: false, actions: [] }) }));
    expect(text(html)).toContain(untrustedPolicyText(hex('d')));
    expect(untrustedPolicyText(hex('d'))).toBe(
      `This machine does not trust this ceremony's policy (sha256:${hex('d')}): it takes no decisions here. Trust it in Settings → Policies if it is your team's.`,
    );
    expect(html).toContain('message-danger');
  });

  it('says a contested ceremony counts nothing', () => {
    const html = renderToStaticMarkup(createElement(CeremonyBanners, { detail: detail({ state: 'contested', actions: ['cancel'] }) }));
    expect(text(html)).toMatch(/Two openings.*nothing in it counts/);
  });

  it('shows nothing for a trusted, uncontested ceremony', () => {
    expect(renderToStaticMarkup(createElement(CeremonyBanners, { detail: detail() }))).toBe('');
  });
});

describe('words', () => {
  it('reads what is offered from actions only', () => {
    expect(offers(detail({ state: 'approved', actions: [] }), 'publish')).toBe(false);
    expect(offers(detail({ state: 'frozen', actions: ['publish'] }), 'publish')).toBe(true);
  });

  it('names a withdrawal in the timeline', () => {
    expect(timelineTypeText.withdrawn).toBe('Approval withdrawn');
  });
});

describe('the Ceremonies list', () => {
  it('marks a ceremony whose policy this machine does not trust', async () => {
    const { CeremonyCard } = await import('../../renderer/src/features/ceremonies/CeremonyCard');
    const card = (policyTrusted: boolean) => text(renderToStaticMarkup(createElement(CeremonyCard, { summary: detail({ policyTrusted }), now: Date.parse('2025-01-02T00:00:00Z'), onOpen: () => undefined })));
    expect(card(false)).toContain('Policy not trusted here');
    expect(card(true)).not.toContain('Policy not trusted here');
  });
});

describe('the History list', () => {
  it('marks a ceremony whose policy this machine does not trust, beside the approvals it lists', async () => {
    const { HistoryRow } = await import('../../renderer/src/features/history/HistoryRow');
    const row = (policyTrusted: boolean) =>
      text(renderToStaticMarkup(createElement(HistoryRow, { id: 'row-0', index: 0, total: 1, summary: detail({ policyTrusted, approvedBy: ['alice', 'bob'] }), active: false, top: 0, height: 40, onOpen: () => undefined })));
    expect(row(false)).toMatch(/Policy not trusted here\s+alice(,| and) bob/);
    expect(row(true)).not.toContain('Policy not trusted here');
    expect(row(true)).toMatch(/alice(,| and) bob/);
  });
});

describe('reviewing a policy before trusting it', () => {
  const policy = { digest: hex('d'), name: 'team', description: 'any 2 of alice, bob, carol; at least 1 security', threshold: 2, approvers: [{ id: 'alice', role: 'security' }, { id: 'bob' }], trusted: false };

  it('shows its digest, rule and approvers, what trusting means, and an explicit "Trust this policy"', async () => {
    const { PolicyTrustReview } = await import('../../renderer/src/components/PolicyTrustReview');
    const shown = text(renderToStaticMarkup(createElement(PolicyTrustReview, { path: '/home/me/team.json', policy, busy: undefined, error: undefined, onTrust: () => undefined, onDismiss: () => undefined, level: 4 })));
    expect(shown).toContain('Trust this policy?');
    expect(shown).toContain(`sha256:${hex('d')}`);
    expect(shown).toContain('any 2 of alice, bob, carol; at least 1 security');
    expect(shown).toContain('alice (security)');
    expect(shown).toContain('bob');
    expect(shown).toContain('Compare the digest with the one your team published');
    expect(shown).toMatch(/Trusting a policy means ceremonies opened under it take decisions on this machine/);
    expect(shown).toContain('Trust this policy');
    expect(shown).toContain('Do not trust it');
  });

  it('offers no second trust for a policy already trusted', async () => {
    const { PolicyTrustReview } = await import('../../renderer/src/components/PolicyTrustReview');
    const shown = text(renderToStaticMarkup(createElement(PolicyTrustReview, { path: '/home/me/team.json', policy: { ...policy, trusted: true }, busy: undefined, error: undefined, onTrust: () => undefined, onDismiss: () => undefined, level: 4 })));
    expect(shown).toContain('This machine already trusts this policy');
    expect(shown).not.toContain('Trust this policy?');
    expect(shown).toContain('Close');
  });
});
