import { useEffect, useState } from 'react';
import { copyOutcomeMessage, copyText, type CopyOutcome } from '../lib/clipboard';
import './CopyTextButton.css';

interface CopyTextButtonProps {
  text: string;
  /** The button's words, which are also its accessible name: "Copy data folder". */
  label: string;
  /** What to do when the clipboard refuses, e.g. "Select the path and copy it from there." */
  refusedAdvice?: string;
}

/** Copies a value, with a visible confirmation (or what to do instead when the clipboard says no). */
export function CopyTextButton({ text, label, refusedAdvice = 'Select the text and copy it yourself.' }: CopyTextButtonProps) {
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
        {label}
      </button>
      <span role="status" className={outcome === 'refused' ? 'copy-status copy-refused' : 'copy-status'}>
        {outcome ? copyOutcomeMessage(outcome, refusedAdvice) : ''}
      </span>
    </>
  );
}
