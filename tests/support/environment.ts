/**
 * The test process's environment for a child it starts, without the
 * machine's own CONCLAVE_* settings (a developer's CONCLAVE_HOME must not
 * leak into a test) and without any other variable `dropped` names.
 */
export function inheritedEnvironment(dropped: (name: string) => boolean = () => false): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('CONCLAVE_') && !dropped(entry[0])));
}

/**
 * For the gits that build a large fixture (thousands of files added, packed
 * and pushed): glibc grows the heap by small steps, and on CI's virtual
 * machines each step (a brk call) costs about 30 µs, most of a large push's
 * time (a 13,500-object push in sync-cost: 6 s, 2.6 s with a larger step).
 * Only fixtures are built this way: the gits a command under test starts get
 * the test's environment as it is.
 */
export const largeFixtureGitEnvironment = { GLIBC_TUNABLES: 'glibc.malloc.top_pad=67108864' } as const;
