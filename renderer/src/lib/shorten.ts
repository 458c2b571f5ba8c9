/**
 * A long hex value (a digest, a key id) cut to its two ends, e.g.
 * 3f2a9c1b…77d0e4a2: enough to recognise it at a glance; the whole value
 * goes in a title and a copy button, and is shown whole wherever a person is
 * asked to compare it before signing.
 */
export function shortenHex(value: string, keep = 8): string {
  if (value.length <= keep * 2 + 3) return value;
  return `${value.slice(0, keep)}…${value.slice(-keep)}`;
}
