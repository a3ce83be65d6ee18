import { defineConfig } from 'vitest/config'

// Lives in test/ because the repository's top level is fixed (see README "Layout").
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    setupFiles: ['src/util/polyfill.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: e2e tests spawn node processes of their own.
    fileParallelism: true,
    maxWorkers: 2,
    // The JSON report lets .ci/run print a plain 'N passed, N failed' closing line.
    reporters: ['default', 'json'],
    outputFile: { json: 'dist/vitest-report.json' }
  }
})
