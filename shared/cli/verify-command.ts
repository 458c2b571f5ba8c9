/**
 * The `conclave verify` command that checks a published release, as the
 * window prints it after publishing and the summary file writes it: one
 * command for the envelope and the release's files, and one per container
 * image (checked against what is attached to it in its registry, issue 6,
 * bundles included there).
 */
import { shellCommand } from './shell-command';

export interface VerifyCommandInput {
  policyPath: string;
  envelopePath: string;
  /** Each approver's Sigstore bundle: the time stamps and certificates the envelope alone does not carry. */
  bundlePaths: readonly string[];
  /** The release's files: each by its path where it is known, else by a placeholder naming it (artifactPlaceholder). */
  files: readonly { name: string; path?: string }[];
  /** The release's images, pinned (registry/repository@sha256:…). */
  images: readonly string[];
}

/** Stands for an artifact whose path is not known here; the person replaces it (the window says so). */
export function artifactPlaceholder(name: string): string {
  return `<path of ${name}>`;
}

/** Each command on its own: the envelope and the files first (when there are files, or no images), then one per image. */
export function verifyCommands(input: VerifyCommandInput): string[] {
  const commands: string[] = [];
  if (input.files.length > 0 || input.images.length === 0) {
    const artifacts = input.files.flatMap((file) => ['--artifact', file.path ?? artifactPlaceholder(file.name)]);
    const bundles = input.bundlePaths.flatMap((path) => ['--bundle', path]);
    commands.push(shellCommand(['conclave', 'verify', '--policy', input.policyPath, '--envelope', input.envelopePath, ...bundles, ...artifacts]));
  }
  for (const image of input.images) commands.push(shellCommand(['conclave', 'verify', '--policy', input.policyPath, `oci://${image}`]));
  return commands;
}

/** One line to copy: every command, joined with && so that it exits 0 only when each check does. */
export function verifyCommand(input: VerifyCommandInput): string {
  return verifyCommands(input).join(' && ');
}
