/**
 * Reading SBOMs into the summary reviewers see: what the SBOM is about, how
 * many components it lists, their licences, and (with `diffSboms`) what
 * changed since the previous release of the same product.
 *
 * Formats: CycloneDX JSON 1.2–1.6 and SPDX 2.2–2.3 JSON. The issue asks for
 * CycloneDX 1.4–1.6 and SPDX 2.3; the older versions are read too because the
 * fields used here (CycloneDX metadata.component, components, licenses, hashes,
 * purl; SPDX packages, documentDescribes, relationships, checksums,
 * externalRefs) have the same shape in them, and real SBOMs in those versions
 * are common (the proton-bridge examples are CycloneDX 1.2). Older or newer
 * versions are refused with a reason rather than half-read.
 */
import { PackageURL } from 'packageurl-js';
import { describeSize, isJsonObject, parseBoundedJson } from './bounded-json';
import { inTotoAlgorithmName, normalizeDigestValue, type DigestSet } from './digest-set';
import { CodedError } from '../errors';

export type SbomFormat = 'cyclonedx' | 'spdx';

export interface SbomComponent {
  name: string;
  version?: string;
  purl?: string;
  /** Licence ids, names or expressions as the SBOM states them; empty when it states none. */
  licenses: string[];
}

export interface SbomSubject {
  name: string;
  version?: string;
  purl?: string;
}

/** A digest of something the SBOM says it describes (CycloneDX metadata.component.hashes, SPDX checksums of described elements). */
export interface DescribedDigest {
  name: string;
  digest: DigestSet;
}

export interface SbomSummary {
  format: SbomFormat;
  /** "1.4" for CycloneDX, "2.3" for SPDX. */
  specVersion: string;
  /** The main component (CycloneDX) or the first described package (SPDX); absent when the SBOM does not say. */
  subject?: SbomSubject;
  componentCount: number;
  components: SbomComponent[];
  /** Licence → number of components under it; components that state none count under NOASSERTION (SPDX's term). */
  licenseSummary: Record<string, number>;
  describedDigests: DescribedDigest[];
}

export const sbomErrorCodes = ['sbom-too-large', 'sbom-too-deep', 'sbom-not-json', 'sbom-unrecognized', 'sbom-unsupported-version', 'sbom-malformed', 'sbom-too-many-components'] as const;
export type SbomErrorCode = (typeof sbomErrorCodes)[number];

export class SbomError extends CodedError<SbomErrorCode> {
  override readonly name = 'SbomError';
}

export interface SbomReadOptions {
  fileName?: string;
  maxCharacters?: number;
  maxDepth?: number;
  maxComponents?: number;
}

/** Large SBOMs (monorepos, container images) reach tens of MB; nesting stays shallow even with nested components. */
export const defaultSbomLimits = { maxCharacters: 64 * 1024 * 1024, maxDepth: 64, maxComponents: 200_000 } as const;

export const noLicense = 'NOASSERTION';

const cycloneDxVersions = ['1.2', '1.3', '1.4', '1.5', '1.6'];
const spdxVersions = ['SPDX-2.2', 'SPDX-2.3'];

