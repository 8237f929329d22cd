// The cases a simulator as hard as AWS exposes: stale reads, late answers, crash loops,
// controllers, tags with dashes. Each fails on a deploy that trusts AWS to be obliging.
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Option, TestClock } from "effect"
import type { PlanError } from "../../../src/deploy/plan/Plan.js"
import { deploy, type DeployFailed } from "../../../src/deploy/run/Deploy.js"
import type { RunReport, TargetReport } from "../../../src/report/Report.js"
import { configFor, failureOf, makeWorld, OLD, runWithClock, SHA, svc } from "../../support/world.js"

const byName = (report: RunReport, name: string): TargetReport =>
  [...report.services, ...report.scheduledTasks].find((t) => t.name === name)!

const taskDefinitionOf = (
  w: Effect.Effect.Success<ReturnType<typeof makeWorld>>,
  cluster: string,
  name: string,
  region: string
) => Effect.map(w.sim.service(cluster, name, region), (s) => s?.taskDefinition)

describe("deployment identity under eventually consistent reads", () => {
  it.effect("a stale read during the rollback's drain check does not fail a correct rollback", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15, replaceAfter: 5 } })
      // Every DescribeServices shows the service as it was for 20 s after an UpdateService.
      yield* w.sim.setDescribeLag(20)
      const { exit } = yield* runWithClock(deploy(configFor(w.clusterB), { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as DeployFailed
      expect(error.report.services.map((s) => s.outcome)).toEqual(["rolled-back", "rolled-back"])
      expect(error.report.exitCode).toBe(1)
      expect(yield* taskDefinitionOf(w, "prod-a", "api", "us-east-1")).toBe(w.api)
    }))

  it.effect("redeploy: a stale read of the old deployment (same task definition) is not taken for drained", () =>
    Effect.gen(function*() {
      // The forced deployment takes a minute; the stale view shows the old one, steady.
      const w = yield* makeWorld({ [OLD]: { kind: "healthy", startAfter: 20, healthyAfter: 50, drainAfter: 10 } })
      yield* w.sim.setDescribeLag(30)
      const config = configFor(w.clusterB, {
        updateStrategy: "redeploy",
        services: [svc("worker", w.clusterB)],
        scheduledTasks: []
      })
      const { elapsed, exit } = yield* runWithClock(deploy(config, { gitsha: OLD }).pipe(Effect.provide(w.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      // Drained only once the new deployment replaced the old one.
      expect(Duration.toSeconds(elapsed)).toBeGreaterThanOrEqual(60)
      const worker = yield* w.sim.service(w.clusterB, "worker", "us-west-2")
      const [update] = yield* w.sim.calls("UpdateService")
      expect(worker?.deployments?.map((d) => d.id)).toHaveLength(1)
      expect(worker?.deployments?.[0]?.createdAt?.getTime()).toBe(update!.at)
    }))
})

describe("interruption loses no change", () => {
  it.effect("a signal while UpdateService is in flight: that service counts as changed and is put back", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: "never-drain" })
      // The worker's update lands at once; its answer would come 30 s later.
      yield* w.sim.failNext({ operation: "UpdateService", service: "worker", answerAfterSeconds: 30 })
      const reports: Array<RunReport> = []
      const fiber = yield* Effect.fork(
        deploy(configFor(w.clusterB), {
          gitsha: SHA,
          onInterruptedReport: (r) => Effect.sync(() => void reports.push(r))
        }).pipe(
          Effect.provide(w.layer)
        )
      )
      // The signal comes while the worker's UpdateService waits for its answer.
      while (!(yield* w.sim.calls("UpdateService")).some((c) => c.params["service"] === "worker")) {
        yield* TestClock.adjust("1 second")
      }
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(fiber)
      const report = reports[0]!
      expect(report.outcome).toBe("interrupted")
      expect(byName(report, "worker").outcome).toBe("rolled-back")
      expect(yield* taskDefinitionOf(w, w.clusterB, "worker", "us-west-2")).toBe(w.worker)
      expect(yield* taskDefinitionOf(w, "prod-a", "api", "us-east-1")).toBe(w.api)
    }))

  it.effect("a signal while planning ends the plan at once (its read in flight cancelled): a report all the same, outcome interrupted, nothing changed", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* w.sim.failNext({ operation: "DescribeServices", answerAfterSeconds: 30 })
      const reports: Array<RunReport> = []
      const fiber = yield* Effect.fork(
        deploy(configFor(w.clusterB), {
          gitsha: SHA,
          onInterruptedReport: (r) => Effect.sync(() => void reports.push(r))
        }).pipe(
          Effect.provide(w.layer)
        )
      )
      // The plan's DescribeServices is in flight (its answer held for 30 s).
      while ((yield* w.sim.calls("DescribeServices")).length === 0) yield* TestClock.adjust("1 second")
      // The signal ends the plan at once: it does not wait for the read in flight to answer.
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* TestClock.adjust("29 seconds")
      expect(Option.isSome(yield* Fiber.poll(interrupting))).toBe(true)
      expect(reports).toHaveLength(1)
      expect(reports[0]).toMatchObject({ outcome: "interrupted", exitCode: 130, gitsha: SHA })
      expect(reports[0]!.error).toMatch(/planning/)
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))
})

