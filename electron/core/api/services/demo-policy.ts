/**
 * The demo policy: any two of the three demo tokens, at least one of them
 * security's, made from the keys on the demo tokens. Alice and bob are
 * security and carol engineering, so any two demo approvers complete it, and
 * so does any pair left when one of them opens (issue 16: with alice the only
 * security approver, bob and carol together never could).
 */
import { ConclaveError } from '../../../../shared/errors';
import { demoKeyLabel, demoModuleId, demoTokenLabels } from '../../tokens/demo-tokens';
import type { TokenService } from '../../tokens/token-service';

/** The role each demo approver approves as, by token label. */
export const demoRoles: Readonly<Record<string, string>> = { alice: 'security', bob: 'security', carol: 'engineering' };

/** The policy document for the demo approvers' public keys, in demo token order. */
export function demoPolicyDocument(approvers: readonly { id: string; publicKeyPem: string }[]): string {
  const entries = approvers.map(({ id, publicKeyPem }) => ({ id, role: demoRoles[id] ?? 'engineering', publicKey: publicKeyPem }));
  return JSON.stringify({ version: 1, name: 'demo', threshold: 2, approvers: entries, roles: { security: 1 } }, null, 2);
}

export async function demoPolicyText(tokens: TokenService): Promise<string> {
  const demo = tokens.snapshotModules().find((module) => module.id === demoModuleId);
  if (!demo || demo.tokens.length < demoTokenLabels.length) throw new ConclaveError('invalid-input', 'Create the demo tokens first (Tokens screen), then the demo policy can name their keys.');
  const approvers = [];
  for (const label of demoTokenLabels) {
    const token = demo.tokens.find((candidate) => candidate.label === label);
    const key = token ? (await tokens.listKeys(token.uri)).find((candidate) => candidate.label === demoKeyLabel) : undefined;
    if (!key) throw new ConclaveError('invalid-input', `Demo token ${label} has no ${demoKeyLabel} key; create the demo tokens again.`);
    approvers.push({ id: label, publicKeyPem: key.publicKeyPem });
  }
  return demoPolicyDocument(approvers);
}
