// The recovery path under adversity: what fails is rolled back, each target judged on its own.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, TestClock } from "effect"
import type { PlanError } from "../../../src/deploy/plan/Plan.js"
import { deploy, type DeployFailed } from "../../../src/deploy/run/Deploy.js"
import type { RunReport, TargetReport } from "../../../src/report/Report.js"
import { configFor, failureOf, makeWorld, OLD, rule, runWithClock, SHA, svc } from "../../support/world.js"

const byName = (report: RunReport, name: string): TargetReport =>
  [...report.services, ...report.scheduledTasks].find((t) => t.name === name)!

describe("a new version that never runs is rolled back, never exit 2", () => {
  it.effect("tasks stuck PENDING on a service without a url: failed at the drain deadline, rolled back, exit 1", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: "stuck" })
      const config = configFor(w.clusterB, {
        services: [svc("worker", w.clusterB, { containers: ["worker"] })],
        timeoutMinutes: 2
      })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      const error = failureOf(exit) as DeployFailed
      expect(error._tag).toBe("DeployFailed")
      expect(error.report.exitCode).toBe(1)
      const worker = byName(error.report, "worker")
      expect(worker.outcome).toBe("rolled-back")
      expect(worker.error).toMatch(/did not reach its desired count/)
      expect(byName(error.report, "nightly").outcome).toBe("rolled-back")
      expect((yield* w.sim.service(w.clusterB, "worker", "us-west-2"))?.taskDefinition).toBe(w.worker)
    }))
})

describe("per-target verdicts", () => {
  it.effect("one target's failed rollback confirmation is its own: the others keep their verdict and error", () =>
    Effect.gen(function*() {
      // worker's new version turns UNHEALTHY; api's old version cannot come back (its tasks turn
      // UNHEALTHY too), worker's old version comes back fine.
      const w = yield* makeWorld((ctx) =>
        ctx.service === "api" && ctx.imageTags.includes(OLD)
          ? { kind: "unhealthy", startAfter: 5, healthyAfter: 15 }
          : ctx.service === "worker" && ctx.imageTags.includes(SHA)
          ? { kind: "unhealthy", startAfter: 40, healthyAfter: 60 }
          : { kind: "healthy", startAfter: 5, healthyAfter: 20, drainAfter: 10 }
      )
      const config = configFor(w.clusterB, { timeoutMinutes: 10 })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as DeployFailed
      const api = byName(error.report, "api")
      const worker = byName(error.report, "worker")
      expect(api.outcome).toBe("rollback-failed")
      expect(api.error).toMatch(/restore issued, but not confirmed/)
      // Its restore call succeeded but did not hold: a person must look, with the command that puts it back.
      expect(api.manualCommand).toMatch(
        /^aws ecs update-service --region us-east-1 --cluster 'prod-a' --service 'api' /
      )
      expect(worker.outcome).toBe("rolled-back")
      expect(worker.error).toMatch(/UNHEALTHY/)
      expect(worker.error).not.toContain("api")
      expect(byName(error.report, "nightly").outcome).toBe("rolled-back")
      expect(error.report.outcome).toBe("rollback-failed")
      expect(error.report.exitCode).toBe(3)
    }))

  it.effect("a failed redeploy has no previous task definition to restore: it says so, exit 3", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [OLD]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15 } })
      const config = configFor(w.clusterB, { updateStrategy: "redeploy", services: [svc("worker", w.clusterB)] })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: OLD }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as DeployFailed
      const worker = byName(error.report, "worker")
      expect(worker.outcome).toBe("rollback-failed")
      expect(worker.error).toMatch(/no previous task definition/)
      expect(error.report.exitCode).toBe(3)
      // One UpdateService: the redeploy; no pointless second one.
      expect(yield* w.sim.calls("UpdateService")).toHaveLength(1)
    }))
})

describe("a rollback that finishes", () => {
  it.effect("a signal during the rollback skips no restore: a throttled one keeps going, the rule is put back, the report is made", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15 } })
      const reports: Array<RunReport> = []
      const fiber = yield* Effect.fork(
        deploy(configFor(w.clusterB), {
          gitsha: SHA,
          onInterruptedReport: (r) => Effect.sync(() => void reports.push(r))
        }).pipe(
          Effect.provide(w.layer)
        )
      )
      yield* TestClock.adjust("1 second")
      // Every rollback call of the rule is throttled for a while.
      yield* w.sim.failNext({
        operation: "PutTargets",
        rule: "nightly",
        times: 6,
        code: "ThrottlingException",
        message: "Rate exceeded"
      })
      // Let the failure be found and the rollback start, then signal.
      let steps = 0
      while ((yield* w.sim.calls("PutTargets")).length < 3 && steps++ < 200) yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(fiber).pipe(Effect.fork)
      for (let i = 0; i < 200; i++) yield* TestClock.adjust("1 second")
      expect(reports).toHaveLength(1)
      const report = reports[0]!
      expect(report.outcome).toBe("interrupted")
      expect(report.exitCode).toBe(130)
      expect(byName(report, "nightly").outcome).toBe("rolled-back")
      expect((yield* w.sim.rule("us-east-1", "nightly"))?.targets[0]?.EcsParameters?.TaskDefinitionArn).toBe(w.report)
      expect((yield* w.sim.service("prod-a", "api", "us-east-1"))?.taskDefinition).toBe(w.api)
      expect((yield* w.sim.service(w.clusterB, "worker", "us-west-2"))?.taskDefinition).toBe(w.worker)
    }))
})

