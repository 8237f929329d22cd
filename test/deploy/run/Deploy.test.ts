import type { TaskDefinition } from "@aws-sdk/client-ecs"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, TestClock } from "effect"
import type { PlanError } from "../../../src/deploy/plan/Plan.js"
import { deploy, type DeployFailed, type DeployTimedOut } from "../../../src/deploy/run/Deploy.js"
import type { RunReport, TargetReport } from "../../../src/report/Report.js"
import { ACCOUNT, configFor, failureOf, makeWorld, OLD, rule, runWithClock, SHA, svc } from "../../support/world.js"

const byName = (report: RunReport, name: string): TargetReport =>
  [...report.services, ...report.scheduledTasks].find((t) => t.name === name)!

const imageOf = (td: TaskDefinition | undefined, name: string) =>
  td?.containerDefinitions?.find((c) => c.name === name)?.image

describe("deploy", () => {
  it.effect("deploys 2 services in 2 clusters and a scheduled task, then waits for the old tasks to drain", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const deployedAs = { account: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/gehen-${SHA}` }
      const { exit, elapsed } = yield* runWithClock(
        deploy(configFor(w.clusterB), { gitsha: SHA, deployedAs }).pipe(Effect.provide(w.layer))
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      const report = (exit as Exit.Success<RunReport, never>).value
      expect(report.outcome).toBe("deployed")
      expect(report.exitCode).toBe(0)
      expect(report.services.map((s) => [s.name, s.outcome])).toEqual([["api", "deployed"], ["worker", "deployed"]])
      expect(byName(report, "nightly").outcome).toBe("deployed")

      // Each service runs a new revision whose images carry the sha; only the tags changed.
      const api = yield* w.sim.service("prod-a", "api", "us-east-1")
      expect(api?.deployments).toHaveLength(1)
      const apiTd = yield* w.sim.taskDefinition(api!.taskDefinition!, "us-east-1")
      expect(imageOf(apiTd?.taskDefinition, "app")).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/api:${SHA}`)
      // Its own tags carried over; the release history's added: the sha, then (confirmed) when and by whom.
      expect(apiTd?.tags).toEqual([
        { key: "team", value: "core" },
        { key: "gehen:sha", value: SHA },
        { key: "gehen:released", value: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
        { key: "gehen:by", value: deployedAs.arn }
      ])
      expect(apiTd?.taskDefinition.runtimePlatform).toEqual({
        cpuArchitecture: "ARM64",
        operatingSystemFamily: "LINUX"
      })
      const worker = yield* w.sim.service("prod-b", "worker", "us-west-2")
      const workerTd = yield* w.sim.taskDefinition(worker!.taskDefinition!, "us-west-2")
      expect(imageOf(workerTd?.taskDefinition, "worker")).toBe(`registry.example.com:5000/team/worker:${SHA}`)
      // Its third-party log router keeps its own tag: only the listed container moves.
      expect(imageOf(workerTd?.taskDefinition, "log-router")).toBe(
        "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.31.0"
      )

      // The rule points at a new revision; everything else of its target is unchanged.
      const rule = yield* w.sim.rule("us-east-1", "nightly")
      const target = rule!.targets[0]!
      expect(target.EcsParameters?.TaskDefinitionArn).not.toBe(w.report)
      expect({ ...target, EcsParameters: { ...target.EcsParameters, TaskDefinitionArn: w.report } }).toEqual(
        w.nightlyTarget
      )

      // Scheduled tasks were updated before any service.
      const mutating = yield* w.sim.mutatingCalls()
      const firstUpdate = mutating.findIndex((c) => c.operation === "UpdateService")
      const putTargets = mutating.findIndex((c) => c.operation === "PutTargets")
      expect(putTargets).toBeLessThan(firstUpdate)
      expect(byName(report, "api").previousTag).toBe(OLD)
      expect(byName(report, "api").newTag).toBe(SHA)
      // Rollouts take 30 s in the simulator; with 15 s polls gehen notices within one interval.
      expect(Duration.toSeconds(elapsed)).toBeLessThanOrEqual(30 + 15)
    }))

  it.effect("rolls everything back when the version check times out", () =>
    Effect.gen(function*() {
      // The new api tasks never start, so the url keeps serving the old version.
      const w = yield* makeWorld({ [SHA]: "stuck" })
      const config = configFor(w.clusterB, { timeoutMinutes: 2 })
      const { exit, elapsed } = yield* runWithClock(
        deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)),
        "5 seconds"
      )
      const error = failureOf(exit) as DeployFailed
      expect(error._tag).toBe("DeployFailed")
      expect(error.report.exitCode).toBe(1)
      expect(byName(error.report, "api").outcome).toBe("rolled-back")
      // What was wanted, said once, and what was last seen.
      expect(byName(error.report, "api").error).toBe(
        `version check timed out: wanted ${SHA}; last seen: serving ${OLD}`
      )
      expect(error.report.error).toContain(`(wanted ${SHA}; last seen: serving ${OLD})`)
      expect(byName(error.report, "worker").outcome).toBe("rolled-back")
      expect(byName(error.report, "nightly").outcome).toBe("rolled-back")
      const api = yield* w.sim.service("prod-a", "api", "us-east-1")
      expect(api?.taskDefinition).toBe(w.api)
      const rule = yield* w.sim.rule("us-east-1", "nightly")
      expect(rule?.targets[0]?.EcsParameters?.TaskDefinitionArn).toBe(w.report)
      // 2 min for the version check, then the rollback's own checks.
      expect(Duration.toMinutes(elapsed)).toBeGreaterThanOrEqual(2)
    }))

  it.effect("fails at once on an UNHEALTHY task of the new revision and rolls back", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15 } })
      const config = configFor(w.clusterB, { services: [svc("worker", w.clusterB, { containers: ["worker"] })] })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as DeployFailed
      expect(byName(error.report, "worker").outcome).toBe("rolled-back")
      expect(byName(error.report, "worker").error).toMatch(/UNHEALTHY/)
      const drain = byName(error.report, "worker").phases.find((p) => p.phase === "drain")!
      // Detected within a couple of polls of the task turning unhealthy, not at the 5 min deadline.
      expect(Date.parse(drain.endedAt!) - Date.parse(drain.startedAt)).toBeLessThan(90_000)
      const worker = yield* w.sim.service("prod-b", "worker", "us-west-2")
      expect(worker?.taskDefinition).toBe(w.worker)
    }))

  it.effect("fails fast on UNHEALTHY tasks while still waiting for the url to serve the new version", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15 } })
      const { exit, elapsed } = yield* runWithClock(
        deploy(configFor(w.clusterB), { gitsha: SHA }).pipe(Effect.provide(w.layer))
      )
      const error = failureOf(exit) as DeployFailed
      // The first service found failing carries the failure; every change is rolled back.
      expect([byName(error.report, "api").error, byName(error.report, "worker").error].join(" ")).toMatch(/UNHEALTHY/)
      expect(byName(error.report, "api").outcome).toBe("rolled-back")
      expect(byName(error.report, "worker").outcome).toBe("rolled-back")
      // Far before the 5 minute version-check deadline (the rollback's own checks included).
      expect(Duration.toSeconds(elapsed)).toBeLessThan(150)
    }))

  it.effect("fails when ECS's circuit breaker marks the rollout FAILED", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "circuit-breaker", failAfter: 40 } })
      const config = configFor(w.clusterB, {
        services: [svc("worker", w.clusterB, { containers: ["worker"] })],
        scheduledTasks: []
      })
      const { exit, elapsed } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as DeployFailed
      expect(byName(error.report, "worker").error).toMatch(/circuit breaker|FAILED/i)
      expect(Duration.toSeconds(elapsed)).toBeLessThan(5 * 60)
    }))

  it.effect("times out draining with exit 2, says which services still run old tasks, and rolls nothing back", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: "never-drain" })
      const config = configFor(w.clusterB, { timeoutMinutes: 1 })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      const error = failureOf(exit) as DeployTimedOut
      expect(error._tag).toBe("DeployTimedOut")
      expect(error.report.exitCode).toBe(2)
      expect(byName(error.report, "worker").outcome).toBe("timed-out")
      expect(byName(error.report, "worker").error).toMatch(/old/)
      expect(error.message).toContain("worker")
      const updates = yield* w.sim.calls("UpdateService")
      expect(updates).toHaveLength(2) // no rollback call
    }))

  it.effect("updateStrategy none: registers and updates nothing, only checks", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB, { updateStrategy: "none", timeoutMinutes: 1 })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: OLD }).pipe(Effect.provide(w.layer)), "5 seconds")
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(yield* w.sim.mutatingCalls()).toEqual([])
      const report = (exit as Exit.Success<RunReport, never>).value
      expect(byName(report, "nightly").outcome).toBe("skipped")
    }))

  it.effect("updateStrategy none: a failed version check fails with nothing to roll back", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB, { updateStrategy: "none", timeoutMinutes: 1 })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      const error = failureOf(exit) as DeployFailed
      expect(error.report.exitCode).toBe(1)
      expect(byName(error.report, "api").outcome).toBe("failed")
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("updateStrategy latest: bases the new revision on the family's newest ACTIVE revision", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const newer = yield* w.sim.seedTaskDefinition("us-east-1", {
        family: "api",
        cpu: "512",
        memory: "1024",
        containerDefinitions: [{ name: "app", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/api:${OLD}` }]
      })
      const config = configFor(w.clusterB, {
        updateStrategy: "latest",
        services: [svc("api", "prod-a")],
        scheduledTasks: []
      })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      const [register] = yield* w.sim.calls("RegisterTaskDefinition")
      expect(register?.params["cpu"]).toBe("512")
      const report = (exit as Exit.Success<RunReport, never>).value
      expect(byName(report, "api").previousTaskDefinition).toBe(w.api)
      expect(newer).not.toBe(w.api)
    }))

  it.effect("updateStrategy redeploy: forces a new deployment of the current revision, registers nothing", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB, {
        updateStrategy: "redeploy",
        services: [svc("worker", w.clusterB, { containers: ["worker"] })],
        scheduledTasks: []
      })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(yield* w.sim.calls("RegisterTaskDefinition")).toEqual([])
      const [update] = yield* w.sim.calls("UpdateService")
      expect(update?.params["taskDefinition"]).toBe(w.worker)
      expect(update?.params["forceNewDeployment"]).toBe(true)
    }))

  it.effect("a containers filter changes only the named containers", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB, {
        services: [svc("worker", w.clusterB, { containers: ["worker"] })],
        scheduledTasks: []
      })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      const worker = yield* w.sim.service("prod-b", "worker", "us-west-2")
      const td = yield* w.sim.taskDefinition(worker!.taskDefinition!, "us-west-2")
      expect(imageOf(td?.taskDefinition, "worker")).toBe(`registry.example.com:5000/team/worker:${SHA}`)
      expect(imageOf(td?.taskDefinition, "log-router")).toBe(
        "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.31.0"
      )
    }))

  it.effect("one service failing to update rolls back the others and the scheduled tasks", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* w.sim.failNext({
        operation: "UpdateService",
        service: "api",
        code: "AccessDeniedException",
        message: "not allowed"
      })
      const { exit } = yield* runWithClock(deploy(configFor(w.clusterB), { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as DeployFailed
      expect(byName(error.report, "api").outcome).toBe("failed")
      expect(byName(error.report, "api").error).toContain("not allowed")
      expect(byName(error.report, "worker").outcome).toBe("rolled-back")
      expect(byName(error.report, "nightly").outcome).toBe("rolled-back")
      expect((yield* w.sim.service("prod-b", "worker", "us-west-2"))?.taskDefinition).toBe(w.worker)
      expect((yield* w.sim.rule("us-east-1", "nightly"))?.targets[0]?.EcsParameters?.TaskDefinitionArn).toBe(w.report)
    }))

  it.effect("a rollback call that keeps failing is retried, then reported with the command that restores it by hand", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: "unhealthy" })
      const config = configFor(w.clusterB, { scheduledTasks: [] })
      // The first UpdateService of each service deploys; every later one (the rollback) fails.
      const fiber = yield* Effect.fork(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      yield* TestClock.adjust("1 second")
      yield* w.sim.failNext({
        operation: "UpdateService",
        service: "worker",
        times: 100,
        code: "ServiceUnavailableException",
        message: "ECS is down"
      })
      const { exit } = yield* runWithClock(Fiber.join(fiber))
      const error = failureOf(exit) as DeployFailed
      const worker = byName(error.report, "worker")
      expect(worker.outcome).toBe("rollback-failed")
      expect(worker.error).toContain("ECS is down")
      expect(worker.manualCommand).toBe(
        `aws ecs update-service --region us-west-2 --cluster '${w.clusterB}' --service 'worker' --task-definition '${w.worker}' --force-new-deployment`
      )
      // Kept trying with backoff for two minutes, not given up on after a few tries: the
      // last try went out within one pause (at most 10 s, jittered up to 12 s) of the end.
      const workerUpdates = (yield* w.sim.calls("UpdateService")).filter((c) => c.params["service"] === "worker")
      expect(workerUpdates.length).toBeGreaterThan(8)
      const tries = workerUpdates.slice(1).map((c) => c.at)
      expect(tries[tries.length - 1]! - tries[0]!).toBeGreaterThanOrEqual(120_000 - 12_000)
      expect(tries[tries.length - 1]! - tries[0]!).toBeLessThanOrEqual(120_000)
      expect(byName(error.report, "api").outcome).toBe("rolled-back")
      // The restore call failed: exit 3, a person must look.
      expect(error.report.outcome).toBe("rollback-failed")
      expect(error.report.exitCode).toBe(3)
    }))

  it.effect("a rollback whose old version turns UNHEALTHY fails at once, not at the rollback's deadline", () =>
    Effect.gen(function*() {
      // api deploys and drains; worker's new tasks turn UNHEALTHY only later, so the
      // rollback finds api serving nothing but the new version. The old version cannot
      // come back either (say its image was deleted): its tasks turn UNHEALTHY too.
      const w = yield* makeWorld((ctx) =>
        ctx.imageTags.includes(OLD)
          ? { kind: "unhealthy", startAfter: 5, healthyAfter: 15 }
          : ctx.service === "worker"
          ? { kind: "unhealthy", startAfter: 40, healthyAfter: 60 }
          : { kind: "healthy", startAfter: 5, healthyAfter: 20, drainAfter: 10 }
      )
      const config = configFor(w.clusterB, { timeoutMinutes: 10, scheduledTasks: [] })
      const { exit, elapsed } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as DeployFailed
      expect(byName(error.report, "worker").error).toMatch(/UNHEALTHY/)
      const api = byName(error.report, "api")
      expect(api.outcome).toBe("rollback-failed")
      expect(api.error).toMatch(/UNHEALTHY/)
      // Its version check, cut short by the failure, is closed in the report.
      const check = api.phases.find((p) => p.phase === "rollback-version-check")
      expect(check?.status).toBe("failed")
      expect(check?.endedAt).not.toBeNull()
      // Not the 10 minutes of the rollback's version check.
      expect(Duration.toMinutes(elapsed)).toBeLessThan(4)
    }))

  it.effect("a scheduled task failing restores the earlier ones and touches no service", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* w.sim.addRule({ name: "hourly", region: "us-east-1", target: { ...w.nightlyTarget, Id: "hourly" } })
      yield* w.sim.failNext({
        operation: "PutTargets",
        rule: "hourly",
        code: "AccessDeniedException",
        message: "denied"
      })
      const config = configFor(w.clusterB, { scheduledTasks: [rule("nightly"), rule("hourly")] })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as DeployFailed
      expect(byName(error.report, "nightly").outcome).toBe("rolled-back")
      expect(byName(error.report, "hourly").outcome).toBe("failed")
      expect(error.report.services.map((s) => s.outcome)).toEqual(["skipped", "skipped"])
      expect(yield* w.sim.calls("UpdateService")).toEqual([])
      expect((yield* w.sim.rule("us-east-1", "nightly"))?.targets[0]?.EcsParameters?.TaskDefinitionArn).toBe(w.report)
    }))

  it.effect("the timeout is one deadline for all services, not one per service", () =>
    Effect.gen(function*() {
      // Both services never drain: with a per-service deadline this would take 2 x 1 min.
      const w = yield* makeWorld({ [SHA]: "never-drain" })
      const config = configFor(w.clusterB, { timeoutMinutes: 1, checkIntervalSeconds: 5 })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      const error = failureOf(exit) as DeployTimedOut
      const drains = error.report.services.map((s) => s.phases.find((p) => p.phase === "drain")!)
      for (const d of drains) expect(Date.parse(d.endedAt!) - Date.parse(d.startedAt)).toBeLessThanOrEqual(61_000)
      expect(error.report.services.map((s) => s.outcome)).toEqual(["timed-out", "timed-out"])
    }))

  it.effect("registers one revision per distinct task definition, even when services share it", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* w.sim.addService({ cluster: "prod-a", name: "api-canary", taskDefinition: w.api, region: "us-east-1" })
      const config = configFor(w.clusterB, {
        services: [svc("api", "prod-a"), svc("api-canary", "prod-a")],
        scheduledTasks: []
      })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(yield* w.sim.calls("RegisterTaskDefinition")).toHaveLength(1)
      // The task definition they share, and its family's newest revision (which may be the copy already).
      expect((yield* w.sim.calls("DescribeTaskDefinition")).map((c) => c.params["taskDefinition"])).toEqual([
        w.api,
        "api"
      ])
    }))
})

describe("plan problems stop the run before any change", () => {
  const expectPlanError = (
    problem: RegExp,
    tweak: (w: Effect.Effect.Success<ReturnType<typeof makeWorld>>) => Effect.Effect<unknown>,
    overrides: (clusterB: string) => Parameters<typeof configFor>[1] = () => ({})
  ) =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* tweak(w)
      const { exit } = yield* runWithClock(
        deploy(configFor(w.clusterB, overrides(w.clusterB)), { gitsha: SHA }).pipe(Effect.provide(w.layer))
      )
      const error = failureOf(exit) as PlanError
      expect(error._tag).toBe("PlanError")
      expect(error.message).toMatch(problem)
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    })

  it.effect("a missing service", () =>
    expectPlanError(/service ghost .*not found/, () => Effect.void, (b) => ({
      services: [svc("api", "prod-a"), svc("ghost", b)]
    })))

  it.effect("a rule with two targets", () =>
    expectPlanError(
      /exactly one target.*found 2/,
      (w) =>
        w.sim.addRule({
          name: "double",
          region: "us-east-1",
          targets: [w.nightlyTarget, { ...w.nightlyTarget, Id: "other" }]
        }),
      () => ({
        scheduledTasks: [rule("nightly"), rule("double")]
      })
    ))

  it.effect("a rule with no target", () =>
    expectPlanError(/found 0/, (w) => w.sim.addRule({ name: "empty", region: "us-east-1", targets: [] }), () => ({
      scheduledTasks: [rule("empty")]
    })))

  it.effect("a rule whose target is not an ECS task", () =>
    expectPlanError(
      /not an ECS task/,
      (w) =>
        w.sim.addRule({
          name: "lambda",
          region: "us-east-1",
          target: { Id: "fn", Arn: "arn:aws:lambda:us-east-1:123456789012:function:f" }
        }),
      () => ({
        scheduledTasks: [rule("lambda")]
      })
    ))

  it.effect("a missing rule", () =>
    expectPlanError(/nope.*not found/, () => Effect.void, () => ({ scheduledTasks: [rule("nope")] })))

  it.effect("a containers entry that matches no container", () =>
    expectPlanError(/no container named web/, () => Effect.void, (b) => ({
      services: [svc("worker", b, { containers: ["web"] })]
    })))

  it.effect("a service that is DRAINING", () =>
    expectPlanError(/DRAINING/, (w) =>
      Effect.gen(function*() {
        const td = yield* w.sim.seedTaskDefinition("us-east-1", {
          family: "old",
          containerDefinitions: [{ name: "x", image: "x:1" }]
        })
        yield* w.sim.addService({
          cluster: "prod-a",
          name: "old",
          taskDefinition: td,
          region: "us-east-1",
          status: "DRAINING"
        })
      }), () => ({ services: [svc("old", "prod-a")] })))
})

describe("interruption", () => {
  const interruptAfter = (seconds: number, onInterrupt: "rollback" | "leave") =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: "never-drain" })
      const reports: Array<RunReport> = []
      const fiber = yield* Effect.fork(
        deploy(configFor(w.clusterB), {
          gitsha: SHA,
          onInterrupt,
          onInterruptedReport: (r) => Effect.sync(() => void reports.push(r))
        }).pipe(Effect.provide(w.layer))
      )
      for (let i = 0; i < seconds; i++) yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(fiber)
      return { w, report: reports[0]! }
    })

  it.effect("rolls back what changed without waiting for drain, and reports outcome interrupted", () =>
    Effect.gen(function*() {
      const { report, w } = yield* interruptAfter(40, "rollback")
      expect(report.outcome).toBe("interrupted")
      expect(report.exitCode).toBe(130)
      expect(report.services.map((s) => s.outcome)).toEqual(["rolled-back", "rolled-back"])
      expect(byName(report, "nightly").outcome).toBe("rolled-back")
      expect((yield* w.sim.service("prod-a", "api", "us-east-1"))?.taskDefinition).toBe(w.api)
      expect((yield* w.sim.rule("us-east-1", "nightly"))?.targets[0]?.EcsParameters?.TaskDefinitionArn).toBe(w.report)
    }))

  it.effect("--on-interrupt leave keeps the new version", () =>
    Effect.gen(function*() {
      const { report, w } = yield* interruptAfter(40, "leave")
      expect(report.outcome).toBe("interrupted")
      expect(yield* w.sim.calls("UpdateService")).toHaveLength(2)
      expect((yield* w.sim.service("prod-a", "api", "us-east-1"))?.taskDefinition).not.toBe(w.api)
    }))

  it.effect("before any change, nothing is rolled back", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const reports: Array<RunReport> = []
      const fiber = yield* Effect.fork(
        deploy(configFor(w.clusterB), {
          gitsha: SHA,
          onInterruptedReport: (r) => Effect.sync(() => void reports.push(r))
        }).pipe(
          Effect.provide(w.layer)
        )
      )
      yield* Fiber.interrupt(fiber)
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))
})

describe("API calls", () => {
  it.effect("DescribeServices is batched: one call per 10 services of a cluster, in the plan and in every poll round", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const names = Array.from({ length: 12 }, (_, i) => `svc-${i}`)
      for (const name of names) {
        yield* w.sim.addService({ cluster: "prod-a", name, taskDefinition: w.api, region: "us-east-1" })
      }
      const config = configFor(w.clusterB, { services: names.map((name) => svc(name, "prod-a")), scheduledTasks: [] })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      expect(Exit.isSuccess(exit)).toBe(true)
      const describes = yield* w.sim.calls("DescribeServices")
      // Calls come in pairs, 10 + 2 names, at the same instant: one pair per round.
      const byInstant = new Map<number, Array<number>>()
      for (const c of describes) {
        byInstant.set(c.at, [...(byInstant.get(c.at) ?? []), (c.params["services"] as Array<string>).length])
      }
      for (const sizes of byInstant.values()) {
        expect(sizes.filter((n) => n === 10).length).toBe(sizes.filter((n) => n === 2).length)
        expect(sizes.every((n) => n === 10 || n === 2)).toBe(true)
      }
      // A healthy rollout needs no task inspection beyond the small rotating budget.
      const rounds = describes.length / 2
      const reads = describes.length + (yield* w.sim.calls("ListTasks")).length +
        (yield* w.sim.calls("DescribeTasks")).length
      expect(reads / rounds).toBeLessThanOrEqual(1.5 * Math.ceil(12 / 10))
      // One registration for the one shared task definition.
      expect(yield* w.sim.calls("RegisterTaskDefinition")).toHaveLength(1)
    }))
})
