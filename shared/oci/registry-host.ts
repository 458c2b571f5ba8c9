/**
 * What may be written as an insecure registry in Settings: a host or
 * host:port, exactly as an image reference names its registry. No scheme,
 * no path, no spaces: the entry says where plain HTTP is allowed, so it is
 * checked strictly rather than guessed at.
 */
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const hostPattern = new RegExp(`^(?:${label}(?:\\.${label})*|\\[[0-9A-Fa-f:.]+\\])(?::(\\d{1,5}))?$`);

export const maxInsecureRegistries = 50;

/** Why this text is not a registry host (a sentence for the person), or undefined when it is one. */
export function registryHostProblem(text: string): string | undefined {
  if (text.length === 0) return 'Enter a registry host, for example registry.lan or registry.lan:5000.';
  if (/\s/.test(text)) return 'A registry host has no spaces.';
  if (text.includes('://')) return 'Leave out the scheme (http://): give the host, for example registry.lan:5000.';
  if (text.includes('/')) return 'Give the host only, without a path: for example registry.lan:5000.';
  const match = hostPattern.exec(text);
  if (!match || text.length > 261) return `${text} is not a host or host:port, for example registry.lan or registry.lan:5000.`;
  const port = match[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `${port} is not a port (1 to 65535).`;
  return undefined;
}
