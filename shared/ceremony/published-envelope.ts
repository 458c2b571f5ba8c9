/**
 * The published envelope's exact text: publishing writes it, and the judge
 * rebuilds it from the approvals that count to check the digest a
 * publication records.
 */
import type { Envelope } from '../dsse/envelope';

/** Two-space JSON and a newline, as `conclave ceremony publish` writes it. */
export function publishedEnvelopeText(envelope: Envelope): string {
  return `${JSON.stringify(envelope, null, 2)}\n`;
}
