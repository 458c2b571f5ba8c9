/**
 * Ceremonies over container images with software keys standing in for tokens
 * (as tests/ceremony/ceremony-service.test.ts does; the token path is run
 * against SoftHSM2 in verify-docs.test.ts): keys, a policy, SLSA provenance
 * for an image, and a service with a clock the test controls.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CeremonyService } from '../../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../../electron/core/ceremony/event-store';
import { makeEnvelope } from '../../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../../shared/dsse/pae';
import { makeTestKey, type TestKey } from '../../support/test-keys';
import { softwareKeyUri, softwareSigner } from '../../support/software-signer';

export type Person = 'alice' | 'bob' | 'carol' | 'rita' | 'builder';
export type Keys = Record<Person, TestKey>;

export const keyUri = (who: Person) => softwareKeyUri(who);

export function makeKeys(): Keys {
  return { alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ed25519'), carol: makeTestKey('ecdsa-p384'), rita: makeTestKey('ecdsa-p256'), builder: makeTestKey('ecdsa-p256') };
}

/** 2 of alice, bob, carol; rita is the release manager who opens and publishes. */
export function writePolicy(dir: string, keys: Keys, name = 'policy.json'): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      name: 'app releases',
      threshold: 2,
      approvers: [
        { id: 'alice', role: 'security', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', publicKey: keys.bob.publicKeyPem },
        { id: 'carol', publicKey: keys.carol.publicKeyPem },
      ],
      releaseManagers: [{ id: 'rita', name: 'Rita Release', publicKey: keys.rita.publicKeyPem }],
    }),
  );
  return path;
}

/**
 * SLSA v1 provenance for images, as a container build writes it: each subject
 * named by its repository with the manifest digest, in a DSSE envelope signed
 * by the builder's key (give keys.builder's PEM as the provenance key).
 */
export function writeImageProvenance(dir: string, builder: TestKey, subjects: { name: string; digest: string }[], fileName = 'app.intoto.jsonl'): { path: string; keyPath: string } {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: subjects.map((subject) => ({ name: subject.name, digest: { sha256: subject.digest.replace(/^sha256:/, '') } })),
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: 'https://actions.github.io/buildtypes/workflow/v1',
        externalParameters: { workflow: { ref: 'refs/tags/v1.2.3', repository: 'https://github.com/acme/app', path: '.github/workflows/release.yml' } },
        internalParameters: {},
        resolvedDependencies: [{ uri: 'git+https://github.com/acme/app@refs/tags/v1.2.3', digest: { gitCommit: '3f786850e387550fdab836ed7e6dc881de23001b' } }],
      },
      runDetails: { builder: { id: 'https://github.com/actions/runner/github-hosted' }, metadata: { invocationId: 'https://github.com/acme/app/actions/runs/1/attempts/1' } },
    },
  };
  const payload = new TextEncoder().encode(JSON.stringify(statement));
  const envelope = makeEnvelope(inTotoPayloadType, payload, [{ keyid: builder.keyId, signature: builder.sign(pae(inTotoPayloadType, payload)) }]);
  const path = join(dir, fileName);
  writeFileSync(path, `${JSON.stringify(envelope)}\n`);
  const keyPath = join(dir, `${fileName}.builder.pub.pem`);
  writeFileSync(keyPath, builder.publicKeyPem);
  return { path, keyPath };
}

export function makeService(storeDir: string, keys: Keys, now: () => Date): CeremonyService {
  return new CeremonyService(new CeremonyStore(storeDir), softwareSigner(() => keys), now);
}
