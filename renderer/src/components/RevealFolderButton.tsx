import { useState } from 'react';
import { callApi } from './api-call';

/**
 * "Show in folder": only the desktop app can open the system's file manager
 * (the browser shell has no such power), so the button exists only there.
 */
export function RevealFolderButton({ path }: { path: string }) {
  const [note, setNote] = useState<string | undefined>(undefined);
  if (typeof window === 'undefined' || !window.conclave) return null;
  const reveal = async () => {
    const result = await callApi('files.reveal', { path });
    setNote(result.ok && result.value.shown ? undefined : result.ok ? 'That folder is no longer there.' : result.error.message);
  };
  return (
    <>
      <button type="button" onClick={() => void reveal()}>
        Show in folder
      </button>
      {note && (
        <span role="status" className="hint">
          {note}
        </span>
      )}
    </>
  );
}
