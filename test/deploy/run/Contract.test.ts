// Where AWS's documentation is silent (list order, page sizes, timestamp precision, filter
// bounds, how revision ids relate to deployment ids, whether an answer comes), the
// simulator answers as each seed picks. These program tests run over seeds chosen so that
// every answer turns up: a guess that happens to hold for one of them fails here.
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Fiber, Layer, Option, TestClock } from "effect"
import { deploy, type DeployFailed, type DeployTimedOut, revert } from "../../../src/deploy/run/Deploy.js"
import { Ecs } from "../../../src/ports/Ecs.js"
import { Progress } from "../../../src/ports/Progress.js"
import type { RunReport, TargetReport } from "../../../src/report/Report.js"
import { choicesFor, type DeploymentSpec, type SimChoices, Simulator } from "../../../src/testing/index.js"
import { ACCOUNT, configFor, makeWorld, OLD, runWithClock, SHA, svc } from "../../support/world.js"

/** Seeds whose choices, together, give every answer each choice allows (checked below). */
const SEEDS = [1, 2, 3, 8, 11] as const

const byName = (report: RunReport, name: string): TargetReport =>
  [...report.services, ...report.scheduledTasks].find((t) => t.name === name)!

const reportOf = (exit: Exit.Exit<RunReport, unknown>): RunReport => {
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.failureOption(exit.cause)
  if (
    Option.isSome(failure) && typeof failure.value === "object" && failure.value !== null && "report" in failure.value
  ) {
    return (failure.value as DeployFailed | DeployTimedOut).report
  }
  throw new Error(`no report: ${Cause.pretty(exit.cause)}`)
}

const appDef = (family: string, tag: string) => ({
  family,
  containerDefinitions: [{ name: family, image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${family}:${tag}` }]
})

/** Services in prod-a, one per deployment model, each on tag OLD; the config deploys them alone. */
const fleet = (
  seed: number,
  models: Readonly<Record<string, DeploymentSpec>>,
  byTag: Parameters<typeof makeWorld>[0] = {}
) =>
  Effect.gen(function*() {
    const w = yield* makeWorld(byTag, { seed })
    const revisions: Record<string, string> = {}
    for (const [name, deployment] of Object.entries(models)) {
      revisions[name] = yield* w.sim.seedTaskDefinition("us-east-1", appDef(name, OLD))
      yield* w.sim.addService({
        cluster: "prod-a",
        name,
        taskDefinition: revisions[name],
        region: "us-east-1",
        desiredCount: 2,
        deployment
      })
    }
    const config = configFor(w.clusterB, {
      services: Object.keys(models).map((name) =>
        svc(name, "prod-a", { url: `http://${name}.test/version/prod-a/${name}` })
      ),
      scheduledTasks: [],
      timeoutMinutes: 5,
      checkIntervalSeconds: 10
    })
    return { ...w, revisions, config }
  })

/** UpdateService answers that name no service deployment: gehen must find each one itself. */
const answersNamingNone = Effect.updateService(Ecs, (ecs) => ({
  ...ecs,
  updateService: (ref, td) => Effect.map(ecs.updateService(ref, td), (d) => ({ id: d.id, createdAt: d.createdAt }))
}))

const strategies: Readonly<Record<string, DeploymentSpec>> = {
  bg: { strategy: "BLUE_GREEN", bakeTimeInMinutes: 2 },
  lin: { strategy: "LINEAR", bakeTimeInMinutes: 1, linear: { stepPercent: 50, stepBakeTimeInMinutes: 1 } },
  can: { strategy: "CANARY", bakeTimeInMinutes: 1, canary: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 } }
}

describe("the seeds", () => {
  it("together give every answer each choice allows", () => {
    const all: Record<keyof SimChoices, ReadonlyArray<string>> = {
      listOrder: ["newest-first", "oldest-first", "shuffled"],
      pageSize: ["full", "any"],
      timestamps: ["ms", "s"],
      createdAtBounds: ["inclusive", "exclusive"],
      revisionIds: ["numeric", "hex"]
    }
    const picked = SEEDS.map(choicesFor)
    for (const [choice, values] of Object.entries(all) as Array<[keyof SimChoices, ReadonlyArray<string>]>) {
      expect(new Set(picked.map((c) => c[choice])), choice).toEqual(new Set(values))
    }
  })
})

