import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI runs as a subprocess in most tests; two cores share them.
    pool: 'forks',
    testTimeout: 30_000,
    // In CI, also a machine-readable result for .ci/run's closing line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
});
