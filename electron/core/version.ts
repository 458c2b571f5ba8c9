import packageJson from '../../package.json';

/** Conclave's version, from package.json at build time. */
export const conclaveVersion: string = packageJson.version;