export function readSbom(text: string, options: SbomReadOptions = {}): SbomSummary {
  const limits = {
    maxCharacters: options.maxCharacters ?? defaultSbomLimits.maxCharacters,
    maxDepth: options.maxDepth ?? defaultSbomLimits.maxDepth,
    maxComponents: options.maxComponents ?? defaultSbomLimits.maxComponents,
  };
  const what = options.fileName ? `“${options.fileName}”` : 'This SBOM';
  const parsed = parseBoundedJson(text.replace(/^\uFEFF/, ''), limits);
  if (!parsed.ok) {
    switch (parsed.problem) {
      case 'too-large':
        throw new SbomError('sbom-too-large', `${what} is ${describeSize(parsed.characters)}, more than the ${describeSize(limits.maxCharacters)} Conclave reads as an SBOM. Attach the SBOM of this release only.`);
      case 'too-deep':
        throw new SbomError('sbom-too-deep', `${what} nests JSON more than ${limits.maxDepth} levels deep, which no SBOM needs; it was refused unread. Generate the SBOM again with your SBOM tool.`);
      case 'not-json':
        throw new SbomError('sbom-not-json', `${what} is not JSON. Conclave reads CycloneDX and SPDX SBOMs in JSON; export the SBOM as JSON (not XML or tag-value) and attach that.`);
    }
  }
  const document = parsed.value;
  if (!isJsonObject(document)) throw unrecognized(what);
  if (document.bomFormat === 'CycloneDX') {
    if (typeof document.specVersion !== 'string' || !cycloneDxVersions.includes(document.specVersion)) {
      throw new SbomError('sbom-unsupported-version', `${what} is CycloneDX ${String(document.specVersion ?? '(no specVersion)')}; Conclave reads CycloneDX JSON 1.2 to 1.6. Export it as CycloneDX 1.6 (or 1.4–1.5).`);
    }
    return readCycloneDx(document, document.specVersion, what, limits.maxComponents);
  }
  if (typeof document.spdxVersion === 'string') {
    if (!spdxVersions.includes(document.spdxVersion)) {
      throw new SbomError('sbom-unsupported-version', `${what} is ${document.spdxVersion}; Conclave reads SPDX 2.3 (and 2.2) JSON. Export it as SPDX 2.3 JSON.`);
    }
    return readSpdx(document, document.spdxVersion.slice('SPDX-'.length), what, limits.maxComponents);
  }
  // SPDX 3 is JSON-LD with an @context and @graph, not the 2.x document shape.
  if ('@context' in document || '@graph' in document) {
    throw new SbomError('sbom-unsupported-version', `${what} looks like SPDX 3 (JSON-LD); Conclave reads SPDX 2.3 JSON and CycloneDX JSON. Export it as SPDX 2.3 or CycloneDX.`);
  }
  throw unrecognized(what);
}

