/** A policy file from disk, loaded strictly; an unreadable file gets a message that names it. */
import { readFile } from 'node:fs/promises';
import { ConclaveError } from '../../../shared/errors';
import { loadPolicyText, type Policy } from '../../../shared/policy/policy';
import { nodeDigester } from '../crypto/node-crypto';

export async function readPolicyFile(path: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConclaveError('invalid-input', `Conclave cannot read the policy file ${path}.`);
  }
  return loadPolicyText(text, nodeDigester, path);
}
