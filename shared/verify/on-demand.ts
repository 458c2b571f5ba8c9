export type CertificateChecks = typeof import('./certificate-checks');

/** Loads certificate-checks.ts on first use (it says why); the module loader keeps it once loaded. */
export function certificateChecks(): Promise<CertificateChecks> {
  return import('./certificate-checks');
}
