import { shortenHex } from '../lib/shorten';
import { CopyTextButton } from './CopyTextButton';
import './Digest.css';

interface DigestProps {
  /** The digest's hex, without an algorithm prefix. */
  value: string;
  /** Shown before it, e.g. "sha256:". */
  prefix?: string;
  /** The copy button's words and accessible name: "Copy SHA-256 of app.tar.gz". */
  copyLabel: string;
}

/**
 * A digest on a page that describes (not one that asks for a signature): its
 * two ends in monospace, the whole in its title, and a button that copies the
 * whole. Dialogs that ask someone to compare before signing show digests whole.
 */
export function Digest({ value, prefix = '', copyLabel }: DigestProps) {
  return (
    <span className="digest-value">
      <code className="digest" title={`${prefix}${value}`} data-digest={value}>
        {prefix}
        {shortenHex(value)}
      </code>
      <CopyTextButton text={value} label={copyLabel} refusedAdvice={`Hover over the digest to see it whole: ${prefix}${value}`} />
    </span>
  );
}
