import { describe, expect, it } from 'vitest';
import { breakableParts } from '../../renderer/src/components/BreakableText';
import { stateText as listStateText, stateTone as listStateTone } from '../../renderer/src/features/ceremonies/format';
import { ceremonyStates } from '../../renderer/src/features/ceremonies/states';
import { stateText as screenStateText, stateTone as screenStateTone, stillNeededText } from '../../renderer/src/features/ceremony/format';
import {
  changesNeedAttention,
  changesSummary,
  findingsNeedAttention,
  findingsSummary,
  provenanceSummary,
  sbomSummary,
  timelineSummary,
} from '../../renderer/src/features/ceremony/section-summaries';
import { ceremonyStates as allStates } from '../../shared/ceremony/view';

const hex = (c: string) => c.repeat(64);

describe('one table of states', () => {
  it('gives each state the same tone on the Ceremonies list, in History and on its own screen', () => {
    for (const state of allStates) {
      expect(listStateTone[state]).toBe(ceremonyStates[state].tone);
      expect(screenStateTone[state]).toBe(listStateTone[state]);
    }
    // Time running out and someone closing a ceremony are not alarms; a rejection is.
    expect(listStateTone.expired).toBe('warning');
    expect(listStateTone.cancelled).toBe('neutral');
    expect(listStateTone.rejected).toBe('danger');
  });

  it('keeps the short words for lists and the headline for the ceremony screen', () => {
    expect(listStateText.frozen).toBe('Collecting approvals');
    expect(screenStateText.approved).toBe('Approved: ready to publish');
  });
});

describe('who is still needed, beside the meter', () => {
  it('drops the count the meter already says, keeping what the tally adds', () => {
    expect(stillNeededText({ state: 'frozen', tally: '1 of 2 approvals; security still needed', approvedBy: ['bob'] })).toBe('security still needed');
    expect(stillNeededText({ state: 'frozen', tally: '0 of 2 approvals', approvedBy: [] })).toBeUndefined();
    expect(stillNeededText({ state: 'rejected', tally: 'bob rejected: 2 approvals can no longer be reached', approvedBy: [] })).toBe('bob rejected: 2 approvals can no longer be reached');
  });

  it('names who approved once the policy is met, not the count again', () => {
    expect(stillNeededText({ state: 'approved', tally: '2 of 2 approvals: alice, bob', approvedBy: ['alice', 'bob'] })).toBe('approved by alice and bob');
  });
});

describe('the one-line summaries of collapsed sections', () => {
  it('counts findings by outcome, and opens the section when a check failed or warned unanswered', () => {
    const pass = { id: 'a', status: 'pass' as const, message: 'ok' };
    expect(findingsSummary([pass, { ...pass, id: 'b' }])).toBe('All 2 checks passed');
    const mixed = [pass, { id: 'c', status: 'fail' as const, message: 'no' }, { id: 'd', status: 'warn' as const, message: 'hm' }, { id: 'e', status: 'fail' as const, message: 'x', override: { by: 'carol', reason: 'known' } }];
    expect(findingsSummary(mixed)).toBe('1 failed, 1 warning, 1 overridden, 1 passed');
    expect(findingsNeedAttention(mixed)).toBe(true);
    expect(findingsNeedAttention([pass, mixed[3]!])).toBe(false);
  });

  it('says who built the release and from where', () => {
    expect(provenanceSummary([])).toMatch(/^None attached/);
    expect(provenanceSummary([{ digest: hex('a'), predicateType: 'https://slsa.dev/provenance/v1', builderId: 'https://github.com/actions/runner', sourceRepository: 'git+https://github.com/org/app', sourceCommit: '1a2b3c4d5e6f', buildInputs: [] }])).toBe(
      'Built by https://github.com/actions/runner from git+https://github.com/org/app at 1a2b3c4',
    );
  });

  it('sums up the SBOM, the changes and the timeline', () => {
    expect(sbomSummary(undefined)).toBe('None attached');
    expect(sbomSummary({ digest: hex('b'), format: 'cyclonedx', specVersion: '1.5', componentCount: 1, licenses: [] })).toBe('CycloneDX 1.5: 1 component');
    const changes = { previous: { id: 'c-20250101-abcdefghij', version: '1.2.2' }, componentsAdded: ['left-pad'], componentsRemoved: [], componentsUpgraded: [], newBuilders: [], newSourceRepositories: [] };
    expect(changesSummary(changes)).toBe('Compared with 1.2.2: 1 change');
    expect(changesNeedAttention(changes)).toBe(false);
    expect(changesNeedAttention({ ...changes, newBuilders: ['https://evil.example/runner'] })).toBe(true);
    expect(changesSummary(undefined)).toMatch(/^Nothing to compare with/);
    expect(timelineSummary([])).toBe('No events');
    expect(timelineSummary([{ at: '2025-01-01T10:00:00.000Z', type: 'opened', actor: 'carol', signature: 'valid' }, { at: 'not a date', type: 'approved', actor: 'bob', signature: 'valid' }])).toBe(
      '2 events; last: Approved by bob at not a date',
    );
  });
});

describe('URLs that wrap', () => {
  it('wrap only after a separator, and lose no character', () => {
    const url = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/heads/main';
    const parts = breakableParts(url);
    expect(parts.join('')).toBe(url);
    expect(parts).toContain('github.');
    expect(parts).toContain('com/');
    // No part ends inside a word: each ends with a separator, or is the end of the URL.
    for (const part of parts.slice(0, -1)) expect(part).toMatch(/[/.:@#?&=_-]$/);
    expect(breakableParts('plain')).toEqual(['plain']);
  });
});
