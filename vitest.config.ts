import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    globalSetup: ["./test/globalSetup.ts"],
    // Test files share their worker (no fresh module graph per file): loading Effect and
    // the sources once per worker instead of once per file halves the suite's CPU time.
    // A fixed pool: letting tinypool shrink it terminates workers mid-file.
    isolate: false,
    // Most real-wire tests wait on subprocesses and sockets, not the CPU.
    maxWorkers: 3,
    minWorkers: 3,
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/results.json" },
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
