/**
 * What registries, token servers, Docker config files and credential helpers
 * send back, as zod schemas. Objects are loose: a registry adds fields we do
 * not know, and a read-modify-write of a referrers index must keep other
 * tools' fields, not drop them.
 */
import { z } from 'zod';

const digestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const annotationsSchema = z.record(z.string(), z.string());

export const descriptorSchema = z.looseObject({
  mediaType: z.string().min(1).max(255),
  digest: z.string().regex(digestPattern).max(200),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  artifactType: z.string().max(255).optional(),
  annotations: annotationsSchema.optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

/** An OCI image manifest or a Docker v2 schema 2 manifest (same shape). */
export const imageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().max(255).optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema).max(10_000),
  subject: descriptorSchema.optional(),
  annotations: annotationsSchema.optional(),
});
export type ImageManifest = z.infer<typeof imageManifestSchema>;

/** An OCI image index or a Docker manifest list (same shape). */
export const imageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().max(255).optional(),
  manifests: z.array(descriptorSchema).max(10_000),
  subject: descriptorSchema.optional(),
  annotations: annotationsSchema.optional(),
});
export type ImageIndex = z.infer<typeof imageIndexSchema>;

/** Only what we read of any manifest: its declared type. */
export const anyManifestSchema = z.looseObject({ schemaVersion: z.number(), mediaType: z.string().optional() });

/** A token server's answer (distribution token spec; OAuth2 servers say access_token). */
export const tokenResponseSchema = z
  .looseObject({
    token: z.string().min(1).max(64 * 1024).optional(),
    access_token: z.string().min(1).max(64 * 1024).optional(),
    expires_in: z.number().int().positive().optional(),
  })
  .refine((value) => value.token !== undefined || value.access_token !== undefined, { message: 'no token' });

/** `~/.docker/config.json`, the parts that carry credentials. */
export const dockerConfigSchema = z.looseObject({
  auths: z
    .record(
      z.string(),
      z.looseObject({
        auth: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        identitytoken: z.string().optional(),
        registrytoken: z.string().optional(),
      }),
    )
    .optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
  credsStore: z.string().optional(),
});
export type DockerConfig = z.infer<typeof dockerConfigSchema>;

/** What `docker-credential-<name> get` prints. */
export const credentialHelperOutputSchema = z.looseObject({
  Username: z.string(),
  Secret: z.string(),
  ServerURL: z.string().optional(),
});

/** The error body of the distribution spec, for a message a person can use. */
export const registryErrorsSchema = z.looseObject({
  errors: z.array(z.looseObject({ code: z.string().max(100), message: z.string().max(1000).optional() })).max(20),
});
