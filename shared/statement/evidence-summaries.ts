/**
 * What the evidence checks hand to the release statement: summaries of the
 * provenance and SBOMs that were reviewed, and the findings about them. Plain
 * typed objects, so the statement does not depend on how evidence is read.
 */

/** Lowercase hex digests, as in-toto DigestSet writes them. */
export interface Sha256Digest {
  sha256: string;
}

export interface ProvenanceSummary {
  /** Digest of the provenance document as it was supplied (the envelope, bundle or statement file). */
  digest: Sha256Digest;
  /** The in-toto predicate type of the provenance, e.g. "https://slsa.dev/provenance/v1". */
  predicateType: string;
  /** The builder id the provenance names (SLSA runDetails.builder.id). */
  builderId: string;
  /** The source repository the provenance names, when it names one. */
  sourceRepository?: string;
  /** The source commit (git SHA-1 or SHA-256) the provenance names, when it names one. */
  sourceCommit?: string;
}

export const sbomFormats = ['cyclonedx', 'spdx'] as const;
export type SbomFormat = (typeof sbomFormats)[number];

export interface SbomSummary {
  digest: Sha256Digest;
  format: SbomFormat;
  /** The format's own version, e.g. "1.5" for CycloneDX or "SPDX-2.3". */
  specVersion: string;
  componentCount: number;
}

export const findingStatuses = ['pass', 'warn', 'fail'] as const;
export type FindingStatus = (typeof findingStatuses)[number];

export interface FindingOverride {
  /** The approver id (or name) of who overrode the finding. */
  by: string;
  /** Why, in their words. */
  reason: string;
  /** When, as an RFC 3339 UTC time. */
  at?: string;
}

export interface Finding {
  /** A stable id for the check, e.g. "artifact-in-provenance". */
  id: string;
  status: FindingStatus;
  /** A sentence a person can act on. */
  message: string;
  override?: FindingOverride;
}
