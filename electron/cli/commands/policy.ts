/**
 * `conclave policy trust FILE` and `conclave policy list` (issue 10): a
 * machine trusts a policy only because the person at it said so, after seeing
 * its digest, threshold and approvers. A ceremony under any other policy is
 * shown as untrusted, takes no decisions and cannot be published here.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConclaveError } from '../../../shared/errors';
import { describePolicy } from '../../../shared/policy/describe';
import { loadPolicyText, type Policy } from '../../../shared/policy/policy';
import { appDataDir } from '../../core/app-paths';
import { nodeDigester } from '../../core/crypto/node-crypto';
import { PolicyFolder } from '../../core/policy-trust/policy-folder';
import { UsageError, type CliIo } from '../io';
import type { CommandInput } from '../command-spec';
import { exitCodes } from '../exit-codes';
import { quoteForShell } from '../../../shared/cli/shell-command';
import { promptLine } from '../pin';
import { policyChainFromStore } from '../../core/policy-trust/policy-chain';
import { writeFileAtomically } from '../../core/atomic-file';
import { withCeremonyService } from './ceremony';

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

/** The runner of each policy command, by the name the catalog loads it with. */
export const policyRunners = {
  async list(input: CommandInput, io: CliIo): Promise<number> {
    const trusted = await new PolicyFolder(appDataDir(io.env)).list();
    if (input.json) io.out(`${JSON.stringify(trusted.map(({ policy: _policy, ...summary }) => summary), null, 2)}\n`);
    else if (input.quiet) io.out(trusted.map((entry) => `sha256:${entry.digest}\n`).join(''));
    else io.out(trusted.length === 0 ? 'This machine trusts no policy yet. "conclave policy trust FILE" trusts one.\n' : trusted.map((entry) => `sha256:${entry.digest}  ${entry.name ?? '(no name)'}: ${entry.description}\n`).join(''));
    return exitCodes.done;
  },

  async propose(input: CommandInput, io: CliIo): Promise<number> {
    const current = input.string('policy');
    const keyUri = input.string('key');
    if (!current || !keyUri) throw new UsageError('needs --policy with the current policy file and --key with your key.');
    return withCeremonyService(io, { store: input.string('store') }, async (service) => {
      const opened = await service.proposePolicy({ policyPath: current, proposedPolicyPath: input.positionals[0]!, openerKeyUri: keyUri });
      const store = input.string('store') ? ` --store ${quoteForShell(resolve(input.string('store')!))}` : '';
      if (input.json) io.out(`${JSON.stringify(opened.view, null, 2)}\n`);
      else if (input.quiet) io.out(`${opened.view.id}\n`);
      else
        io.out(
          `${opened.view.id}\n${describeForTrust(opened.proposedPolicy!)}\n  ${opened.view.tally ?? ''}\nNext: each approver of both policies runs "conclave ceremony approve ${opened.view.id} --key URI${store}"; then "conclave ceremony publish ${opened.view.id} --out DIR --key URI${store}".\n`,
        );
      return exitCodes.done;
    });
  },

  async chain(input: CommandInput, io: CliIo): Promise<number> {
    const out = input.string('out');
    if (!out) throw new UsageError('needs --out FILE: where to write the chain.');
    return withCeremonyService(io, { store: input.string('store') }, async (service) => {
      const chain = await policyChainFromStore(service);
      await writeFileAtomically(out, `${JSON.stringify(chain, null, 2)}\n`, 0o644);
      if (input.json) io.out(`${JSON.stringify({ ok: true, path: resolve(out), links: chain.links.length }, null, 2)}\n`);
      else if (!input.quiet) io.out(`${chain.links.length} policy change${chain.links.length === 1 ? '' : 's'} written to ${resolve(out)}.\nNext: consumers verify with conclave verify --policy-root FIRST.json --policy-chain ${quoteForShell(resolve(out))} …\n`);
      return exitCodes.done;
    });
  },

  async trust(input: CommandInput, io: CliIo): Promise<number> {
    const path = input.positionals[0]!;
    const yes = input.flag('yes');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new ConclaveError('invalid-input', `Conclave cannot read the policy file ${path}.`);
    }
    const policy = await loadPolicyText(text, nodeDigester, path);
    if (!yes) {
      if (!io.interactive()) throw new UsageError('asks you to confirm; in a script, check the digest first and pass --yes.');
      io.err(`${describeForTrust(policy)}\n\nCompare the digest with the one your team published. Trust this policy on this machine? Type "yes": `);
      const answer = await promptLine();
      if (answer.trim().toLowerCase() !== 'yes') {
        io.err('Not trusted; nothing changed.\n');
        return exitCodes.refused;
      }
    }
    const trusted = await new PolicyFolder(appDataDir(io.env)).trust(text);
    if (input.json) io.out(`${JSON.stringify({ digest: policy.digest, name: policy.name, path: trusted.path, alreadyTrusted: trusted.alreadyTrusted }, null, 2)}\n`);
    else if (input.quiet) io.out(`sha256:${policy.digest}\n`);
    else io.out(`${yes ? `${describeForTrust(policy)}\n` : ''}${trusted.alreadyTrusted ? 'Already trusted' : 'Trusted'} on this machine: sha256:${policy.digest} (${trusted.path}).\nNext: open a ceremony under it (conclave ceremony open --help).\n`);
    return exitCodes.done;
  },
};
