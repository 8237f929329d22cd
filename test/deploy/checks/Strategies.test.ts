// Deploys to services with each ECS deployment strategy, followed through their service
// deployments: success after bake time, ECS rolling back by itself, gehen rolling back
// during bake, a test listener answering the wrong version, a hook gehen does not
// handle, and the fallback where the API is not offered.
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, TestClock } from "effect"
import { formatStatus } from "../../../src/cli/StatusFormat.js"
import { makeStyle } from "../../../src/cli/Style.js"
import { formatPlan, formatSummary } from "../../../src/cli/Summary.js"
import { planReport } from "../../../src/deploy/plan/Plan.js"
import { deploy, type DeployFailed, plan } from "../../../src/deploy/run/Deploy.js"
import { Ecs } from "../../../src/ports/Ecs.js"
import type { RunReport, TargetReport } from "../../../src/report/Report.js"
import { status } from "../../../src/status/Status.js"
import type { Behaviour, DeploymentSpec } from "../../../src/testing/index.js"
import { ACCOUNT, configFor, failureOf, makeWorld, OLD, runWithClock, SHA, svc } from "../../support/world.js"

const webDef = (tag: string) => ({
  family: "web",
  containerDefinitions: [{ name: "web", image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/web:${tag}` }]
})

/** The world plus `web` in prod-a with the given deployment model; the config deploys web alone. */
const strategyWorld = (
  deployment: DeploymentSpec,
  byTag: Readonly<Record<string, Behaviour>> = {},
  more: { readonly testUrl?: boolean; readonly timeoutMinutes?: number } = {}
) =>
  Effect.gen(function*() {
    const w = yield* makeWorld(byTag)
    const web = yield* w.sim.seedTaskDefinition("us-east-1", webDef(OLD))
    yield* w.sim.addService({
      cluster: "prod-a",
      name: "web",
      taskDefinition: web,
      region: "us-east-1",
      desiredCount: 2,
      deployment
    })
    const config = configFor(w.clusterB, {
      services: [
        svc("web", "prod-a", {
          url: "http://web.test/version/prod-a/web",
          ...(more.testUrl === true ? { testUrl: "http://web.test/version-test/prod-a/web" } : {})
        })
      ],
      scheduledTasks: [],
      timeoutMinutes: more.timeoutMinutes ?? 5
    })
    return { ...w, web, config }
  })

const webOf = (report: RunReport): TargetReport => report.services.find((s) => s.name === "web")!

const quick: Behaviour = { kind: "healthy", startAfter: 5, healthyAfter: 20, drainAfter: 10 }

describe("deployment strategies", () => {
  it.effect("BLUE_GREEN: deployed once the service deployment is SUCCESSFUL, after its bake time; stages in the report", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 10 })
      const { elapsed, exit } = yield* runWithClock(
        deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)),
        "5 seconds"
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      // Bake time runs past timeoutMinutes (5): the drain deadline is 5 + 10 minutes.
      expect(Duration.toMinutes(elapsed)).toBeGreaterThanOrEqual(10)
      const report = Exit.isSuccess(exit) ? exit.value : undefined
      const sd = webOf(report!).serviceDeployment
      expect(sd?.status).toBe("SUCCESSFUL")
      expect(sd?.stages.map((s) => s.stage)).toContain("BAKE_TIME")
      expect(w.events.some((e) => /baking, \d+ of 10 min/.test(e.message))).toBe(true)
      // Followed through DescribeServiceDeployments, batched.
      expect((yield* w.sim.calls("DescribeServiceDeployments")).length).toBeGreaterThan(0)
    }))

  it.effect("LINEAR: the version check passes only once production traffic has fully shifted", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld({
        strategy: "LINEAR",
        bakeTimeInMinutes: 1,
        linear: { stepPercent: 25, stepBakeTimeInMinutes: 2 }
      })
      const { exit } = yield* runWithClock(deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      expect(Exit.isSuccess(exit)).toBe(true)
      const held = w.events.filter((e) => e.phase === "version-check" && /on part of the traffic/.test(e.message))
      expect(held.length).toBeGreaterThan(0)
      const passed = w.events.find((e) => e.phase === "version-check" && e.status === "succeeded")!
      const report = Exit.isSuccess(exit) ? exit.value : undefined
      const stages = webOf(report!).serviceDeployment!.stages
      const shifted = stages.find((s) => ["POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"].includes(s.stage))!
      expect(passed.at).toBeGreaterThanOrEqual(Date.parse(shifted.at))
      // The steps took 3 × 2 minutes: past timeoutMinutes, within the deadline that counts them.
      expect(stages.some((s) => s.stage === "PRODUCTION_TRAFFIC_SHIFT")).toBe(true)
    }))

  it.effect("CANARY: an alarm during bake time, ECS rolls back by itself: rolled back by ECS, with its reason", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld(
        {
          strategy: "CANARY",
          bakeTimeInMinutes: 10,
          canary: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 },
          alarms: { names: ["web-5xx"] }
        },
        { [SHA]: { ...quick, alarmAfter: 180 } }
      )
      const { exit } = yield* runWithClock(deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      const error = failureOf(exit) as DeployFailed
      expect(webOf(error.report).error).toMatch(/rolled back by ECS \(ROLLBACK_\w+\): .*web-5xx/)
      expect(webOf(error.report).outcome).toBe("rolled-back")
      expect((yield* w.sim.service("prod-a", "web", "us-east-1"))?.taskDefinition).toBe(w.web)
    }))

  it.effect("BLUE_GREEN: another service fails during the bake time: gehen stops the deployment, ECS shifts traffic back", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 10 }, { [SHA]: quick })
      // The worker crashes once the web deployment bakes; the run fails and rolls everything back.
      yield* w.sim.setBehaviour((ctx) =>
        ctx.service === "worker" && !ctx.rollback && ctx.imageTags.includes(SHA)
          ? { kind: "unhealthy", startAfter: 60, healthyAfter: 90 }
          : quick
      )
      const config = {
        ...w.config,
        services: [...w.config.services, svc("worker", w.clusterB, { containers: ["worker"] })]
      }
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      const error = failureOf(exit) as DeployFailed
      const web = webOf(error.report)
      expect(web.outcome).toBe("rolled-back")
      expect(web.restoredBy).toBe("stop-service-deployment")
      expect(formatSummary(makeStyle(false), error.report)).toMatch(
        /back on web:1, .*\(StopServiceDeployment: ECS shifted traffic back\)/
      )
      expect((yield* w.sim.calls("StopServiceDeployment")).length).toBe(1)
      expect((yield* w.sim.service("prod-a", "web", "us-east-1"))?.taskDefinition).toBe(w.web)
      expect(error.report.services.find((s) => s.name === "worker")?.restoredBy).toBe("update-service")
    }))

  it.effect("a PAUSE hook at POST_TEST_TRAFFIC_SHIFT: gehen checks the test listener, then continues", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld(
        {
          strategy: "BLUE_GREEN",
          bakeTimeInMinutes: 1,
          hooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }]
        },
        {},
        { testUrl: true }
      )
      const { exit } = yield* runWithClock(deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      expect(Exit.isSuccess(exit)).toBe(true)
      const [continued] = yield* w.sim.calls("ContinueServiceDeployment")
      expect(continued?.params).toMatchObject({ action: "CONTINUE" })
    }))

  it.effect("a test listener serving the wrong version: never continued; rolled back at the deadline", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld(
        {
          strategy: "BLUE_GREEN",
          bakeTimeInMinutes: 1,
          hooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }]
        },
        {},
        { testUrl: true, timeoutMinutes: 2 }
      )
      // The test listener points at the wrong service: it answers the worker's old version.
      const config = {
        ...w.config,
        services: [{ ...w.config.services[0]!, testUrl: "http://web.test/version/prod-a/api" }]
      }
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      const error = failureOf(exit) as DeployFailed
      expect(yield* w.sim.calls("ContinueServiceDeployment")).toMatchObject([{ params: { action: "ROLLBACK" } }])
      expect(webOf(error.report).restoredBy).toBe("continue-service-deployment")
      expect(webOf(error.report).outcome).toBe("rolled-back")
    }))

  it.effect("a hook gehen does not handle: reported as waiting for a person, with the command, until the deadline", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld(
        { strategy: "BLUE_GREEN", hooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_SCALE_UP"] }] },
        {},
        { timeoutMinutes: 2 }
      )
      const { exit } = yield* runWithClock(deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      failureOf(exit)
      const waiting = w.events.filter((e) =>
        /waiting for a person: aws ecs continue-service-deployment .*--hook-id/.test(e.message)
      )
      expect(waiting.length).toBeGreaterThan(0)
      expect((yield* w.sim.service("prod-a", "web", "us-east-1"))?.taskDefinition).toBe(w.web)
    }))

  it.effect("ROLLING services are judged as before: no service deployment read", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld({})
      const { exit } = yield* runWithClock(deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(yield* w.sim.calls("DescribeServiceDeployments")).toHaveLength(0)
    }))

  it.effect("where the API is not offered, DescribeServices' deployments decide, said once in the run", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 1 })
      yield* w.sim.failNext({
        operation: "DescribeServiceDeployments",
        times: 1000,
        code: "UnknownOperationException",
        status: 400
      })
      yield* w.sim.failNext({
        operation: "ListServiceDeployments",
        times: 1000,
        code: "UnknownOperationException",
        status: 400
      })
      const { exit } = yield* runWithClock(deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      expect(Exit.isSuccess(exit)).toBe(true)
      const said = w.events.filter((e) => /service deployments API is not offered/.test(e.message))
      expect(said).toHaveLength(1)
    }))

  it.effect("without the API, a failing blue/green deploy is judged and rolled back by DescribeServices, said once", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 1 }, {
        [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15, replaceAfter: 5 }
      })
      for (const operation of ["DescribeServiceDeployments", "ListServiceDeployments", "StopServiceDeployment"]) {
        yield* w.sim.failNext({ operation, times: 1000, code: "UnknownOperationException", status: 400 })
      }
      const { exit } = yield* runWithClock(deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")
      const error = failureOf(exit) as DeployFailed
      expect(webOf(error.report).error).toMatch(/UNHEALTHY/)
      expect(webOf(error.report).outcome).toBe("rolled-back")
      expect(webOf(error.report).restoredBy).toBe("update-service")
      expect(w.events.filter((e) => /service deployments API is not offered/.test(e.message))).toHaveLength(1)
    }))

  it.effect("an update answer that names no service deployment: found with ListServiceDeployments, past a lagging list", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 2 })
      // Lists and DescribeServices answer as before for 20 s after the update.
      yield* w.sim.setDescribeLag(20)
      const withoutArn = Effect.updateService(Ecs, (ecs) => ({
        ...ecs,
        updateService: (ref, td) =>
          Effect.map(ecs.updateService(ref, td), (d) => ({ id: d.id, createdAt: d.createdAt }))
      }))
      const { exit } = yield* runWithClock(
        deploy(w.config, { gitsha: SHA }).pipe(withoutArn, Effect.provide(w.layer)),
        "5 seconds"
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      const listed = yield* w.sim.calls("ListServiceDeployments")
      expect(listed.length).toBeGreaterThan(1)
      const report = Exit.isSuccess(exit) ? exit.value : undefined
      expect(webOf(report!).serviceDeployment?.status).toBe("SUCCESSFUL")
      // The first lists came within the lag and found nothing yet.
      const update = (yield* w.sim.calls("UpdateService")).find((c) => c.params["service"] === "web")!
      expect(listed[0]!.at - update.at).toBeLessThan(20_000)
    }))

  it.effect("a signal during the bake time: StopServiceDeployment puts the blue/green service back at once", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 10 })
      const reports: Array<RunReport> = []
      const fiber = yield* Effect.fork(
        deploy(w.config, { gitsha: SHA, onInterruptedReport: (r) => Effect.sync(() => void reports.push(r)) }).pipe(
          Effect.provide(w.layer)
        )
      )
      for (let i = 0; i < 36; i++) yield* TestClock.adjust("5 seconds")
      yield* Fiber.interrupt(fiber)
      expect(reports[0]?.outcome).toBe("interrupted")
      expect(webOf(reports[0]!).restoredBy).toBe("stop-service-deployment")
      yield* TestClock.adjust("10 seconds")
      expect(yield* w.sim.servedVersion("prod-a", "web", "us-east-1")).toBe(OLD)
    }))

  it.effect("plan and status show the model, the drain deadline and the latest service deployment", () =>
    Effect.gen(function*() {
      const w = yield* strategyWorld({
        strategy: "LINEAR",
        bakeTimeInMinutes: 5,
        linear: { stepPercent: 50, stepBakeTimeInMinutes: 3 },
        alarms: { names: ["web-5xx"] },
        hooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }]
      })
      const thePlan = yield* plan(w.config, SHA).pipe(Effect.provide(w.layer))
      const text = formatPlan(makeStyle(false), thePlan)
      expect(text).toContain("deployed by ECS: LINEAR (ECS), bake 5 min, steps of 50% every 3 min")
      expect(text).toContain("alarms web-5xx (rollback), hook PAUSE at POST_TEST_TRAFFIC_SHIFT; drain deadline 13 min")
      expect(planReport(thePlan).services[0]?.deployment).toMatchObject({
        strategy: "LINEAR",
        drainDeadlineMinutes: 13
      })
      const report = yield* status(w.config).pipe(Effect.provide(w.layer))
      const web = report.services[0]!
      expect(web.state === "found" && web.latestServiceDeployment?.status).toBe("SUCCESSFUL")
      expect(web.state === "found" && web.deployment?.strategy).toBe("LINEAR")
      expect(formatStatus(makeStyle(false), report)).toMatch(/latest service deployment \w+: SUCCESSFUL, started /)
    }))
})
