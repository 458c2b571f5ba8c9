/**
 * The built window (out/renderer) as both shells serve it: the Electron app
 * on its app:// scheme and the browser shell on 127.0.0.1. One rule for which
 * file a path names, one set of headers, one table of content types, so the
 * two cannot drift apart (issue 12).
 */
import { extname, resolve, sep } from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return contentTypes[extname(file)] ?? 'application/octet-stream';
}

/** The headers of every response of the window's page, found or not. */
export function pageHeaders(policy: string): Record<string, string> {
  return {
    'Content-Security-Policy': policy,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

/**
 * A name in the renderer folder as Vite writes them (index.html, assets/index-B5PyiI1G.js): no dot first (so
 * no "..", no hidden file), no separator of any platform, no drive colon, no NUL, nothing percent-encoded.
 */
const servedName = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * The file inside rendererDir a URL path (as it arrives, percent-encoded) names, or undefined: any segment
 * that is not a plain name once decoded ("..%2F..%2Fetc", "%2e%2e", "a%5Cb") names none.
 */
export function rendererFile(rendererDir: string, encodedPath: string): string | undefined {
  const names: string[] = [];
  for (const segment of (encodedPath === '/' ? '/index.html' : encodedPath).slice(1).split('/')) {
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    if (!servedName.test(name)) return undefined;
    names.push(name);
  }
  // Names are checked, not links on the disk: only someone who can already change the app's files could put one there.
  const root = resolve(rendererDir);
  const file = resolve(root, ...names);
  // Cannot fail after the check above; kept so that a change to that check cannot open the rest of the disk.
  return file.startsWith(root + sep) ? file : undefined;
}

/**
 * The URL paths of what index.html makes the browser load with the page (its module script, the chunks it
 * preloads, its style sheets: /assets/…), as Vite writes them. The browser shell starts its core once they are
 * sent (issue 15), so the two do not compete for the same moments.
 */
export function filesThePageLoads(indexHtml: string): string[] {
  const paths = new Set<string>();
  for (const match of indexHtml.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="\.?\/?(assets\/[^"?#]+)"/g)) paths.add(`/${match[1]!}`);
  return [...paths];
}
