import { createHash } from 'node:crypto';
import { sha256Digest } from '../../../shared/oci/digest';

/** `sha256:<hex>` of these bytes: how registries name content. */
export function digestOf(bytes: Uint8Array): string {
  return sha256Digest(new Uint8Array(createHash('sha256').update(bytes).digest()));
}
