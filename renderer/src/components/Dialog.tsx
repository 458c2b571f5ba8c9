import { useId, useLayoutEffect, useRef, type ReactNode, type SyntheticEvent } from 'react';
import './Dialog.css';

interface DialogProps {
  title: string;
  /** Called on Escape and by the dialog's own Cancel/Close buttons; the parent unmounts the dialog. */
  onClose: () => void;
  children: ReactNode;
}

/**
 * A modal <dialog>: opened with showModal (so the rest of the window is inert),
 * focus moves to the element marked data-autofocus (or the first field), and
 * goes back to whatever had it when the dialog closes. Escape closes.
 */
export function Dialog({ title, onClose, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    const first = dialog.querySelector<HTMLElement>('[data-autofocus]') ?? dialog.querySelector<HTMLElement>('input, select, textarea, button');
    first?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  const cancel = (event: SyntheticEvent) => {
    // Escape: let React unmount the dialog rather than the browser closing it under us.
    event.preventDefault();
    onClose();
  };

  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} aria-modal="true" onCancel={cancel}>
      <h2 id={titleId} className="dialog-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}
