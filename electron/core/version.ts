// The one field: the build then keeps only it, not the whole package.json, in what every command loads (issue 11).
import { version } from '../../package.json';

/** Conclave's version, from package.json at build time. */
export const conclaveVersion: string = version;
