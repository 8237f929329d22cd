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
    // Bounds on a test's whole run, not timing claims: a CI runner at load 10 on 2 cores
    // takes several times longer than a quiet machine (see test/support/waitFor.ts).
    testTimeout: 180_000,
    hookTimeout: 600_000,
    // The AWS SDK warns about Node 20 on every client it makes; gehen's engines field
    // already says what it supports (the CLI sets the same itself).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }
  }
})
