import { useId } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { imageShapeHint } from './format';
import { useOpenCeremony } from './store';

/** Container images being released, typed one reference per line; with the artifact files, or instead of them. */
export function ImagesField() {
  const ids = { input: useId(), hint: useId(), error: useId() };
  const text = useOpenCeremony((s) => s.form.imagesText);
  const error = useOpenCeremony((s) => s.errors.images);
  const setImages = useOpenCeremony((s) => s.setImages);
  const checkImages = useOpenCeremony((s) => s.checkImages);
  const dismissError = useOpenCeremony((s) => s.dismissError);
  return (
    <div className="field images-field">
      <label htmlFor={ids.input}>
        Images<span className="muted"> (optional)</span>
      </label>
      <textarea
        id={ids.input}
        rows={3}
        spellCheck={false}
        autoComplete="off"
        placeholder="ghcr.io/acme/app:1.2.3"
        value={text}
        onChange={(event) => setImages(event.target.value)}
        onBlur={checkImages}
        aria-invalid={error ? true : undefined}
        aria-describedby={[ids.hint, error ? ids.error : ''].filter(Boolean).join(' ')}
      />
      <p id={ids.hint} className="hint">
        Container images being released, one per line: {imageShapeHint}. A tag is resolved to its digest when the ceremony opens, and that digest is signed. Files, images, or both.
      </p>
      {error && <ErrorMessage id={ids.error} error={error} onDismiss={() => dismissError('images')} />}
    </div>
  );
}
