/** How the OCI client is set up; every field has a default suitable for a person's machine. */
export interface OciOptions {
  /** Registries (`host` or `host:port`) that may be reached over plain HTTP besides loopback. */
  insecureRegistries?: readonly string[];
  /** The folder holding Docker's config.json; default $DOCKER_CONFIG, else <homeDir>/.docker. */
  dockerConfigDir?: string;
  /** Home folder for the default Docker config location; default os.homedir(). */
  homeDir?: string;
  /** Environment for DOCKER_CONFIG and for running credential helpers (PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Sent as User-Agent. */
  userAgent?: string;
  /**
   * Token servers on another host than their registry that may receive the
   * registry's credentials (`host` or `host:port`, over HTTPS); also read from
   * CONCLAVE_TOKEN_REALMS. Docker Hub's auth.docker.io is allowed already.
   */
  tokenRealms?: readonly string[];
  /** How long a registry may send nothing before a request is given up; default CONCLAVE_NETWORK_TIMEOUT seconds, else 30 s. */
  idleTimeoutMs?: number;
  /** Stops every request: the window's Cancel, a command's overall deadline. */
  signal?: AbortSignal;
}
