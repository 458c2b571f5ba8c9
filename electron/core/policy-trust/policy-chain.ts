/**
 * The policy chain of a store (issue 10): every published policy ceremony,
 * oldest first, with the envelope its approvals make and the policy it
 * proposed. A consumer who trusts the first policy follows it to the current
 * one (`conclave verify --policy-root FIRST.json --policy-chain FILE`).
 */
import type { PolicyChainFile } from '../../../shared/verify/policy-chain';
import { policyChainMediaType } from '../../../shared/verify/policy-chain';
import { checkPublishedEnvelope } from '../audit/published-envelope';
import type { CeremonyService, LoadedCeremony } from '../ceremony/ceremony-service';

export async function policyChainFromStore(service: CeremonyService): Promise<PolicyChainFile> {
  const published: LoadedCeremony[] = [];
  for (const id of await service.store.listCeremonies()) {
    let loaded: LoadedCeremony;
    try {
      loaded = await service.load(id);
    } catch {
      continue; // nothing in it can be believed; the audit says why
    }
    if (loaded.proposedPolicy && loaded.view.published) published.push(loaded);
  }
  published.sort((a, b) => a.view.published!.at.localeCompare(b.view.published!.at) || a.view.id.localeCompare(b.view.id));
  const links: PolicyChainFile['links'] = [];
  for (const loaded of published) {
    const check = await checkPublishedEnvelope(loaded);
    if (!check) continue;
    const timestamps = Object.fromEntries(loaded.view.approvals.flatMap((approval) => (approval.timestamp ? [[approval.keyId, approval.timestamp]] : [])));
    links.push({ ceremonyId: loaded.view.id, policy: loaded.proposedPolicy!.document, envelope: check.envelope, ...(Object.keys(timestamps).length > 0 ? { timestamps } : {}) });
  }
  return { mediaType: policyChainMediaType, links };
}
