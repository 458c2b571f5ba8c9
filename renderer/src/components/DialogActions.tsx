interface DialogActionsProps {
  submitLabel: string;
  onClose: () => void;
  working: boolean;
  /** What the dismiss button says while the work goes on (the work is not cancelled by closing). */
  closeLabelWhileWorking?: string;
}

/** Cancel and submit, in the same place and order in every dialog. */
export function DialogActions({ submitLabel, onClose, working, closeLabelWhileWorking = 'Cancel' }: DialogActionsProps) {
  return (
    <div className="dialog-actions">
      <button type="button" onClick={onClose}>
        {working ? closeLabelWhileWorking : 'Cancel'}
      </button>
      <button type="submit" className="button-primary" aria-disabled={working ? true : undefined}>
        {submitLabel}
      </button>
    </div>
  );
}
