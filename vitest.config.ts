import { defineConfig } from 'vitest/config';

// GPU tests run on SwiftShader in CI (shaders emulated on 2 CPU cores), so
// timeouts are generous and files run in two forks at most.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global_setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
