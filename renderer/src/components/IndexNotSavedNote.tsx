/**
 * Why the core cannot save the ceremonies it judged (its cache is a folder, the data folder is not writable, the disk
 * is full), as its last page said: each start judges every ceremony again until the person does what it says. Shown
 * on every screen listing ceremonies, so a start that is slow each time never goes without a word.
 */
export function IndexNotSavedNote({ reason }: { reason: string | undefined }) {
  if (!reason) return null;
  return (
    <p className="message message-warning" role="note" aria-label="Ceremonies not saved">
      {reason}
    </p>
  );
}
