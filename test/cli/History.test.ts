// gehen history through the CLI, in-process: its JSON report says how it ended, as the
// status report does, and a command refused before any read prints its error form.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { HistoryReport } from "../../src/history/History.js"
import { cli } from "../support/inProcess.js"

const decode = Schema.decodeUnknownSync(HistoryReport)

describe("gehen history --output json", () => {
  it.effect("every target read: outcome found, exit 0", () =>
    Effect.gen(function*() {
      const run = yield* cli(["history", "--path", "$PATH", "--output", "json"])
      expect(run.code).toBe(0)
      expect(decode(JSON.parse(run.stdout))).toMatchObject({ outcome: "found", exitCode: 0, error: null, problems: [] })
    }))

  it.effect("a service that does not exist: outcome incomplete, exit 1, the others still listed", () =>
    Effect.gen(function*() {
      const run = yield* cli(["history", "--path", "$PATH", "--output", "json"], {
        config: (clusterB) => `services:\n  api:\n    cluster: prod-a\n  ghost:\n    cluster: ${clusterB}\n`
      })
      expect(run.code).toBe(1)
      const report = decode(JSON.parse(run.stdout))
      expect(report).toMatchObject({ outcome: "incomplete", exitCode: 1 })
      expect(report.services.map((t) => [t.name, t.problem === null])).toEqual([["api", true], ["ghost", false]])
    }))

  it.effect("refused before any read (a usage error, a missing file): the history report's error form, no AWS call", () =>
    Effect.gen(function*() {
      const usage = yield* cli(["history", "--path", "$PATH", "--output", "json", "--bogus"])
      expect(usage.code).toBe(1)
      const refused = decode(JSON.parse(usage.stdout))
      expect(refused).toMatchObject({ outcome: "error", exitCode: 1, services: [], scheduledTasks: [] })
      expect(refused.error).toMatch(/^unknown option --bogus for gehen history/)
      expect(refused.problems).toHaveLength(1)
      expect(yield* usage.sim.calls()).toEqual([])

      const missing = yield* cli(["history", "--path", "/nonexistent/gehen.yml", "--output", "json"])
      expect(missing.code).toBe(1)
      expect(decode(JSON.parse(missing.stdout))).toMatchObject({
        outcome: "error",
        exitCode: 1,
        error: "/nonexistent/gehen.yml: expected a readable gehen config file, got no such file"
      })
      expect(yield* missing.sim.calls()).toEqual([])
    }))
})
