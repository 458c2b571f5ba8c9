/**
 * The policy document as written on disk (docs/policy.md). The zod schema is
 * the single source: loadPolicy validates with it, and docs/policy.schema.json
 * is generated from it (a test keeps the two equal).
 */
import { z } from 'zod';
import { pinRequirements, touchRequirements } from '../attestation/requirement';

export const policyVersion = 1;

/** RSA signature schemes a policy may ask for (`signing.rsa`); the first is the default. */
export const rsaSigningSchemes = ['pkcs1-v1_5', 'pss'] as const;
export type RsaSigningScheme = (typeof rsaSigningSchemes)[number];

/** Approver ids appear in messages, reports and file names: keep them plain. */
export const approverIdPattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
export const roleNamePattern = /^[a-z][a-z0-9-]{0,63}$/;

/** A CRL is fetched where the policy says: https, or plain http to this machine only (a test CA). */
export const crlUrlPattern = /^(https:\/\/\S+|http:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(:\d{1,5})?(\/\S*)?)$/;

const certificateIdentitySchema = z
  .strictObject({
    roots: z
      .string()
      .min(1)
      .max(262_144)
      .meta({ description: 'The CA certificate(s) the approver\'s certificate must chain to, as PEM "CERTIFICATE" blocks: the organisation\'s root CA, or an issuing CA trusted directly.' }),
    intermediates: z
      .string()
      .min(1)
      .max(262_144)
      .optional()
      .meta({ description: 'Intermediate CA certificates that may complete the chain, as PEM "CERTIFICATE" blocks. Never trusted by themselves.' }),
    subject: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .meta({ description: 'The certificate\'s whole subject as an RFC 4514 name ("CN=Alice Liddell,OU=Release,O=Acme"), or a bare common name ("Alice Liddell"). Matched exactly.' }),
    email: z.string().min(3).max(320).optional().meta({ description: 'An email address (rfc822Name) the certificate\'s subjectAltName must list, e.g. "alice@example.com".' }),
    uri: z.string().min(1).max(2048).optional().meta({ description: 'A URI the certificate\'s subjectAltName must list, e.g. "https://id.example.com/people/alice".' }),
    dns: z.string().min(1).max(253).optional().meta({ description: 'A DNS name the certificate\'s subjectAltName must list. Wildcards are never expanded.' }),
    crls: z
      .array(z.string().regex(crlUrlPattern, 'expected an https URL (plain http only to 127.0.0.1 or localhost)').max(2048))
      .max(16)
      .optional()
      .meta({
        description:
          'Where the CAs publish their CRLs (https URLs), fetched when approving, loading and verifying. When given, a CRL of every CA in the chain must be available and current, and a revoked certificate does not count.',
      }),
  })
  .meta({
    title: 'Certificate identity',
    description:
      'An approver identified by an X.509 certificate, read from the token next to the key: the chain must lead to one of these roots, name every identity given here (at least one of subject, email, uri, dns), allow digitalSignature, be valid at the signing time and not be revoked.',
  });

const attestationSchema = z
  .strictObject({
    required: z.boolean().meta({ description: 'Whether this approver\'s approvals count only with a valid attestation of their key. With false, an attestation sent anyway is checked and shown.' }),
    touch: z
      .enum(touchRequirements)
      .optional()
      .meta({ description: 'The touch policy the key must have been made with: "always" (a touch for every signature), "cached" (always, or one touch for 15 seconds), or "any" (the default).' }),
    pin: z
      .enum(pinRequirements)
      .optional()
      .meta({ description: 'The PIN policy the key must have been made with: "always" (the PIN, or on a YubiKey Bio a fingerprint, for every signature), "once" (any policy that asks for the PIN), or "any" (the default).' }),
    roots: z
      .array(z.string().min(1).max(262_144))
      .min(1)
      .max(16)
      .optional()
      .meta({
        description:
          'The attestation roots the device certificate (slot f9) must chain to, as PEM "CERTIFICATE" blocks, instead of Yubico\'s PIV attestation root, which Conclave ships. Keys of firmware 5.7.4 and later chain to Yubico\'s newer CAs: name the certificate that issued their f9 certificate here.',
      }),
  })
  .meta({
    title: 'Key attestation',
    description:
      'Proof that the approver\'s key was made on a YubiKey and cannot leave it (issue 13): the approval carries the slot\'s PIV attestation certificate and the device\'s f9 certificate, which must chain to Yubico\'s root (or these roots), certify the approver\'s key and state the PIN and touch policy asked for. Two approvers whose keys attest to the same device count once.',
  });

