/** The demo policy (two of the three demo tokens, one of them security's), made from the keys on the demo tokens. */
import { ConclaveError } from '../../../../shared/errors';
import { demoKeyLabel, demoModuleId, demoTokenLabels } from '../../tokens/demo-tokens';
import type { TokenService } from '../../tokens/token-service';

export async function demoPolicyText(tokens: TokenService): Promise<string> {
  const demo = tokens.snapshotModules().find((module) => module.id === demoModuleId);
  if (!demo || demo.tokens.length < demoTokenLabels.length) throw new ConclaveError('invalid-input', 'Create the demo tokens first (Tokens screen), then the demo policy can name their keys.');
  const approvers = [];
  for (const [index, label] of demoTokenLabels.entries()) {
    const token = demo.tokens.find((candidate) => candidate.label === label);
    const key = token ? (await tokens.listKeys(token.uri)).find((candidate) => candidate.label === demoKeyLabel) : undefined;
    if (!key) throw new ConclaveError('invalid-input', `Demo token ${label} has no ${demoKeyLabel} key; create the demo tokens again.`);
    approvers.push({ id: label, role: index === 0 ? 'security' : 'engineering', publicKey: key.publicKeyPem });
  }
  return JSON.stringify({ version: 1, name: 'demo', threshold: 2, approvers, roles: { security: 1 } }, null, 2);
}
