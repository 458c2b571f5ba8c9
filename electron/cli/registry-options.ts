/** How the CLI reaches registries (`ceremony open --image`, `publish`, `verify oci://…`). */
import type { OciOptions } from '../core/oci';
import { conclaveVersion } from '../core/version';
import type { CliIo } from './io';

/** How the CLI reaches registries: Docker's config from this environment (DOCKER_CONFIG, else $HOME/.docker), and plain HTTP where asked. */
export function registryOptions(io: CliIo, insecure: readonly string[] | undefined): OciOptions {
  return {
    env: io.env,
    ...(io.env.HOME ? { homeDir: io.env.HOME } : {}),
    ...(insecure && insecure.length > 0 ? { insecureRegistries: insecure } : {}),
    userAgent: `conclave/${conclaveVersion}`,
    ...(io.signal ? { signal: io.signal } : {}),
  };
}