const approverSchema = z
  .strictObject({
    id: z.string().regex(approverIdPattern).meta({ description: 'Who this person is, e.g. "alice". Several entries with the same id are one person holding several keys.' }),
    name: z.string().min(1).max(200).optional().meta({ description: 'The name shown to people, e.g. "Alice Liddell".' }),
    role: z.string().regex(roleNamePattern).optional().meta({ description: 'The role this person approves as, e.g. "security". Entries with the same id must name the same role.' }),
    publicKey: z
      .string()
      .min(1)
      .max(16_384)
      .optional()
      .meta({
        description:
          'The signing key as PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"): ECDSA P-256, P-384 or P-521, RSA of 2048 bits or more, or Ed25519. Give either publicKey or certificate.',
      }),
    certificate: certificateIdentitySchema.optional(),
    attestation: attestationSchema.optional(),
  })
  // Exactly one of the two: loadPolicy says so in words (policy-malformed); this tells editors.
  .meta({ title: 'Approver', oneOf: [{ required: ['publicKey'] }, { required: ['certificate'] }] });

export const policyDocumentSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'Where editors find this schema; ignored by Conclave.' }),
    version: z.literal(policyVersion).meta({ description: 'The policy format version. Only 1 exists.' }),
    name: z.string().min(1).max(200).optional().meta({ description: 'What this policy is for, e.g. "acme-app releases".' }),
    threshold: z.number().int().min(1).max(1000).meta({ description: 'How many distinct people must approve.' }),
    approvers: z.array(approverSchema).min(1).max(1000).meta({ description: 'The people who may approve, one entry per key or certificate identity.' }),
    releaseManagers: z
      .array(
        z
          .strictObject({
            id: z.string().regex(approverIdPattern).meta({ description: 'Who this person is, e.g. "rita". An approver who also opens or publishes needs no entry here.' }),
            name: z.string().min(1).max(200).optional().meta({ description: 'The name shown to people.' }),
            publicKey: z.string().min(1).max(16_384).meta({ description: 'The key this person signs ceremony events with, as PEM SubjectPublicKeyInfo (same key types as approvers).' }),
          })
          .meta({ title: 'Release manager' }),
      )
      .max(1000)
      .optional()
      .meta({
        description:
          'People who may open, freeze, cancel and publish ceremonies without being approvers: their keys sign those events, never count toward the threshold. Approvers may do all of this too.',
      }),
    roles: z
      .record(z.string().regex(roleNamePattern), z.number().int().min(1).max(1000))
      .optional()
      .meta({ description: 'Minimum number of approving people per role, e.g. {"security": 1}. They count toward the threshold too.' }),
    timestamping: z
      .strictObject({
        url: z
          .string()
          .regex(/^https?:\/\/\S+$/, 'expected an http(s) URL')
          .max(2048)
          .optional()
          .meta({ description: 'The RFC 3161 time-stamping authority each approval signature is sent to, e.g. "https://tsa.example.com/tsr". Plain http only for 127.0.0.1.' }),
        certificates: z
          .string()
          .min(1)
          .max(262_144)
          .meta({ description: 'The CA certificate(s) the TSA certificate must chain to, as PEM "CERTIFICATE" blocks. A time stamp from any other TSA does not count.' }),
        required: z
          .boolean()
          .optional()
          .meta({ description: 'Whether an approval counts only with a valid time stamp. Default false: an approval made offline records that it has no trusted time and still counts.' }),
      })
      .optional()
      .meta({ description: 'Trusted time for approvals (RFC 3161): the signing time a verifier can rely on after keys or certificates expire.' }),
    signing: z
      .strictObject({
        rsa: z
          .enum(rsaSigningSchemes)
          .optional()
          .meta({
            description:
              'How RSA keys sign approvals, rejections and events: "pkcs1-v1_5" (RSASSA-PKCS1-v1_5 with SHA-256, the default: cosign, sigstore-go, sigstore-js and other Sigstore verifiers check it with the key) or "pss" (RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt: Conclave and DSSE verifiers that are told the scheme check it; Sigstore verifiers refuse it). Conclave accepts both when it verifies, whatever this says.',
          }),
      })
      .optional()
      .meta({ description: 'How the keys of this policy sign. Only RSA keys have a choice: ECDSA and Ed25519 keys have one scheme each.' }),
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
