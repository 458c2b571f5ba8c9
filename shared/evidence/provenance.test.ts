import { describe, expect, it } from 'vitest';
import { toBase64 } from '../encoding/base64';
import { ProvenanceError, readProvenance, splitSourceUri, type ProvenanceErrorCode, type ProvenanceReadOptions } from './provenance';

const encode = (value: unknown) => toBase64(new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)));
const statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'app.tgz', digest: { sha256: 'AB'.repeat(32) } }],
  predicateType: 'https://slsa.dev/provenance/v1',
  predicate: {
    buildDefinition: { buildType: 'https://example.com/build/v1', externalParameters: {}, resolvedDependencies: [{ uri: 'git+https://git.example.com/team/app.git@refs/tags/v2.0.0', digest: { gitCommit: 'c0ffee'.repeat(6) + 'c0ff' } }] },
    runDetails: { builder: { id: 'https://ci.example.com/builder' } },
  },
};
const envelope = (payload: unknown, payloadType = 'application/vnd.in-toto+json') => ({ payloadType, payload: encode(payload), signatures: [{ keyid: 'k1', sig: 'AQID' }] });

function refusal(text: string, options?: ProvenanceReadOptions): { code: ProvenanceErrorCode; message: string } {
  try {
    readProvenance(text, options);
  } catch (error) {
    if (error instanceof ProvenanceError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('accepted');
}

describe('reading provenance in its forms', () => {
  it('reads a raw statement as unsigned, keeping its bytes', () => {
    const text = JSON.stringify(statement, null, 2);
    const [document] = readProvenance(text);
    expect(document).toMatchObject({ origin: { container: 'json', wrapping: 'statement' }, signing: { kind: 'unsigned' } });
    expect(document!.envelope).toBeUndefined();
    expect(new TextDecoder().decode(document!.statementBytes)).toBe(text);
    // Digests are compared in lowercase hex, as in-toto writes them.
    expect(document!.statement.subject[0]!.digest.sha256).toBe('ab'.repeat(32));
  });

  it('summarizes SLSA v1 from a non-GitHub build type through its git resolved dependency', () => {
    const [document] = readProvenance(JSON.stringify(envelope(statement)));
    expect(document!.signing).toEqual({ kind: 'public-key', keyHints: ['k1'] });
    expect(document!.slsa).toMatchObject({
      builderId: 'https://ci.example.com/builder',
      sourceRepository: 'https://git.example.com/team/app',
      sourceCommit: 'c0ffee'.repeat(6) + 'c0ff',
      trigger: { ref: 'refs/tags/v2.0.0' },
    });
  });

  it('reads a v0.1 Sigstore bundle signed by a public key', () => {
    const bundle = { mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1', verificationMaterial: { publicKey: { hint: 'release-key' }, tlogEntries: [] }, dsseEnvelope: envelope(statement) };
    const [document] = readProvenance(JSON.stringify(bundle));
    expect(document).toMatchObject({ origin: { wrapping: 'sigstore-bundle', bundleMediaType: bundle.mediaType }, signing: { kind: 'public-key', keyHints: ['release-key', 'k1'] } });
  });

  it('keeps statements that are not SLSA provenance, without a summary', () => {
    const [document] = readProvenance(JSON.stringify({ ...statement, predicateType: 'https://example.com/test-result/v1', predicate: { passed: true } }));
    expect(document!.slsa).toBeUndefined();
  });

  it('splits source URIs without mistaking a user for a ref', () => {
    expect(splitSourceUri('git+https://github.com/org/repo@refs/heads/main')).toEqual({ repository: 'https://github.com/org/repo', ref: 'refs/heads/main' });
    expect(splitSourceUri('git+ssh://git@github.com/org/repo.git')).toEqual({ repository: 'ssh://git@github.com/org/repo' });
    expect(splitSourceUri('https://github.com/org/repo/')).toEqual({ repository: 'https://github.com/org/repo' });
  });
});

describe('refusing what is not provenance', () => {
  it.each<[string, string, ProvenanceErrorCode]>([
    ['an empty file', '  \n', 'provenance-empty'],
    ['text that is not JSON', 'binary garbage \u0000', 'provenance-not-json'],
    ['an array', '[1, 2]', 'provenance-unrecognized'],
    ['an unrelated JSON document', '{"name":"app","version":"1.0.0"}', 'provenance-unrecognized'],
    ['an envelope with a broken payload', JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: 'e30-', signatures: [{ sig: 'AQ==' }] }), 'provenance-envelope-invalid'],
    ['an envelope with no signature', JSON.stringify({ ...envelope(statement), signatures: [] }), 'provenance-envelope-invalid'],
    ['an envelope carrying something else', JSON.stringify(envelope(statement, 'application/vnd.cncf.notary.payload.v1+json')), 'provenance-payload-type'],
    ['an envelope whose payload is not JSON', JSON.stringify(envelope('not json')), 'provenance-not-json'],
    ['a bundle that signs a file, not an attestation', JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial: {}, messageSignature: { signature: 'AQ==' } }), 'provenance-bundle-unsupported'],
    ['a bundle of an unknown version', JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.9+json', dsseEnvelope: envelope(statement) }), 'provenance-bundle-unsupported'],
    ['a statement of an unknown type', JSON.stringify({ ...statement, _type: 'https://in-toto.io/Statement/v9' }), 'provenance-statement-invalid'],
    ['a statement without subjects', JSON.stringify({ ...statement, subject: [] }), 'provenance-statement-invalid'],
    ['a subject without a digest', JSON.stringify({ ...statement, subject: [{ name: 'app.tgz', digest: {} }] }), 'provenance-statement-invalid'],
    ['a subject digest that is not text', JSON.stringify({ ...statement, subject: [{ name: 'app.tgz', digest: { sha256: 5 } }] }), 'provenance-statement-invalid'],
    ['a statement without predicateType', JSON.stringify({ ...statement, predicateType: undefined }), 'provenance-statement-invalid'],
    ['npm attestations listed under another predicate than signed', JSON.stringify({ attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle: { mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2', dsseEnvelope: envelope({ ...statement, predicateType: 'https://example.com/other' }) } }] }), 'provenance-statement-invalid'],
    ['empty npm attestations', '{"attestations":[]}', 'provenance-empty'],
  ])('refuses %s', (_what, text, code) => {
    expect(refusal(text).code).toBe(code);
  });

  it('says what it expected, naming the file', () => {
    expect(refusal('{"hello":"world"}', { fileName: 'release-notes.json' }).message).toBe(
      '“release-notes.json” is not SLSA provenance: expected a DSSE envelope, a Sigstore bundle or an in-toto statement. Attach the .intoto.jsonl or .sigstore.json file your build produced.',
    );
  });

  it('names the line of an .intoto.jsonl file that is wrong', () => {
    const text = `${JSON.stringify(envelope(statement))}\n{"unrelated":true}\n`;
    expect(refusal(text, { fileName: 'build.intoto.jsonl' }).message).toContain('Line 2 of “build.intoto.jsonl”');
  });
});

describe('bounding the work', () => {
  it('refuses input over the size limit before parsing it', () => {
    const huge = `{"_type":"${'x'.repeat(17 * 1024 * 1024)}"}`;
    expect(refusal(huge)).toMatchObject({ code: 'provenance-too-large', message: expect.stringContaining('17 MB') });
    expect(refusal(JSON.stringify(statement), { maxCharacters: 100 }).code).toBe('provenance-too-large');
  });

  it('refuses deeply nested JSON, in the file and inside a signed payload', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(refusal(deep).code).toBe('provenance-too-deep');
    const deepPredicate = `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"aa"}}],"predicateType":"p","predicate":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`;
    expect(refusal(JSON.stringify(envelope(deepPredicate))).code).toBe('provenance-too-deep');
  });

  it('does not count brackets inside strings as nesting', () => {
    const deepLookingString = JSON.stringify({ ...statement, predicate: { note: '[[[[{{{{'.repeat(50) } });
    expect(readProvenance(deepLookingString, { maxDepth: 5 })).toHaveLength(1);
  });

  it('refuses more documents than the limit', () => {
    const line = JSON.stringify(envelope(statement));
    const lines = Array.from({ length: 5 }, () => line).join('\n');
    expect(readProvenance(lines, { maxDocuments: 5 })).toHaveLength(5);
    expect(refusal(lines, { maxDocuments: 4 }).code).toBe('provenance-too-many-documents');
    const attestations = { attestations: Array.from({ length: 5 }, () => ({ bundle: { mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2', dsseEnvelope: envelope(statement) } })) };
    expect(refusal(JSON.stringify(attestations), { maxDocuments: 4 }).code).toBe('provenance-too-many-documents');
  });
});
