import type { Ref } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SignAs } from '../../components/SignAs';
import { useOpenCeremony } from './store';

interface OpenSignerProps {
  /** The PIN belongs to the Open screen's form (never to the store) and is emptied once the opening starts. */
  pin: string;
  onPinChange: (pin: string) => void;
  pinRef: Ref<HTMLInputElement>;
  errorId: string;
}

/**
 * "Sign the opening as": once a policy is chosen, the keys attached here that
 * belong to its approvers or release managers, and the PIN when the chosen
 * key's token asks for one. The opening is signed with it, so the ceremony
 * records who opened it.
 */
export function OpenSigner({ pin, onPinChange, pinRef, errorId }: OpenSignerProps) {
  const policyPath = useOpenCeremony((s) => s.form.policyPath);
  const keyUri = useOpenCeremony((s) => s.form.keyUri);
  const openerKeys = useOpenCeremony((s) => s.openerKeys);
  const error = useOpenCeremony((s) => s.errors.signer);
  const opening = useOpenCeremony((s) => s.phase.kind === 'opening');
  const selectKey = useOpenCeremony((s) => s.selectOpenerKey);
  const reload = useOpenCeremony((s) => s.reloadOpenerKeys);
  if (!policyPath) return null;

  return (
    <div className="open-signer">
      <SignAs
        legend="Sign the opening as"
        // Keys looked up for another policy say nothing about this one.
        keys={openerKeys.policyPath === policyPath ? openerKeys.keys : undefined}
        loading={openerKeys.loadingKeys}
        loadError={openerKeys.keysError}
        onReload={reload}
        selected={keyUri}
        onSelect={selectKey}
        pin={pin}
        onPinChange={onPinChange}
        working={opening}
        noneEligibleText="None of the keys on your tokens belongs to this policy's approvers or release managers. Attach your token, or ask for your key to be added to the policy."
        noKeysText="No key found on the tokens attached: the opening is signed by a key of this policy's approvers or release managers. Attach your token, then press Look again."
        errorId={error ? errorId : undefined}
        pinRef={pinRef}
      />
      {error && <ErrorMessage id={errorId} error={error} />}
    </div>
  );
}
