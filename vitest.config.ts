import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'tests/**/*.test.ts'],
    environment: 'node',
    // Token hosts are real processes talking to real SoftHSM2 tokens: give them room on a busy machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most tests wait on processes, tokens and sockets rather than compute: two files at a time on a 2-core CI machine
    // (Vitest's default there is one) halves the suite's wall time. Timing never decides a test's outcome.
    maxWorkers: 2,
  },
});