function unrecognized(what: string): SbomError {
  return new SbomError('sbom-unrecognized', `${what} is not a CycloneDX or SPDX SBOM: expected "bomFormat": "CycloneDX" or an "spdxVersion". Attach the SBOM your SBOM tool produced, in JSON.`);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

// ---------------------------------------------------------------------------
// CycloneDX (cyclonedx.org/docs/1.6/json): metadata.component is what the BOM
// describes; components nest (component.components) for assemblies.

function readCycloneDx(bom: Record<string, unknown>, specVersion: string, what: string, maxComponents: number): SbomSummary {
  const metadata = isJsonObject(bom.metadata) ? bom.metadata : {};
  const main = isJsonObject(metadata.component) ? metadata.component : undefined;
  if (bom.components !== undefined && !Array.isArray(bom.components)) {
    throw new SbomError('sbom-malformed', `${what} has "components" that is not a list, so it is not valid CycloneDX. Generate the SBOM again with your SBOM tool.`);
  }
  const components: SbomComponent[] = [];
  // Iterative walk: nesting is already bounded by the depth limit, but a stack keeps it flat anyway.
  const pending: unknown[] = [...((bom.components as unknown[] | undefined) ?? [])].reverse();
  while (pending.length > 0) {
    const entry = pending.pop();
    if (!isJsonObject(entry)) throw new SbomError('sbom-malformed', `${what} lists a component that is not an object, so it is not valid CycloneDX. Generate the SBOM again with your SBOM tool.`);
    const name = text(entry.name);
    if (!name) throw new SbomError('sbom-malformed', `${what} lists a component without a name (CycloneDX requires one). Generate the SBOM again with your SBOM tool.`);
    if (components.length >= maxComponents) throw tooManyComponents(what, maxComponents);
    components.push(cycloneDxComponent(entry, name));
    if (Array.isArray(entry.components)) pending.push(...[...(entry.components as unknown[])].reverse());
  }
  const subjectName = main ? text(main.name) : undefined;
  const subject = main && subjectName ? compactSubject({ name: cycloneDxName(main, subjectName), version: text(main.version), purl: text(main.purl) }) : undefined;
  const mainDigest = main ? cycloneDxHashes(main.hashes) : {};
  return {
    format: 'cyclonedx',
    specVersion,
    ...(subject ? { subject } : {}),
    componentCount: components.length,
    components,
    licenseSummary: summarizeLicenses(components),
    describedDigests: subject && Object.keys(mainDigest).length > 0 ? [{ name: subject.name, digest: mainDigest }] : [],
  };
}

/** CycloneDX splits a package's namespace into `group` (npm scope, Maven groupId). */
function cycloneDxName(component: Record<string, unknown>, name: string): string {
  const group = text(component.group);
  return group ? `${group}/${name}` : name;
}

function cycloneDxComponent(entry: Record<string, unknown>, name: string): SbomComponent {
  const licenses: string[] = [];
  if (Array.isArray(entry.licenses)) {
    for (const choice of entry.licenses) {
      if (!isJsonObject(choice)) continue;
      // A licence choice is either { license: { id | name } } or { expression } (CycloneDX licenseChoice).
      const expression = text(choice.expression);
      const license = isJsonObject(choice.license) ? (text(choice.license.id) ?? text(choice.license.name)) : undefined;
      const value = expression ?? license;
      if (value && !licenses.includes(value)) licenses.push(value);
    }
  }
  return compactComponent({ name: cycloneDxName(entry, name), version: text(entry.version), purl: text(entry.purl), licenses });
}

function cycloneDxHashes(value: unknown): DigestSet {
  const digest: DigestSet = {};
  if (!Array.isArray(value)) return digest;
  for (const hash of value) {
    if (isJsonObject(hash) && text(hash.alg) && text(hash.content)) digest[inTotoAlgorithmName(hash.alg as string)] = normalizeDigestValue(hash.content as string);
  }
  return digest;
}

// ---------------------------------------------------------------------------
// SPDX 2.3 (spdx.github.io/spdx-spec/v2.3): the document DESCRIBES some
// elements (documentDescribes, or DESCRIBES / DESCRIBED_BY relationships, §11);
// those are the subject, every other package is a component.

function readSpdx(document: Record<string, unknown>, specVersion: string, what: string, maxComponents: number): SbomSummary {
  if (document.packages !== undefined && !Array.isArray(document.packages)) {
    throw new SbomError('sbom-malformed', `${what} has "packages" that is not a list, so it is not valid SPDX. Generate the SBOM again with your SBOM tool.`);
  }
  const packages = ((document.packages as unknown[] | undefined) ?? []).map((entry) => {
    if (!isJsonObject(entry) || !text(entry.name) || !text(entry.SPDXID)) {
      throw new SbomError('sbom-malformed', `${what} lists a package without a name or SPDXID (SPDX 2.3 §7.1–7.2 require both). Generate the SBOM again with your SBOM tool.`);
    }
    return entry;
  });
  if (packages.length > maxComponents) throw tooManyComponents(what, maxComponents);
  const files = Array.isArray(document.files) ? document.files.filter(isJsonObject) : [];

  const described = new Set<string>();
  const documentId = text(document.SPDXID) ?? 'SPDXRef-DOCUMENT';
  if (Array.isArray(document.documentDescribes)) for (const id of document.documentDescribes) if (typeof id === 'string') described.add(id);
  if (Array.isArray(document.relationships)) {
    for (const relationship of document.relationships) {
      if (!isJsonObject(relationship)) continue;
      if (relationship.relationshipType === 'DESCRIBES' && relationship.spdxElementId === documentId && typeof relationship.relatedSpdxElement === 'string') described.add(relationship.relatedSpdxElement);
      if (relationship.relationshipType === 'DESCRIBED_BY' && relationship.relatedSpdxElement === documentId && typeof relationship.spdxElementId === 'string') described.add(relationship.spdxElementId);
    }
  }

  const describedPackages = packages.filter((entry) => described.has(entry.SPDXID as string));
  const components = packages.filter((entry) => !described.has(entry.SPDXID as string)).map(spdxComponent);
  const main = describedPackages[0];
  const subject = main ? compactSubject({ name: main.name as string, version: text(main.versionInfo), purl: spdxPurl(main) }) : undefined;
  const describedDigests: DescribedDigest[] = [];
  for (const element of [...describedPackages, ...files.filter((file) => described.has(String(file.SPDXID)))]) {
    const digest = spdxChecksums(element.checksums);
    const name = text(element.name) ?? text(element.fileName) ?? String(element.SPDXID);
    if (Object.keys(digest).length > 0) describedDigests.push({ name, digest });
  }
  return {
    format: 'spdx',
    specVersion,
    ...(subject ? { subject } : {}),
    componentCount: components.length,
    components,
    licenseSummary: summarizeLicenses(components),
    describedDigests,
  };
}

function spdxComponent(entry: Record<string, unknown>): SbomComponent {
  // §7.13/§7.15: the concluded licence is the reviewer's answer; fall back to the declared one. NOASSERTION says nothing.
  const stated = [text(entry.licenseConcluded), text(entry.licenseDeclared)].find((value) => value !== undefined && value !== 'NOASSERTION');
  return compactComponent({ name: entry.name as string, version: text(entry.versionInfo), purl: spdxPurl(entry), licenses: stated ? [stated] : [] });
}

/** §7.21: a purl is an external reference of category PACKAGE-MANAGER (PACKAGE_MANAGER in JSON) and type purl. */
function spdxPurl(entry: Record<string, unknown>): string | undefined {
  if (!Array.isArray(entry.externalRefs)) return undefined;
  for (const reference of entry.externalRefs) {
    if (isJsonObject(reference) && reference.referenceType === 'purl' && text(reference.referenceLocator)) return reference.referenceLocator as string;
  }
  return undefined;
}

function spdxChecksums(value: unknown): DigestSet {
  const digest: DigestSet = {};
  if (!Array.isArray(value)) return digest;
  for (const checksum of value) {
    if (isJsonObject(checksum) && text(checksum.algorithm) && text(checksum.checksumValue)) digest[inTotoAlgorithmName(checksum.algorithm as string)] = normalizeDigestValue(checksum.checksumValue as string);
  }
  return digest;
}

// ---------------------------------------------------------------------------

function tooManyComponents(what: string, maxComponents: number): SbomError {
  return new SbomError('sbom-too-many-components', `${what} lists more than ${maxComponents} components, more than Conclave reads from one SBOM. Attach the SBOM of this release only.`);
}

function summarizeLicenses(components: SbomComponent[]): Record<string, number> {
  const summary: Record<string, number> = {};
  for (const component of components) {
    for (const license of component.licenses.length > 0 ? component.licenses : [noLicense]) summary[license] = (summary[license] ?? 0) + 1;
  }
  return summary;
}

function compactComponent(component: SbomComponent): SbomComponent {
  const out: SbomComponent = { name: component.name, licenses: component.licenses };
  if (component.version !== undefined) out.version = component.version;
  if (component.purl !== undefined) out.purl = component.purl;
  return out;
}

function compactSubject(subject: SbomSubject): SbomSubject {
  const out: SbomSubject = { name: subject.name };
  if (subject.version !== undefined) out.version = subject.version;
  if (subject.purl !== undefined) out.purl = subject.purl;
  return out;
}

// ---------------------------------------------------------------------------
// Differences between two releases

export interface SbomVersionChange {
  /** The component's identity: its purl without version, qualifiers or subpath, or its name. */
  key: string;
  name: string;
  previousVersion: string;
  nextVersion: string;
}

export interface SbomDiff {
  added: SbomComponent[];
  removed: SbomComponent[];
  /** Same component, next version sorts higher. */
  upgraded: SbomVersionChange[];
  /** Same component, next version sorts lower: worth a reviewer's look. */
  downgraded: SbomVersionChange[];
  unchanged: number;
}

/**
 * The identity a component keeps across versions. A purl without its version,
 * qualifiers and subpath (purl spec: type/namespace/name) when there is one,
 * else the name.
 */
export function componentKey(component: Pick<SbomComponent, 'name' | 'purl'>): string {
  if (component.purl) {
    try {
      const purl = PackageURL.fromString(component.purl);
      return `pkg:${purl.type}/${purl.namespace ? `${purl.namespace}/` : ''}${purl.name}`;
    } catch {
      // Not every producer writes valid purls; strip the version by hand.
      const bare = component.purl.split('#')[0]!.split('?')[0]!;
      const at = bare.lastIndexOf('@');
      return (at > bare.lastIndexOf('/') ? bare.slice(0, at) : bare).toLowerCase();
    }
  }
  return `name:${component.name}`;
}

/** Components added, removed, upgraded and downgraded from `previous` to `next`, each list sorted by key. */
export function diffSboms(previous: SbomSummary, next: SbomSummary): SbomDiff {
  const group = (summary: SbomSummary) => {
    const byKey = new Map<string, Map<string, SbomComponent>>();
    for (const component of summary.components) {
      const key = componentKey(component);
      const versions = byKey.get(key) ?? new Map<string, SbomComponent>();
      versions.set(component.version ?? '', component);
      byKey.set(key, versions);
    }
    return byKey;
  };
  const before = group(previous);
  const after = group(next);
  const diff: SbomDiff = { added: [], removed: [], upgraded: [], downgraded: [], unchanged: 0 };

  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const old = before.get(key) ?? new Map<string, SbomComponent>();
    const now = after.get(key) ?? new Map<string, SbomComponent>();
    const gone = [...old.keys()].filter((version) => !now.has(version));
    const arrived = [...now.keys()].filter((version) => !old.has(version));
    diff.unchanged += [...old.keys()].filter((version) => now.has(version)).length;
    // One version replaced by another is a version change; anything else (a second copy appearing, several changing) is listed as it is.
    if (gone.length === 1 && arrived.length === 1) {
      const previousVersion = gone[0]!;
      const nextVersion = arrived[0]!;
      const change: SbomVersionChange = { key, name: now.get(nextVersion)!.name, previousVersion, nextVersion };
      (compareVersions(nextVersion, previousVersion) >= 0 ? diff.upgraded : diff.downgraded).push(change);
      continue;
    }
    for (const version of gone) diff.removed.push(old.get(version)!);
    for (const version of arrived) diff.added.push(now.get(version)!);
  }
  return diff;
}

