/** Loads certificate-checks.ts on first use (it says why); the module loader keeps it once loaded. */
export function certificateChecks(): Promise<typeof import('./certificate-checks')> {
  return import('./certificate-checks');
}