describe.each(SEEDS)("seed %i", (seed) => {
  it.effect("blue/green, linear and canary: each followed through the service deployment its update named, to SUCCESSFUL", () =>
    Effect.gen(function*() {
      const w = yield* fleet(seed, strategies)
      const report = reportOf(
        (yield* runWithClock(deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")).exit
      )
      expect(report.exitCode).toBe(0)
      for (const name of Object.keys(strategies)) {
        expect(byName(report, name).serviceDeployment?.status, name).toBe("SUCCESSFUL")
        expect(byName(report, name).judgedBy, name).toBeUndefined()
      }
      // Named by the answer: nothing to list.
      expect(yield* w.sim.calls("ListServiceDeployments")).toEqual([])
    }))

  it.effect("an answer naming no service deployment: each found by listing and by its revision's task definition", () =>
    Effect.gen(function*() {
      const w = yield* fleet(seed, strategies)
      const run = deploy(w.config, { gitsha: SHA }).pipe(answersNamingNone, Effect.provide(w.layer))
      const report = reportOf((yield* runWithClock(run, "5 seconds")).exit)
      expect(report.exitCode).toBe(0)
      const updates = yield* w.sim.calls("UpdateService")
      for (const name of Object.keys(strategies)) {
        const entry = byName(report, name)
        expect(entry.serviceDeployment?.status, name).toBe("SUCCESSFUL")
        expect(entry.judgedBy, name).toBeUndefined()
        // The one found is the one this update started: its target revision runs the new task definition.
        const service = yield* w.sim.service("prod-a", name, "us-east-1")
        expect(service?.currentServiceDeployment, name).toBe(entry.serviceDeployment?.arn)
        expect(updates.some((c) => c.params["service"] === name)).toBe(true)
      }
      expect((yield* w.sim.calls("DescribeServiceRevisions")).length).toBeGreaterThan(0)
    }))

  it.effect("a failing blue/green deployment: ECS rolls it back, gehen confirms the previous version", () =>
    Effect.gen(function*() {
      const w = yield* fleet(seed, { bg: strategies["bg"]! }, {
        [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15 }
      })
      const exit =
        (yield* runWithClock(deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")).exit
      const report = reportOf(exit)
      expect(report.exitCode).toBe(1)
      expect(byName(report, "bg").outcome).toBe("rolled-back")
      expect((yield* w.sim.service("prod-a", "bg", "us-east-1"))?.taskDefinition).toBe(w.revisions["bg"])
    }))

  it.effect("gehen rollback returns each service to the revision it ran before the deploy, whatever the list's order", () =>
    Effect.gen(function*() {
      const w = yield* fleet(seed, { bg: strategies["bg"]!, roll: { strategy: "ROLLING" } })
      // A revision that never ran sits between the one that runs and the one the deploy registers.
      for (const name of ["bg", "roll"]) yield* w.sim.seedTaskDefinition("us-east-1", appDef(name, "neverran"))
      expect(
        reportOf(
          (yield* runWithClock(deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")).exit
        ).exitCode
      )
        .toBe(0)
      const back = reportOf((yield* runWithClock(revert(w.config, {}).pipe(Effect.provide(w.layer)), "5 seconds")).exit)
      expect(back.exitCode).toBe(0)
      for (const name of ["bg", "roll"]) {
        expect((yield* w.sim.service("prod-a", name, "us-east-1"))?.taskDefinition, name).toBe(w.revisions[name])
      }
    }))

  it.effect("an update that landed and was throttled on the SDK's retry is restored when the run fails", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15 } }, { seed })
      const layer = Layer.merge(
        Simulator.layer(w.sim, { region: "us-east-1", sdkMaxAttempts: 3 }),
        Progress.collect(w.events)
      )
      yield* w.sim.failNext({ operation: "UpdateService", service: "worker", landed: true })
      yield* w.sim.failNext({
        operation: "UpdateService",
        service: "worker",
        times: 2,
        code: "ThrottlingException",
        message: "Rate exceeded"
      })
      const report = reportOf(
        (yield* runWithClock(deploy(configFor(w.clusterB), { gitsha: SHA }).pipe(Effect.provide(layer)), "5 seconds"))
          .exit
      )
      expect((yield* w.sim.service(w.clusterB, "worker", "us-west-2"))?.taskDefinition).toBe(w.worker)
      expect(byName(report, "worker").outcome).toBe("rolled-back")
      expect(report.exitCode).toBe(1)
    }))

  it.effect("a restore whose answer never comes: rollback-failed with its manual command, within the restore patience", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15 } }, { seed })
      const config = configFor(w.clusterB, {
        services: [svc("worker", w.clusterB, { containers: ["worker"] })],
        scheduledTasks: []
      })
      const fiber = yield* Effect.fork(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      let steps = 0
      while ((yield* w.sim.calls("UpdateService")).length < 1 && steps++ < 100) yield* TestClock.adjust("1 second")
      yield* w.sim.failNext({ operation: "UpdateService", service: "worker", answerAfterSeconds: 86_400, times: 1000 })
      while ((yield* w.sim.calls("UpdateService")).length < 2 && steps++ < 2000) yield* TestClock.adjust("5 seconds")
      const sentAt = (yield* w.sim.calls("UpdateService"))[1]!.at
      let done = Option.none<Exit.Exit<RunReport, unknown>>()
      for (let i = 0; i < 1000 && Option.isNone(done); i++) {
        yield* TestClock.adjust("5 seconds")
        done = yield* Fiber.poll(fiber)
      }
      expect(Option.isSome(done)).toBe(true)
      // The patience (2 minutes) and one attempt's deadline past it at most.
      expect((yield* TestClock.currentTimeMillis) - sentAt).toBeLessThanOrEqual(Duration.toMillis("3 minutes"))
      const worker = byName(reportOf(Option.getOrThrow(done)), "worker")
      expect(worker.outcome).toBe("rollback-failed")
      expect(worker.manualCommand).toMatch(/^aws ecs update-service --region us-west-2 .*--force-new-deployment$/)
    }))
})

