/**
 * Image references as Docker, cosign and crane read them
 * (distribution/reference): `[host[:port]/]path[:tag][@sha256:hex]`, with
 * Docker Hub's defaults (`docker.io`, `library/` for one-component names,
 * tag `latest` when neither tag nor digest is given).
 */
import { OciError } from './errors';
import { isSha256Digest } from './digest';

export interface ImageReference {
  /** The registry as the user names it: `docker.io`, `ghcr.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  registry: string;
  /** The repository path inside it, e.g. `library/alpine`, `acme/app`. */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>` when pinned. */
  digest?: string;
}

export const dockerHub = 'docker.io';
/** Where Docker Hub's registry API actually answers. */
export const dockerHubApiHost = 'registry-1.docker.io';

const componentPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^\w[\w.-]{0,127}$/;
const hostLabel = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const registryPattern = new RegExp(`^(?:${hostLabel}(?:\\.${hostLabel})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);
const maxNameLength = 255;

function invalid(reference: string, why: string): OciError {
  return new OciError('oci-reference-invalid', `"${reference}" is not an image reference: ${why}. Write it as registry/repository:tag or registry/repository@sha256:<digest>, e.g. ghcr.io/acme/app:1.2.3.`);
}

/** Docker's rule for "is the first component a registry host?". */
function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase() || component.startsWith('[');
}

export function parseImageReference(input: string): ImageReference {
  const reference = input.trim();
  if (reference === '') throw invalid(input, 'it is empty');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(reference)) throw invalid(reference, 'leave out the scheme (https://)');
  if (/\s/.test(reference)) throw invalid(reference, 'it contains white space');

  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isSha256Digest(digest)) {
      throw invalid(reference, /^sha256:/i.test(digest) ? 'a sha256 digest is 64 lowercase hex digits' : 'Conclave reads only sha256 digests (@sha256:<64 hex digits>)');
    }
  }

  const slash = rest.indexOf('/');
  let registry = dockerHub;
  let path = rest;
  if (slash >= 0 && looksLikeRegistry(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    path = rest.slice(slash + 1);
  }

  // A colon after the last slash starts the tag (a colon before it is a port).
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!tagPattern.test(tag)) throw invalid(reference, `"${tag}" is not a valid tag`);
  }

  if (!registryPattern.test(registry)) throw invalid(reference, `"${registry}" is not a registry host`);
  const port = /:(\d+)$/.exec(registry)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw invalid(reference, `port ${port} is out of range`);
  if (registry === 'index.docker.io' || registry === dockerHubApiHost) registry = dockerHub;

  if (path === '') throw invalid(reference, 'the repository name is missing');
  const components = path.split('/');
  for (const component of components) {
    if (!componentPattern.test(component)) throw invalid(reference, `"${component}" is not a valid repository name component (lowercase letters, digits and . _ - separators)`);
  }
  if (registry === dockerHub && components.length === 1) path = `library/${path}`;
  if (path.length > maxNameLength) throw invalid(reference, `the repository name is longer than ${maxNameLength} characters`);

  if (tag === undefined && digest === undefined) tag = 'latest';
  return { registry, repository: path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The full normalised form: `docker.io/library/alpine:3.20@sha256:…`. */
export function formatImageReference(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}${reference.tag !== undefined ? `:${reference.tag}` : ''}${reference.digest !== undefined ? `@${reference.digest}` : ''}`;
}

/** A reference to exactly one manifest, as Conclave passes between steps: `registry/repository@sha256:…`. */
export function pinnedReference(reference: Pick<ImageReference, 'registry' | 'repository'>, digest: string): string {
  return `${reference.registry}/${reference.repository}@${digest}`;
}

/** Parses a reference that must name one manifest by digest (attaching and finding never follow a tag). */
export function parsePinnedReference(input: string): ImageReference & { digest: string } {
  const reference = parseImageReference(input);
  if (reference.digest === undefined) {
    throw new OciError('oci-reference-invalid', `"${input}" names a tag, which can move: pin the image by digest (…@sha256:<digest>), as crane digest or docker buildx imagetools inspect print it.`);
  }
  return { ...reference, digest: reference.digest };
}

/** The host:port the registry API answers at (Docker Hub's API is not at docker.io). */
export function registryApiHost(registry: string): string {
  return registry === dockerHub ? dockerHubApiHost : registry;
}

/** The host without the port, lowercase, brackets kept off IPv6 literals: what the insecure rule and credentials compare. */
export function hostName(registry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(registry);
  if (bracketed) return bracketed[1]!.toLowerCase();
  return registry.replace(/:\d+$/, '').toLowerCase();
}
