/**
 * The contract's schemas in the window, loaded beside the first screen rather
 * than before it (issue 15): building them is the window's largest piece of
 * start-up work after React. What checks a call's input or an answer waits
 * for them; the first screen shows without.
 */
export type ContractSchemas = typeof import('./schema-module');

let loading: Promise<ContractSchemas> | undefined;

/** The schemas, loaded once (the first call starts it). */
export function contractSchemas(): Promise<ContractSchemas> {
  return (loading ??= import('./schema-module'));
}
