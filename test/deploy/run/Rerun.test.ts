// Re-running a deploy of a sha that is already live changes nothing and still checks it.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { deploy, plan } from "../../../src/deploy/run/Deploy.js"
import type { RunReport } from "../../../src/report/Report.js"
import { configFor, makeWorld, runWithClock, SHA } from "../../support/world.js"

const succeeded = (exit: Exit.Exit<RunReport, unknown>): RunReport => {
  if (!Exit.isSuccess(exit)) throw new Error("expected the deploy to succeed")
  return exit.value
}

describe("re-running is safe", () => {
  it.effect("targets that run the sha already are unchanged: no revision, no update, still checked", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB)
      succeeded((yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))).exit)
      yield* w.sim.clearCalls()
      const again = succeeded((yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))).exit)
      expect(yield* w.sim.mutatingCalls()).toEqual([])
      expect([...again.services, ...again.scheduledTasks].map((t) => [t.name, t.outcome])).toEqual([
        ["api", "unchanged"],
        ["worker", "unchanged"],
        ["nightly", "unchanged"]
      ])
      const api = again.services[0]!
      expect(api.phases.map((p) => [p.phase, p.status])).toEqual([["version-check", "succeeded"], [
        "drain",
        "succeeded"
      ]])
    }))

  it.effect("--force redeploys them anyway", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB)
      succeeded((yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))).exit)
      yield* w.sim.clearCalls()
      const forced = succeeded(
        (yield* runWithClock(deploy(config, { gitsha: SHA, force: true }).pipe(Effect.provide(w.layer)))).exit
      )
      expect(forced.services.map((s) => s.outcome)).toEqual(["deployed", "deployed"])
      expect(yield* w.sim.calls("UpdateService")).toHaveLength(2)
      // The revisions the first run registered are used as they are.
      expect(yield* w.sim.calls("RegisterTaskDefinition")).toEqual([])
    }))

  it.effect("a revision a cut-short run registered is used, not registered again", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB, { scheduledTasks: [] })
      // A run registered the worker's new revision and died before UpdateService.
      const planned = yield* plan(config, SHA).pipe(Effect.provide(w.layer))
      const worker = planned.services.find((s) => s.target.name === "worker")!
      if (worker.action._tag !== "Update" || worker.action.revision._tag !== "Register") {
        throw new Error("expected a registration")
      }
      yield* w.sim.seedTaskDefinition("us-west-2", worker.action.revision.input)
      yield* w.sim.clearCalls()
      const report = succeeded(
        (yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))).exit
      )
      expect(report.services.map((s) => s.outcome)).toEqual(["deployed", "deployed"])
      const registered = yield* w.sim.calls("RegisterTaskDefinition")
      // Only api's revision is new; the worker's was there.
      expect(registered.map((c) => c.region)).toEqual(["us-east-1"])
      expect(report.services[1]!.newTaskDefinition).toMatch(/worker:2$/)
    }))
})
