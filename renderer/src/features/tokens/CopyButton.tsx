import { useEffect, useState } from 'react';
import { copyOutcomeText, copyText, type CopyOutcome } from '../../lib/clipboard';

/** "Copy public key", with a visible confirmation (or what to do instead when the clipboard says no). */
export function CopyButton({ text }: { text: string }) {
  const [outcome, setOutcome] = useState<CopyOutcome | undefined>(undefined);

  useEffect(() => {
    if (outcome !== 'copied') return;
    const timer = setTimeout(() => setOutcome(undefined), 2500);
    return () => clearTimeout(timer);
  }, [outcome]);

  const copy = async () => {
    setOutcome(undefined);
    setOutcome(await copyText(text, navigator.clipboard));
  };

  return (
    <>
      <button type="button" onClick={() => void copy()}>
        Copy public key
      </button>
      <span role="status" className={outcome === 'refused' ? 'copy-status copy-refused' : 'copy-status'}>
        {outcome ? copyOutcomeText[outcome] : ''}
      </span>
    </>
  );
}