describe("versions with dashes", () => {
  it.effect("a --gitsha like release-2024-01-01 passes the version check (the Server header ends in -<sha>)", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const sha = "release-2024-01-01"
      const { exit } = yield* runWithClock(deploy(configFor(w.clusterB), { gitsha: sha }).pipe(Effect.provide(w.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      const report = (exit as Exit.Success<RunReport, never>).value
      expect(byName(report, "api").phases.find((p) => p.phase === "version-check")?.status).toBe("succeeded")
    }))
})

describe("the rollback honours concurrency", () => {
  it.effect("30 restores with concurrency 5 go out five at a time", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15, replaceAfter: 5 } })
      const names = Array.from({ length: 30 }, (_, i) => `svc-${i}`)
      for (const name of names) {
        yield* w.sim.addService({ cluster: "prod-a", name, taskDefinition: w.api, region: "us-east-1" })
      }
      // Every UpdateService takes 10 s to answer: the calls in flight show.
      yield* w.sim.failNext({ operation: "UpdateService", times: 1000, answerAfterSeconds: 10 })
      const config = configFor(w.clusterB, {
        services: names.map((n) => svc(n, "prod-a")),
        scheduledTasks: [],
        concurrency: 5
      })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as DeployFailed
      expect(error.report.services.every((s) => s.outcome === "rolled-back")).toBe(true)
      const restores = (yield* w.sim.calls("UpdateService")).filter((c) => c.params["taskDefinition"] === w.api)
      expect(restores).toHaveLength(30)
      const waves = new Map<number, number>()
      for (const c of restores) waves.set(c.at, (waves.get(c.at) ?? 0) + 1)
      expect(Math.max(...waves.values())).toBe(5)
      expect(waves.size).toBe(6)
    }))
})

describe("a new version that never runs", () => {
  it.effect("a crash loop without a circuit breaker, no url: failed at ECS's bar and rolled back, exit 1", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "crash-loop", startAfter: 5 } })
      const crashing = yield* w.sim.seedTaskDefinition("us-east-1", {
        family: "jobs",
        containerDefinitions: [{ name: "jobs", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/jobs:${OLD}` }]
      })
      yield* w.sim.addService({
        cluster: "prod-a",
        name: "jobs",
        taskDefinition: crashing,
        region: "us-east-1",
        circuitBreaker: false
      })
      const config = configFor(w.clusterB, {
        services: [svc("jobs", "prod-a")],
        scheduledTasks: [],
        timeoutMinutes: 10
      })
      const { elapsed, exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as DeployFailed
      expect(error.report.exitCode).toBe(1)
      const jobs = byName(error.report, "jobs")
      expect(jobs.outcome).toBe("rolled-back")
      expect(jobs.error).toMatch(/tasks of jobs:2 failed/)
      expect(yield* taskDefinitionOf(w, "prod-a", "jobs", "us-east-1")).toBe(crashing)
      // Found at the bar (3 failed tasks), not at the 10 minute deadline.
      expect(Duration.toMinutes(elapsed)).toBeLessThan(3)
    }))
})

describe("deployment controllers", () => {
  it.effect("a CODE_DEPLOY service stops the plan, naming it and its controller, before any change", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* w.sim.addService({
        cluster: "prod-a",
        name: "bluegreen",
        taskDefinition: w.api,
        region: "us-east-1",
        deploymentController: "CODE_DEPLOY"
      })
      const config = configFor(w.clusterB, { services: [svc("api", "prod-a"), svc("bluegreen", "prod-a")] })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as PlanError
      expect(error._tag).toBe("PlanError")
      expect(error.message).toMatch(/service bluegreen .*CODE_DEPLOY/)
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))
})
