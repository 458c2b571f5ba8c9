/**
 * `conclave policy trust FILE` and `conclave policy list` (issue 10): a
 * machine trusts a policy only because the person at it said so, after seeing
 * its digest, threshold and approvers. A ceremony under any other policy is
 * shown as untrusted, takes no decisions and cannot be published here.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConclaveError } from '../../../shared/errors';
import { describePolicy } from '../../../shared/policy/describe';
import { loadPolicyText, type Policy } from '../../../shared/policy/policy';
import { appDataDir } from '../../core/app-paths';
import { nodeDigester } from '../../core/crypto/node-crypto';
import { PolicyFolder } from '../../core/policy-trust/policy-folder';
import { UsageError, type CliIo } from '../io';
import { promptLine } from '../pin';
import { policyChainFromStore } from '../../core/policy-trust/policy-chain';
import { writeFileAtomically } from '../../core/atomic-file';
import { withCeremonyService } from './ceremony';

export const policyUsage = `  policy trust FILE [--yes] [--json]      show a policy's digest, threshold and approvers, and trust it on this machine
                                           (asks to confirm; --yes for scripts that have checked the digest)
  policy list [--json]                     the policies this machine trusts
  policy propose NEW.json --policy CURRENT.json --key URI
                                           open a policy ceremony: NEW becomes trusted once CURRENT's threshold and
                                           NEW's threshold have both approved it and it is published
  policy chain --out FILE [--store DIR]    write the store's published policy ceremonies, oldest first, for
                                           "conclave verify --policy-root FIRST.json --policy-chain FILE"
`;

const options = {
  yes: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  policy: { type: 'string' },
  key: { type: 'string' },
  'pin-env': { type: 'string' },
  out: { type: 'string' },
  store: { type: 'string' },
} as const;

/** What a person checks before trusting: the digest to compare with the team's, then who can approve. */
export function describeForTrust(policy: Policy): string {
  const approvers = policy.people.map((person) => `    ${person.id}${person.role ? ` (${person.role})` : ''}: ${person.keyIds.length > 0 ? person.keyIds.map((keyId) => `key ${keyId.slice(0, 16)}…`).join(', ') : 'by certificate'}`);
  const managers = policy.releaseManagerKeys.map((key) => `    ${key.approverId}: key ${key.keyId.slice(0, 16)}…`);
  return [
    `  policy  ${policy.name ?? '(no name)'}`,
    `  digest  sha256:${policy.digest}`,
    `  rule    ${describePolicy(policy)}`,
    '  approvers:',
    ...approvers,
    ...(managers.length > 0 ? ['  release managers:', ...managers] : []),
  ].join('\n');
}

export async function runPolicy(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
  const [action, ...rest] = positionals;
  const folder = new PolicyFolder(appDataDir(io.env));
  if (action === 'list') {
    if (rest.length > 0) throw new UsageError('policy list takes no arguments.');
    const trusted = await folder.list();
    if (values.json) io.out(`${JSON.stringify(trusted.map(({ policy: _policy, ...summary }) => summary), null, 2)}\n`);
    else io.out(trusted.length === 0 ? 'This machine trusts no policy yet. "conclave policy trust FILE" trusts one.\n' : trusted.map((entry) => `sha256:${entry.digest}  ${entry.name ?? '(no name)'}: ${entry.description}\n`).join(''));
    return 0;
  }
  if (action === 'propose') {
    if (rest.length !== 1 || !values.policy || !values.key) throw new UsageError('policy propose takes the new policy file, --policy with the current one and --key with your key.');
    return withCeremonyService(io, { store: values.store, pinEnv: values['pin-env'] }, async (service) => {
      const opened = await service.proposePolicy({ policyPath: values.policy!, proposedPolicyPath: rest[0]!, openerKeyUri: values.key! });
      io.out(`${opened.view.id}\n${describeForTrust(opened.proposedPolicy!)}\n  ${opened.view.tally ?? ''}\n  next: each approver of both policies runs "conclave ceremony approve ${opened.view.id} --key URI"; then "conclave ceremony publish ${opened.view.id} --out DIR --key URI".\n`);
      return 0;
    });
  }
  if (action === 'chain') {
    if (rest.length > 0 || !values.out) throw new UsageError('policy chain takes --out FILE.');
    return withCeremonyService(io, { store: values.store }, async (service) => {
      const chain = await policyChainFromStore(service);
      await writeFileAtomically(values.out!, `${JSON.stringify(chain, null, 2)}\n`, 0o644);
      io.out(`${chain.links.length} policy change${chain.links.length === 1 ? '' : 's'} written to ${values.out}.\n`);
      return 0;
    });
  }
  if (action !== 'trust') throw new UsageError(`"policy ${action ?? ''}" is not a policy command: trust FILE, list, propose NEW.json, or chain --out FILE.`);
  if (rest.length !== 1) throw new UsageError('policy trust takes one policy file.');
  const path = rest[0]!;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConclaveError('invalid-input', `Conclave cannot read the policy file ${path}.`);
  }
  const policy = await loadPolicyText(text, nodeDigester);
  if (!values.yes) {
    if (!io.interactive) throw new UsageError('policy trust asks you to confirm; in a script, check the digest first and pass --yes.');
    io.err(`${describeForTrust(policy)}\n\nCompare the digest with the one your team published. Trust this policy on this machine? Type "yes": `);
    const answer = await promptLine();
    if (answer.trim().toLowerCase() !== 'yes') {
      io.err('Not trusted; nothing changed.\n');
      return 1;
    }
  }
  const trusted = await folder.trust(text);
  if (values.json) io.out(`${JSON.stringify({ digest: policy.digest, name: policy.name, path: trusted.path, alreadyTrusted: trusted.alreadyTrusted }, null, 2)}\n`);
  else io.out(`${values.yes ? `${describeForTrust(policy)}\n` : ''}${trusted.alreadyTrusted ? 'Already trusted' : 'Trusted'} on this machine: sha256:${policy.digest} (${trusted.path}).\n`);
  return 0;
}
