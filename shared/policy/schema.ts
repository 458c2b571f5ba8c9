/**
 * The policy document as written on disk (docs/policy.md). The zod schema is
 * the single source: loadPolicy validates with it, and docs/policy.schema.json
 * is generated from it (a test keeps the two equal).
 */
import { z } from 'zod';

export const policyVersion = 1;

/** Approver ids appear in messages, reports and file names: keep them plain. */
export const approverIdPattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
export const roleNamePattern = /^[a-z][a-z0-9-]{0,63}$/;

const approverSchema = z
  .strictObject({
    id: z.string().regex(approverIdPattern).meta({ description: 'Who this person is, e.g. "alice". Several entries with the same id are one person holding several keys.' }),
    name: z.string().min(1).max(200).optional().meta({ description: 'The name shown to people, e.g. "Alice Liddell".' }),
    role: z.string().regex(roleNamePattern).optional().meta({ description: 'The role this person approves as, e.g. "security". Entries with the same id must name the same role.' }),
    publicKey: z
      .string()
      .min(1)
      .max(16_384)
      .meta({ description: 'The signing key as PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"): ECDSA P-256, P-384 or P-521, RSA of 2048 bits or more, or Ed25519.' }),
  })
  .meta({ title: 'Approver' });

export const policyDocumentSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'Where editors find this schema; ignored by Conclave.' }),
    version: z.literal(policyVersion).meta({ description: 'The policy format version. Only 1 exists.' }),
    name: z.string().min(1).max(200).optional().meta({ description: 'What this policy is for, e.g. "acme-app releases".' }),
    threshold: z.number().int().min(1).max(1000).meta({ description: 'How many distinct people must approve.' }),
    approvers: z.array(approverSchema).min(1).max(1000).meta({ description: 'The people who may approve, one entry per key.' }),
    roles: z
      .record(z.string().regex(roleNamePattern), z.number().int().min(1).max(1000))
      .optional()
      .meta({ description: 'Minimum number of approving people per role, e.g. {"security": 1}. They count toward the threshold too.' }),
    separationOfDuties: z
      .strictObject({
        openerMayApprove: z.boolean().optional().meta({ description: 'Whether the person who opened a ceremony counts as an approver of it. Default false.' }),
      })
      .optional(),
    evidence: z
      .strictObject({
        builders: z.array(z.string().min(1).max(2048)).max(1000).optional().meta({ description: 'Builder ids allowed in provenance. An entry ending in "*" allows every id that starts with what comes before it.' }),
        sourceRepositories: z
          .array(z.string().min(1).max(2048))
          .max(1000)
          .optional()
          .meta({ description: 'Source repositories allowed in provenance, e.g. "https://github.com/acme/app". An entry ending in "*" allows every repository that starts with what comes before it.' }),
        allowOverride: z.boolean().optional().meta({ description: 'Whether a failed finding may be overridden (with a recorded reason) so the ceremony can freeze. Default false.' }),
      })
      .optional(),
    ceremony: z
      .strictObject({
        maxOpenHours: z.number().positive().max(8760).optional().meta({ description: 'How long a ceremony may stay open before it expires, in hours. Default 72.' }),
      })
      .optional(),
  })
  .meta({ title: 'Conclave release policy', description: 'Who must approve a release, and what evidence a release must carry. See docs/policy.md.' });

export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
export type PolicyApproverDocument = PolicyDocument['approvers'][number];

/** The JSON Schema published as docs/policy.schema.json. */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(policyDocumentSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://conclave.dev/schemas/policy/v1.json',
  };
}
