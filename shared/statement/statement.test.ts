import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  StatementError,
  buildReleaseStatement,
  freezeStatement,
  parseInTotoStatement,
  parseReleaseStatement,
  releasePurl,
  type ReleaseStatementInput,
  type StatementErrorCode,
} from './statement';
import { canonicalJson } from '../json/canonical';

// The example's shape, loosely: enough to change one field at a time.
type Example = Record<string, unknown> & { predicate: Record<string, unknown> & { release: Record<string, unknown> } };
const example = JSON.parse(readFileSync(new URL('../../docs/examples/release-statement.json', import.meta.url), 'utf8')) as Example;
const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const clone = <T>(value: T): T => structuredClone(value);

const input = (): ReleaseStatementInput => ({
  release: { name: 'app', version: '1.2.3', purl: 'pkg:npm/app@1.2.3' },
  artifacts: [{ name: 'app-1.2.3.tgz', digest: { sha256: 'ab'.repeat(32), sha512: 'cd'.repeat(64) } }],
  ceremony: { id: 'c1', openedAt: new Date('2025-01-01T00:00:00Z'), expiresAt: '2025-01-04T00:00:00Z', openedBy: 'dana' },
  policy: { digest: 'ef'.repeat(32), name: 'p', threshold: 2 },
  provenance: [{ digest: { sha256: '01'.repeat(32) }, predicateType: 'https://slsa.dev/provenance/v1', builderId: 'https://builder', sourceRepository: 'https://github.com/acme/app', sourceCommit: '12'.repeat(20) }],
  sboms: [{ digest: { sha256: '02'.repeat(32) }, format: 'spdx', specVersion: 'SPDX-2.3', componentCount: 3 }],
  findings: [{ id: 'sbom', status: 'fail', message: 'old', override: { by: 'dana', reason: 'checked by hand' } }],
  frozenAt: '2025-01-01T00:05:00Z',
});

function codeOf(run: () => unknown): StatementErrorCode | 'accepted' {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof StatementError) return error.code;
    throw error;
  }
}