describe("update strategies and scheduled tasks", () => {
  it.effect("redeploy leaves rules as they are: no revision, no PutTargets", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB, { updateStrategy: "redeploy" })
      // A redeploy restarts what runs: the version it serves stays the one it ran.
      const { exit } = yield* runWithClock(deploy(config, { gitsha: OLD }).pipe(Effect.provide(w.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      const report = (exit as Exit.Success<RunReport, never>).value
      expect(byName(report, "nightly").outcome).toBe("skipped")
      expect(yield* w.sim.calls("PutTargets")).toEqual([])
      expect(yield* w.sim.calls("RegisterTaskDefinition")).toEqual([])
    }))

  it.effect("latest bases a rule's new revision on its family's newest ACTIVE revision", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* w.sim.seedTaskDefinition("us-east-1", {
        family: "report",
        memory: "2048",
        containerDefinitions: [{ name: "report", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/report:${OLD}` }]
      })
      const config = configFor(w.clusterB, { updateStrategy: "latest", services: [] })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      const [register] = yield* w.sim.calls("RegisterTaskDefinition")
      expect(register?.params["memory"]).toBe("2048")
      const target = (yield* w.sim.rule("us-east-1", "nightly"))?.targets[0]
      expect(target?.EcsParameters?.TaskDefinitionArn).toMatch(/report:3$/)
    }))
})

describe("which containers move", () => {
  it.effect("containers on different tags without a containers list: the plan stops, naming each, zero mutating calls", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB, { services: [svc("worker", w.clusterB)], scheduledTasks: [] })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as PlanError
      expect(error._tag).toBe("PlanError")
      expect(error.message).toContain(`worker (${OLD}), log-router (2.31.0)`)
      expect(error.message).toContain("containers:")
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("containers: on a scheduled task moves only those", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const twoTags = yield* w.sim.seedTaskDefinition("us-east-1", {
        family: "export",
        containerDefinitions: [
          { name: "export", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/export:${OLD}` },
          { name: "log", image: "amazon/aws-for-fluent-bit:2.32.0" }
        ]
      })
      yield* w.sim.addRule({
        name: "export",
        region: "us-east-1",
        target: {
          ...w.nightlyTarget,
          Id: "export",
          EcsParameters: { ...w.nightlyTarget.EcsParameters, TaskDefinitionArn: twoTags }
        }
      })
      const config = configFor(w.clusterB, {
        services: [],
        scheduledTasks: [rule("export", { containers: ["export"] })]
      })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      const arn = (yield* w.sim.rule("us-east-1", "export"))?.targets[0]?.EcsParameters?.TaskDefinitionArn
      const td = yield* w.sim.taskDefinition(arn!, "us-east-1")
      const images = td?.taskDefinition.containerDefinitions?.map((c) => c.image)
      expect(images).toEqual([
        `123456789012.dkr.ecr.us-east-1.amazonaws.com/export:${SHA}`,
        "amazon/aws-for-fluent-bit:2.32.0"
      ])
    }))
})

describe("regions and names", () => {
  it.effect("a scheduled task in another region and event bus, and one service name in two clusters", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      // A second "api" in eu-west-1, and a rule there on a custom bus.
      const euCluster = yield* w.sim.addCluster("prod-eu", "eu-west-1")
      const euApi = yield* w.sim.seedTaskDefinition("eu-west-1", {
        family: "api",
        containerDefinitions: [{ name: "app", image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:${OLD}` }]
      })
      yield* w.sim.addService({ cluster: euCluster, name: "api", taskDefinition: euApi, region: "eu-west-1" })
      const euReport = yield* w.sim.seedTaskDefinition("eu-west-1", {
        family: "report",
        containerDefinitions: [{ name: "report", image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/report:${OLD}` }]
      })
      yield* w.sim.addRule({
        name: "nightly",
        region: "eu-west-1",
        target: { ...w.nightlyTarget, EcsParameters: { ...w.nightlyTarget.EcsParameters, TaskDefinitionArn: euReport } }
      })
      const config = configFor(w.clusterB, {
        services: [svc("api", "prod-a"), { key: "api-eu", name: "api", cluster: euCluster }],
        scheduledTasks: [rule("nightly"), { key: "nightly-eu", rule: "nightly", region: "eu-west-1" }]
      })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      const report = (exit as Exit.Success<RunReport, never>).value
      expect(report.services.map((s) => [s.name, s.region, s.outcome])).toEqual([
        ["api", "us-east-1", "deployed"],
        ["api", "eu-west-1", "deployed"]
      ])
      expect(report.scheduledTasks.map((t) => [t.name, t.region, t.outcome])).toEqual([
        ["nightly", "us-east-1", "deployed"],
        ["nightly", "eu-west-1", "deployed"]
      ])
      const puts = yield* w.sim.calls("PutTargets")
      expect(puts.map((c) => c.region).sort()).toEqual(["eu-west-1", "us-east-1"])
      const euRule = yield* w.sim.rule("eu-west-1", "nightly")
      expect(euRule?.targets[0]?.EcsParameters?.TaskDefinitionArn).toMatch(/^arn:aws:ecs:eu-west-1:.*report:2$/)
    }))
})