/**
 * Orders version strings the way most ecosystems do without knowing which one:
 * split into numeric and text runs, numbers compare as numbers, a leading "v"
 * is ignored, and a pre-release suffix sorts before the release (semver §11).
 * Go pseudo-versions (v0.0.0-20210405180319-…) order by their timestamp.
 */
export function compareVersions(left: string, right: string): number {
  const split = (version: string) => {
    const [main = '', ...rest] = version.replace(/^v(?=\d)/, '').split('-');
    return { main: main.split(/[.+_]/), pre: rest.join('-') };
  };
  const a = split(left);
  const b = split(right);
  const length = Math.max(a.main.length, b.main.length);
  for (let index = 0; index < length; index++) {
    const order = comparePart(a.main[index] ?? '0', b.main[index] ?? '0');
    if (order !== 0) return order;
  }
  if (a.pre === b.pre) return 0;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  const preA = a.pre.split(/[.-]/);
  const preB = b.pre.split(/[.-]/);
  for (let index = 0; index < Math.max(preA.length, preB.length); index++) {
    if (preA[index] === undefined) return -1;
    if (preB[index] === undefined) return 1;
    const order = comparePart(preA[index]!, preB[index]!);
    if (order !== 0) return order;
  }
  return 0;
}

function comparePart(left: string, right: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(left) && numeric.test(right)) {
    const a = BigInt(left);
    const b = BigInt(right);
    return a === b ? 0 : a < b ? -1 : 1;
  }
  if (numeric.test(left)) return -1;
  if (numeric.test(right)) return 1;
  return left < right ? -1 : left > right ? 1 : 0;
}
