/**
 * Read-modify-write of a manifest held by a tag (the referrers tag index,
 * cosign's `.att` manifest). The tag is the last thing written: what it
 * points at is complete before it moves. Concurrent writers are handled with
 * If-Match where the registry gives an ETag and honours it; everywhere, the
 * tag is read again after the write and the update repeated if another
 * writer's version replaced ours.
 */
import { OciError } from '../../../shared/oci/errors';
import { PreconditionFailed, type RegistryClient } from './registry-client';

const maxAttempts = 5;

export interface TagUpdate<T> {
  accept: string;
  /** Reads what the tag holds; throws OciError when it is something else. */
  parse(bytes: Uint8Array): T;
  /** Whether our entry is already there. */
  has(current: T): boolean;
  /** The new document (any blobs it names already pushed). */
  build(current: T | undefined): Promise<{ bytes: Uint8Array; mediaType: string }>;
  /** For messages: "the referrers index of …". */
  what: string;
}

export async function updateTag<T>(client: RegistryClient, repository: string, tag: string, update: TagUpdate<T>): Promise<{ changed: boolean; digest: string }> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = await client.getManifest(repository, tag, update.accept);
    const parsed = current ? update.parse(current.bytes) : undefined;
    if (current && parsed !== undefined && update.has(parsed)) return { changed: false, digest: current.digest };
    const next = await update.build(parsed);
    try {
      await client.putManifest(repository, tag, next.bytes, next.mediaType, current?.etag);
    } catch (error) {
      if (error instanceof PreconditionFailed) continue;
      throw error;
    }
    const after = await client.getManifest(repository, tag, update.accept);
    if (after && update.has(update.parse(after.bytes))) return { changed: true, digest: after.digest };
  }
  throw new OciError('oci-conflict', `Others kept changing ${update.what} while Conclave added to it (${maxAttempts} tries). Publish again: what is already there is kept, and nothing is added twice.`);
}
