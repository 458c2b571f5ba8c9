/** The demo PIN, shown in plain sight on purpose: demo tokens guard nothing. */
export function DemoNote({ pin }: { pin: string }) {
  return (
    <div className="demo-note" role="note" aria-label="Demo tokens">
      <p>
        <strong>Demo only.</strong> These SoftHSM2 tokens are for trying Conclave, never for releases. Their PIN is{' '}
        <code className="demo-pin">{pin}</code>.
      </p>
    </div>
  );
}
