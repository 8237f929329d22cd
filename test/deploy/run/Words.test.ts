// Words that do not mislead: each phase says how it ended and where a failure was seen.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { deploy, type DeployFailed } from "../../../src/deploy/run/Deploy.js"
import type { RunReport, TargetReport } from "../../../src/report/Report.js"
import { configFor, failureOf, makeWorld, runWithClock, SHA } from "../../support/world.js"

const byName = (report: RunReport, name: string): TargetReport =>
  [...report.services, ...report.scheduledTasks].find((t) => t.name === name)!

describe("phases in the report", () => {
  it.effect("a failure found while the version check runs is the version check's; the phase it cut short elsewhere is cancelled", () =>
    Effect.gen(function*() {
      // The worker's new tasks turn UNHEALTHY; api's new version is slow to come up, so its version check still runs.
      const w = yield* makeWorld((ctx) =>
        ctx.imageTags.includes(SHA)
          ? ctx.service === "worker"
            ? { kind: "unhealthy", startAfter: 5, healthyAfter: 10, replaceAfter: 5 }
            : { kind: "healthy", startAfter: 200, healthyAfter: 220, drainAfter: 10 }
          : { kind: "healthy", startAfter: 5, healthyAfter: 20, drainAfter: 10 }
      )
      const { exit } = yield* runWithClock(
        deploy(configFor(w.clusterB), { gitsha: SHA }).pipe(Effect.provide(w.layer)),
        "5 seconds"
      )
      const report = (failureOf(exit) as DeployFailed).report
      const worker = byName(report, "worker")
      expect(worker.error).toMatch(/UNHEALTHY/)
      // Seen during the version check: recorded there, not as a drain.
      expect(worker.phases.filter((p) => p.phase === "version-check").map((p) => p.status)).toEqual(["failed"])
      expect(worker.phases.some((p) => p.phase === "drain")).toBe(false)
      // api's version check did not fail: another target's failure cut it short.
      expect(byName(report, "api").phases.find((p) => p.phase === "version-check")?.status).toBe("cancelled")
    }))
})
