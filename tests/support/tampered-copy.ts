/**
 * Event files as an outsider with push access would tamper with them: the
 * same file with one character of its signature changed, under a name that
 * sorts before the honest one (the judge once let such a copy stand for the
 * event, so the honest file did not count).
 */

/** The envelope's text with its first signature's first character changed (a signature added where it has none). */
export function withSignatureChanged(text: string): string {
  const envelope = JSON.parse(text) as { signatures: { keyid: string; sig: string }[] };
  const first = envelope.signatures[0];
  if (first) first.sig = `${first.sig.startsWith('A') ? 'B' : 'A'}${first.sig.slice(1)}`;
  else envelope.signatures.push({ keyid: '', sig: 'AAAA' });
  return JSON.stringify(envelope);
}

/** The store's name for an event file, with its random part the lowest there is: it sorts before every other name of that time and type. */
export function nameSortingFirst(name: string): string {
  return name.replace(/-[0-9a-f]{16}\.json$/, '-0000000000000000.json');
}
