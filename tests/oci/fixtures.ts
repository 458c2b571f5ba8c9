/**
 * What the OCI tests push and attach: a tiny real image (one gzip'd tar
 * layer, an OCI image config and manifest) and real DSSE envelopes over
 * in-toto statements, signed with a throwaway key.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pae, inTotoPayloadType } from '../../shared/dsse/pae';
import { makeEnvelope } from '../../shared/dsse/envelope';
import type { OciClient } from '../../electron/core/oci';
import { makeTestKey } from '../support/test-keys';

export const releasePredicate = 'https://conclave.dev/release-approval/v1';
const encoder = new TextEncoder();

export const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A ustar archive with one regular file: enough for a registry and for `docker run` to call it a layer. */
export function tarWithFile(name: string, content: Uint8Array): Uint8Array {
  const header = new Uint8Array(512);
  const put = (text: string, offset: number) => header.set(encoder.encode(text), offset);
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put('        ', 148); // checksum counted as spaces
  put('0', 156);
  put('ustar\0', 257);
  put('00', 263);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  put(`${checksum.toString(8).padStart(6, '0')}\0 `, 148);
  const padded = Math.ceil(content.length / 512) * 512;
  const out = new Uint8Array(512 + padded + 1024);
  out.set(header, 0);
  out.set(content, 512);
  return out;
}

export interface PushedImage {
  reference: string;
  digest: string;
  manifest: Uint8Array;
  pinned: string;
}

/** Builds and pushes a one-layer OCI image with the client's own upload functions. */
export async function pushImage(client: OciClient, repository: string, tag: string, text = 'hello from conclave\n'): Promise<PushedImage> {
  const tar = tarWithFile('hello.txt', encoder.encode(text));
  const layer = new Uint8Array(gzipSync(tar));
  const config = encoder.encode(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(tar)] } }));
  const pushedLayer = await client.uploadBlob(repository, layer);
  const pushedConfig = await client.uploadBlob(repository, config);
  const manifest = encoder.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: pushedConfig.digest, size: pushedConfig.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: pushedLayer.digest, size: pushedLayer.size }],
    }),
  );
  const reference = `${repository}:${tag}`;
  const { digest } = await client.uploadManifest(reference, manifest, 'application/vnd.oci.image.manifest.v1+json');
  return { reference, digest, manifest, pinned: `${repository}@${digest}` };
}

const key = makeTestKey('ecdsa-p256');

/** A DSSE envelope over an in-toto statement about `subjectDigest`, as Conclave publishes it. */
export function makeStatementEnvelope(subjectDigest: string, note: string, predicateType = releasePredicate): Uint8Array {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'image', digest: { sha256: subjectDigest.replace(/^sha256:/, '') } }],
    predicateType,
    predicate: { note },
  };
  const payload = encoder.encode(JSON.stringify(statement));
  const envelope = makeEnvelope(inTotoPayloadType, payload, [{ keyid: key.keyId, signature: key.sign(pae(inTotoPayloadType, payload)) }]);
  return encoder.encode(JSON.stringify(envelope));
}

/** A Docker config folder of the test's own, so no test reads the real ~/.docker. */
export function writeDockerConfig(dir: string, config: unknown): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

/**
 * An executable `docker-credential-<name>` that answers `get` for one server
 * URL as the real helpers do, and logs each server URL it was asked about.
 */
export function writeCredentialHelper(binDir: string, name: string, serverUrl: string, username: string, secret: string): { log: string } {
  mkdirSync(binDir, { recursive: true });
  const log = join(binDir, `${name}.log`);
  const script = [
    '#!/bin/sh',
    '[ "$1" = get ] || exit 1',
    'read -r url',
    `printf '%s\\n' "$url" >> '${log}'`,
    `if [ "$url" = '${serverUrl}' ]; then`,
    `  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$url" '${username}' '${secret}'`,
    'else',
    "  echo 'credentials not found in native keychain'",
    '  exit 1',
    'fi',
    '',
  ].join('\n');
  const path = join(binDir, `docker-credential-${name}`);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return { log };
}
