import type { OperationProgress } from '../../../../shared/api/contract';
import { progressView } from './format';

interface OpeningProgressProps {
  progress: OperationProgress | undefined;
  cancelRequested: boolean;
  onCancel: () => void;
}

/** The hashing of the artifacts: one bar for the total, bytes and files in words, and Cancel. */
export function OpeningProgress({ progress, cancelRequested, onCancel }: OpeningProgressProps) {
  const view = progressView(progress);
  return (
    <div className="opening">
      <p className="opening-title">{cancelRequested ? 'Cancelling…' : 'Opening the ceremony: hashing the artifacts and checking the evidence.'}</p>
      <progress className="progress" aria-label="Hashing artifacts" max={1} {...(view.fraction === undefined ? {} : { value: view.fraction })} />
      <p role="status" className="opening-text">
        {view.text}
      </p>
      <button type="button" onClick={onCancel} aria-disabled={cancelRequested ? true : undefined}>
        Cancel opening
      </button>
    </div>
  );
}
