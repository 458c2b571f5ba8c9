/**
 * WWW-Authenticate challenges (RFC 7235) as registries send them:
 * `Basic realm="…"` or `Bearer realm="…",service="…",scope="…"`.
 */

export type Challenge = { scheme: 'basic'; realm?: string } | { scheme: 'bearer'; realm: string; service?: string; scope?: string; error?: string };

/** Splits `k="v", k2=v2` into a map; quoted values may contain commas and escaped quotes. */
function parseParameters(text: string): Map<string, string> {
  const parameters = new Map<string, string>();
  const pattern = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null && match[0] !== '') {
    parameters.set(match[1]!.toLowerCase(), match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? ''));
  }
  return parameters;
}

/** The first challenge we can answer, or undefined. Registries send one in practice. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (header === null) return undefined;
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const parameters = parseParameters(match[2] ?? '');
  if (scheme === 'basic') {
    const realm = parameters.get('realm');
    return realm !== undefined ? { scheme, realm } : { scheme };
  }
  if (scheme === 'bearer') {
    const realm = parameters.get('realm');
    if (realm === undefined || realm === '') return undefined;
    const service = parameters.get('service');
    const scope = parameters.get('scope');
    // RFC 6750 §3.1: "insufficient_scope" means signed in, but not allowed.
    const error = parameters.get('error');
    return { scheme, realm, ...(service !== undefined ? { service } : {}), ...(scope !== undefined ? { scope } : {}), ...(error !== undefined ? { error } : {}) };
  }
  return undefined;
}
