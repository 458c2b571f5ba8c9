import { useId, useState, type ReactNode } from 'react';

interface CollapsibleSectionProps {
  title: string;
  /** One line that says what is inside, shown open or closed. */
  summary: ReactNode;
  defaultOpen?: boolean;
  children: ReactNode;
}

/**
 * A long section of the ceremony screen: its heading is the disclosure
 * button (the heading keeps its name, so the region is still named by it),
 * with a one-line summary beside it, so the page stays short and the next
 * action stays in view.
 */
export function CollapsibleSection({ title, summary, defaultOpen = false, children }: CollapsibleSectionProps) {
  const headingId = useId();
  const bodyId = useId();
  const [open, setOpen] = useState(defaultOpen);
  return (
    <section className="panel collapsible" aria-labelledby={headingId}>
      <div className="collapsible-header">
        <h3 id={headingId}>
          <button type="button" className="collapsible-toggle" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen(!open)}>
            {title}
          </button>
        </h3>
        <p className="collapsible-summary">{summary}</p>
      </div>
      <div id={bodyId} className="collapsible-body" hidden={!open}>
        {children}
      </div>
    </section>
  );
}