describe('release statement', () => {
  it('builds an in-toto Statement v1 with our predicate', () => {
    const statement = buildReleaseStatement(input());
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.predicateType).toBe('https://conclave.dev/release-approval/v1');
    expect(statement.subject).toEqual([{ name: 'app-1.2.3.tgz', digest: { sha256: 'ab'.repeat(32), sha512: 'cd'.repeat(64) } }]);
    expect(statement.predicate.ceremony.openedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(statement.predicate.policy).toEqual({ digest: { sha256: 'ef'.repeat(32) }, name: 'p', threshold: 2 });
  });

  it('keeps only the predicate fields from evidence summaries that carry more', () => {
    const withExtra = input();
    withExtra.provenance[0] = { ...withExtra.provenance[0]!, ...{ subjects: ['x'] } };
    expect(buildReleaseStatement(withExtra).predicate.provenance[0]).not.toHaveProperty('subjects');
  });

  it('freezes to canonical JSON that parses back to the same statement', () => {
    const statement = buildReleaseStatement(input());
    const bytes = freezeStatement(statement);
    expect(new TextDecoder().decode(bytes)).toBe(canonicalJson(statement));
    expect(parseReleaseStatement(bytes)).toEqual(statement);
    expect(freezeStatement(parseReleaseStatement(bytes))).toEqual(bytes);
  });

  it('names the release with a purl, built or checked', () => {
    expect(releasePurl({ name: 'app', version: '1.0.0' })).toBe('pkg:generic/app@1.0.0');
    // pkg:oci names the image by its manifest digest, one of the statement's subjects (issue 14); release-purl.test.ts has the rest.
    const image = { name: 'ghcr.io/acme/app', digest: { sha256: 'ab'.repeat(32) } };
    expect(releasePurl({ name: 'app', version: '1.0.0', purl: `pkg:oci/app@sha256%3A${'ab'.repeat(32)}?repository_url=ghcr.io/acme/app&tag=1.0.0` }, [image])).toBe(`pkg:oci/app@sha256:${'ab'.repeat(32)}?repository_url=ghcr.io%2Facme%2Fapp&tag=1.0.0`);
    expect(codeOf(() => releasePurl({ name: 'app', version: '1.0.0', purl: `pkg:oci/app@sha256:${'cd'.repeat(32)}` }, [image]))).toBe('statement-invalid-input');
    expect(codeOf(() => releasePurl({ name: 'app', version: '1.0.0', purl: 'npm/app@1.0.0' }))).toBe('statement-invalid-input');
    expect(codeOf(() => releasePurl({ name: 'app', version: '1.0.0', purl: 'pkg:npm/app@2.0.0' }))).toBe('statement-invalid-input');
  });

  it.each<[string, (value: ReleaseStatementInput) => void]>([
    ['no artifacts', (value) => (value.artifacts = [])],
    ['an uppercase digest', (value) => (value.artifacts[0]!.digest.sha256 = 'AB'.repeat(32))],
    ['a short digest', (value) => (value.artifacts[0]!.digest.sha256 = 'ab')],
    ['two artifacts with one name', (value) => value.artifacts.push({ name: 'app-1.2.3.tgz', digest: { sha256: '00'.repeat(32) } })],
    ['an expiry before opening', (value) => (value.ceremony.expiresAt = '2024-12-31T00:00:00Z')],
    ['freezing after expiry', (value) => (value.frozenAt = '2025-01-05T00:00:00Z')],
    ['a time with an offset', (value) => (value.frozenAt = '2025-01-01T01:05:00+01:00')],
    ['an unknown finding status', (value) => (value.findings[0]!.status = 'ok' as 'pass')],
  ])('refuses to build a statement with %s', (_what, change) => {
    const value = input();
    change(value);
    expect(codeOf(() => buildReleaseStatement(value))).toBe('statement-invalid-input');
  });

  it.each<[string, (statement: Example) => unknown, StatementErrorCode]>([
    ['an unknown top-level field', (s) => ({ ...s, extra: 1 }), 'statement-malformed'],
    ['an unknown predicate field', (s) => ({ ...s, predicate: { ...s.predicate, approved: true } }), 'statement-malformed'],
    ['a subject without sha256', (s) => ({ ...s, subject: [{ name: 'a', digest: { sha512: 'cd'.repeat(64) } }] }), 'statement-malformed'],
    ['no subjects', (s) => ({ ...s, subject: [] }), 'statement-malformed'],
    ['in-toto v0.1', (s) => ({ ...s, _type: 'https://in-toto.io/Statement/v0.1' }), 'statement-wrong-type'],
    ['another predicate type', (s) => ({ ...s, predicateType: 'https://slsa.dev/provenance/v1' }), 'statement-wrong-predicate-type'],
    ['a purl for another version', (s) => ({ ...s, predicate: { ...s.predicate, release: { ...s.predicate.release, purl: 'pkg:npm/%40acme/app@9.9.9' } } }), 'statement-malformed'],
    ['a pkg:oci purl naming an image it does not sign', (s) => ({ ...s, predicate: { ...s.predicate, release: { ...s.predicate.release, purl: `pkg:oci/app@sha256:${'ee'.repeat(32)}?tag=1.2.3` } } }), 'statement-malformed'],
    ['not JSON', () => '{"_type":', 'statement-not-json'],
    ['a duplicated field', () => '{"_type":"https://in-toto.io/Statement/v1","_type":"x"}', 'statement-not-json'],
  ])('refuses to parse a statement with %s', (_what, change, code) => {
    expect(codeOf(() => parseReleaseStatement(encode(change(clone(example)))))).toBe(code);
  });

  it('reads a foreign in-toto statement as generic, keeping its fields', () => {
    const foreign = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://example.com/x', predicate: { x: 1 } };
    expect(parseInTotoStatement(encode(foreign))).toEqual(foreign);
  });

  it('parses the example statement in docs/examples', () => {
    const statement = parseReleaseStatement(encode(example));
    expect(statement.predicate.release.purl).toBe('pkg:npm/%40acme/app@1.2.3');
    expect(statement.predicate.findings.find((finding) => finding.status === 'fail')?.override?.by).toBe('dana');
  });
});
