import type { ErrorData } from '../../../shared/errors';
import { ErrorMessage } from './ErrorMessage';

interface RetryableErrorProps {
  error: ErrorData | undefined;
  onRetry: () => unknown;
  /** The retry button's words; "Try again" unless the action is more specific. */
  retryLabel?: string;
}

/** A failure to load something, said where it happened, with the one button that tries again. */
export function RetryableError({ error, onRetry, retryLabel = 'Try again' }: RetryableErrorProps) {
  if (!error) return null;
  return (
    <div className="load-error">
      <ErrorMessage error={error} />
      <button type="button" onClick={() => void onRetry()}>
        {retryLabel}
      </button>
    </div>
  );
}
