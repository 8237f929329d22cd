// gehen rollback: back to the revision before the latest change, found from ECS itself.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import type { PlanError } from "../../../src/deploy/plan/Plan.js"
import { deploy, type DeployFailed, revert } from "../../../src/deploy/run/Deploy.js"
import type { RunReport } from "../../../src/report/Report.js"
import { configFor, failureOf, makeWorld, OLD, runWithClock, SHA, svc } from "../../support/world.js"

const succeeded = (exit: Exit.Exit<RunReport, unknown>): RunReport => {
  if (!Exit.isSuccess(exit)) throw new Error(`expected success, got ${String(exit.cause)}`)
  return exit.value
}

const deployed = (byTag: Parameters<typeof makeWorld>[0] = {}) =>
  Effect.gen(function*() {
    const w = yield* makeWorld(byTag)
    const config = configFor(w.clusterB)
    succeeded((yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))).exit)
    yield* w.sim.clearCalls()
    return { w, config }
  })

describe("gehen rollback", () => {
  it.effect("puts every target back on the revision before its latest change, and checks the old version serves", () =>
    Effect.gen(function*() {
      const { config, w } = yield* deployed()
      const report = succeeded((yield* runWithClock(revert(config, {}).pipe(Effect.provide(w.layer)))).exit)
      expect(report).toMatchObject({ command: "rollback", gitsha: null })
      expect([...report.services, ...report.scheduledTasks].map((t) => [t.name, t.outcome])).toEqual([
        ["api", "deployed"],
        ["worker", "deployed"],
        ["nightly", "deployed"]
      ])
      expect((yield* w.sim.service("prod-a", "api", "us-east-1"))?.taskDefinition).toBe(w.api)
      expect((yield* w.sim.service(w.clusterB, "worker", "us-west-2"))?.taskDefinition).toBe(w.worker)
      expect((yield* w.sim.rule("us-east-1", "nightly"))?.targets[0]?.EcsParameters?.TaskDefinitionArn).toBe(w.report)
      // No revision registered: it returns to ones that exist.
      expect(yield* w.sim.calls("RegisterTaskDefinition")).toEqual([])
      const api = report.services[0]!
      expect(api.images[0]).toMatchObject({
        previous: expect.stringContaining(SHA),
        next: expect.stringContaining(OLD)
      })
      expect(api.phases.find((p) => p.phase === "version-check")?.status).toBe("succeeded")
    }))

  it.effect("what ran before is the latest service deployment's source revision, not merely an earlier one registered", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      // api:2 is registered but never ran; the deploy then registers api:3.
      yield* w.sim.seedTaskDefinition("us-east-1", {
        family: "api",
        containerDefinitions: [{ name: "app", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/api:neverran` }]
      })
      const config = configFor(w.clusterB, { services: [svc("api", "prod-a")], scheduledTasks: [] })
      succeeded((yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))).exit)
      expect((yield* w.sim.service("prod-a", "api", "us-east-1"))?.taskDefinition).toMatch(/api:3$/)
      yield* w.sim.clearCalls()
      succeeded((yield* runWithClock(revert(config, {}).pipe(Effect.provide(w.layer)))).exit)
      expect((yield* w.sim.service("prod-a", "api", "us-east-1"))?.taskDefinition).toBe(w.api)
      expect(yield* w.sim.calls("DescribeServiceRevisions")).toHaveLength(1)
    }))

  it.effect("where the service deployments API is not offered, the newest earlier ACTIVE revision with other images", () =>
    Effect.gen(function*() {
      const { config, w } = yield* deployed()
      yield* w.sim.failNext({
        operation: "ListServiceDeployments",
        times: 10,
        code: "UnknownOperationException",
        message: "no"
      })
      succeeded((yield* runWithClock(revert(config, {}).pipe(Effect.provide(w.layer)))).exit)
      expect((yield* w.sim.service("prod-a", "api", "us-east-1"))?.taskDefinition).toBe(w.api)
      expect(yield* w.sim.calls("ListTaskDefinitions")).not.toHaveLength(0)
    }))

  it.effect("--to <sha> picks the newest ACTIVE revision running that tag", () =>
    Effect.gen(function*() {
      const { config, w } = yield* deployed()
      const report = succeeded((yield* runWithClock(revert(config, { to: OLD }).pipe(Effect.provide(w.layer)))).exit)
      expect(report.gitsha).toBe(OLD)
      expect((yield* w.sim.service("prod-a", "api", "us-east-1"))?.taskDefinition).toBe(w.api)
    }))

  it.effect("nothing to go back to, or no revision with that tag: the plan stops with zero mutating calls", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB)
      const none = failureOf((yield* runWithClock(revert(config, {}).pipe(Effect.provide(w.layer)))).exit) as PlanError
      expect(none._tag).toBe("PlanError")
      expect(none.message).toMatch(/no earlier ACTIVE revision of api runs other images than api:1/)
      const missing = failureOf(
        (yield* runWithClock(revert(config, { to: "nope123" }).pipe(Effect.provide(w.layer)))).exit
      ) as PlanError
      expect(missing.message).toMatch(/no ACTIVE revision of api runs nope123/)
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("an old version that no longer comes up: gehen rollback itself is rolled back, exit 1", () =>
    Effect.gen(function*() {
      const { config, w } = yield* deployed((ctx) =>
        ctx.service === "api" && ctx.imageTags.includes(OLD) && !ctx.rollback
          ? { kind: "unhealthy", startAfter: 5, healthyAfter: 15, replaceAfter: 5 }
          : { kind: "healthy", startAfter: 5, healthyAfter: 20, drainAfter: 10 }
      )
      const error = failureOf(
        (yield* runWithClock(revert(config, {}).pipe(Effect.provide(w.layer)))).exit
      ) as DeployFailed
      expect(error.report.exitCode).toBe(1)
      expect(error.report.services.map((s) => s.outcome)).toEqual(["rolled-back", "rolled-back"])
      // Back on what it ran before the rollback was tried: the sha.
      const api = yield* w.sim.service("prod-a", "api", "us-east-1")
      expect(api?.taskDefinition).toMatch(/api:2$/)
    }))
})