describe("the contract's cases", () => {
  it.effect("a service deployment never identified (its list never answers): judged by DescribeServices alone, and the report says so", () =>
    Effect.gen(function*() {
      const w = yield* fleet(1, { bg: strategies["bg"]! })
      yield* w.sim.failNext({ operation: "ListServiceDeployments", times: 10_000 })
      const run = deploy(w.config, { gitsha: SHA }).pipe(answersNamingNone, Effect.provide(w.layer))
      const report = reportOf((yield* runWithClock(run, "5 seconds")).exit)
      expect(report.exitCode).toBe(0)
      const bg = byName(report, "bg")
      expect(bg.judgedBy).toBe("describe-services")
      expect(bg.serviceDeployment).toBeUndefined()
      expect((yield* w.sim.calls("ListServiceDeployments")).length).toBeGreaterThan(0)
    }))

  it.effect("the plan cannot hang on a silent connection: a DescribeServices never answered fails it at the request deadline", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* w.sim.failNext({ operation: "DescribeServices", answerAfterSeconds: 86_400, times: 100 })
      const { elapsed, exit } = yield* runWithClock(
        deploy(configFor(w.clusterB), { gitsha: SHA }).pipe(Effect.provide(w.layer)),
        "5 seconds"
      )
      expect(Duration.toSeconds(elapsed)).toBeLessThan(60)
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject(
        Option.some({
          _tag: "PlanError",
          problems: expect.arrayContaining([
            expect.objectContaining({ problem: expect.stringMatching(/TimeoutError/) })
          ])
        })
      )
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("the service's breaker threshold is the bar: a crash loop ECS tolerates up to 6 failed tasks is not failed by gehen at 3", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "crash-loop", startAfter: 5, crashAfter: 10 } })
      const app = yield* w.sim.seedTaskDefinition("us-east-1", appDef("app", OLD))
      yield* w.sim.addService({
        cluster: "prod-a",
        name: "app",
        taskDefinition: app,
        region: "us-east-1",
        desiredCount: 2,
        circuitBreaker: { enable: true, rollback: true, threshold: { type: "COUNT", value: 6 } }
      })
      const config = configFor(w.clusterB, {
        services: [svc("app", "prod-a")],
        scheduledTasks: [],
        checkIntervalSeconds: 5
      })
      const report = reportOf(
        (yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")).exit
      )
      expect(report.exitCode).toBe(1)
      // ECS's breaker ended it (rolloutState FAILED), not gehen's own bar of 3.
      expect(byName(report, "app").error).toMatch(/failed: ECS deployment circuit breaker/)
      expect(w.events.some((e) => e.phase === "drain" && /, [45] failed/.test(e.message))).toBe(true)
    }))

  it.effect("the same rule by name and by ARN stops the plan, with no mutating call", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB, {
        scheduledTasks: [
          { key: "nightly", rule: "nightly" },
          { key: `arn:aws:events:us-east-1:${ACCOUNT}:rule/nightly`, rule: "nightly", region: "us-east-1" }
        ]
      })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject(
        Option.some({
          _tag: "PlanError",
          problems: [{ problem: expect.stringMatching(/names the same target as scheduled task nightly/) }]
        })
      )
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("a signal during the rollback's confirmation ends its failure watch: nothing is journalled for the restores after it", () =>
    Effect.gen(function*() {
      // The new version fails; the old one fails to come back too, so a watch left running would report it.
      const w = yield* makeWorld((ctx) =>
        ctx.imageTags.includes(SHA)
          ? { kind: "unhealthy", startAfter: 5, healthyAfter: 15 }
          : { kind: "unhealthy", startAfter: 20, healthyAfter: 60 }
      )
      const config = configFor(w.clusterB, {
        services: [svc("worker", w.clusterB, { containers: ["worker"] })],
        scheduledTasks: []
      })
      const signalledAt: Array<number> = []
      // The report takes a while to write (a slow pipe): the run is still alive after the signal.
      const slowReport = () => Effect.zipRight(Effect.sync(() => void 0), Effect.sleep("2 minutes"))
      const fiber = yield* Effect.fork(
        deploy(config, { gitsha: SHA, onInterruptedReport: slowReport }).pipe(Effect.provide(w.layer))
      )
      let steps = 0
      while (!w.events.some((e) => e.phase === "rollback" && e.status === "succeeded") && steps++ < 500) {
        yield* TestClock.adjust("5 seconds")
      }
      yield* TestClock.adjust("5 seconds")
      signalledAt.push(yield* TestClock.currentTimeMillis)
      yield* Fiber.interrupt(fiber).pipe(Effect.fork)
      for (let i = 0; i < 60; i++) yield* TestClock.adjust("5 seconds")
      const late = w.events.filter((e) => e.at > signalledAt[0]! && e.phase === "rollback-drain")
      expect(late).toEqual([])
    }))

  it.effect("ECS's own rollback fails (ROLLBACK_FAILED): gehen puts the service back itself with UpdateService, and confirms it", () =>
    Effect.gen(function*() {
      const w = yield* fleet(1, { bg: strategies["bg"]! }, {
        [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15, rollbackFails: true }
      })
      const report = reportOf(
        (yield* runWithClock(deploy(w.config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")).exit
      )
      const bg = byName(report, "bg")
      expect(bg.serviceDeployment?.status).not.toBe("SUCCESSFUL")
      expect(bg.restoredBy).toBe("update-service")
      expect(bg.outcome).toBe("rolled-back")
      expect(report.exitCode).toBe(1)
      expect((yield* w.sim.calls("UpdateService")).map((c) => c.params["taskDefinition"])).toEqual([
        expect.stringMatching(/bg:2$/),
        w.revisions["bg"]
      ])
      expect((yield* w.sim.service("prod-a", "bg", "us-east-1"))?.taskDefinition).toBe(w.revisions["bg"])
    }))

  it.effect("redeploy forces a new deployment even when the images carry the sha already, and follows it by its id", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const config = configFor(w.clusterB, { updateStrategy: "redeploy", scheduledTasks: [] })
      const report = reportOf(
        (yield* runWithClock(deploy(config, { gitsha: OLD }).pipe(Effect.provide(w.layer)), "5 seconds")).exit
      )
      expect(report.exitCode).toBe(0)
      expect(report.services.map((s) => s.outcome)).toEqual(["deployed", "deployed"])
      const updates = yield* w.sim.calls("UpdateService")
      expect(updates.map((c) => [c.params["service"], c.params["forceNewDeployment"]])).toEqual([["api", true], [
        "worker",
        true
      ]])
      expect(yield* w.sim.calls("RegisterTaskDefinition")).toEqual([])
    }))
})
