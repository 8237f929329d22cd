// The demo end to end, with the CLI the test setup has just bundled (dist/lib may be stale).
import { expect, it } from "vitest"
import { runDemo } from "../../tools/demo/demo.js"
import { CLI } from "../support/subprocess.js"

it("deploys sha A (exit 0), then rolls sha B back (exit 1), ending on sha A", async () => {
  const lines: Array<string> = []
  const result = await runDemo({ log: (l) => lines.push(l), cliPath: CLI, stdio: "capture", checkIntervalSeconds: 0.5 })
  // On failure, show what the demo and the CLI said.
  expect(result.problems, `${lines.join("\n")}\n${result.output}`).toEqual([])
  expect(result.ok).toBe(true)
  expect(result.runs.map((r) => r.code)).toEqual([0, 1])
  expect(result.output).toContain("deployed and drained")
  expect(result.output).toMatch(/UNHEALTHY/)
  expect(result.output).toContain("rolled back")
  expect(lines.join("\n")).toContain("OK: both runs behaved as described")
}, 60_000)

it("fails cleanly when the CLI is missing", async () => {
  const result = await runDemo({ log: () => {}, cliPath: "/nonexistent/gehen.cjs", stdio: "capture" })
  expect(result.ok).toBe(false)
  expect(result.problems[0]).toContain("npm run build")
})
