/**
 * The test process's environment for a child it starts, without the
 * machine's own CONCLAVE_* settings (a developer's CONCLAVE_HOME must not
 * leak into a test) and without any other variable `dropped` names.
 */
export function inheritedEnvironment(dropped: (name: string) => boolean = () => false): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('CONCLAVE_') && !dropped(entry[0])));
}
