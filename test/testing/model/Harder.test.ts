/**
 * The simulator is as hard on the deploy tool as AWS: lagging DescribeServices, the Server
 * header read like production, crash loops with and without the circuit breaker, deployment
 * controllers, calls that land but answer late or with an error, per-service behaviours.
 * Layer face, driven by TestClock.
 */
import type { RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { servesVersion } from "../../../src/domain/ServedVersion.js"
import { Ecs } from "../../../src/ports/Ecs.js"
import { ScheduledTasks } from "../../../src/ports/ScheduledTasks.js"
import { VersionProbe } from "../../../src/ports/VersionProbe.js"
import {
  type AddServiceSpec,
  type BehaviourContext,
  byImageTag,
  byService,
  choiceFromSpec,
  circuitBreakerThreshold,
  pickerOf,
  Simulator,
  type SimulatorApi,
  type SimulatorOptions
} from "../../../src/testing/index.js"

const ACCOUNT = "123456789012"
const tdArn = (family: string, revision: number) =>
  `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${family}:${revision}`

const def = (family: string, tag: string): RegisterTaskDefinitionCommandInput => ({
  family,
  containerDefinitions: [
    { name: family, image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${family}:${tag}`, essential: true },
    { name: "sidecar", image: "datadog/agent:7", essential: false }
  ]
})

type Ports = Ecs | ScheduledTasks | VersionProbe | Simulator

/** Service `web` (main, us-east-1, 2 tasks, tag v1; spec overrides) with the simulator's layer provided. */
const withWeb = <A, E>(
  body: (sim: SimulatorApi) => Effect.Effect<A, E, Ports>,
  options: SimulatorOptions = {},
  spec: Partial<AddServiceSpec> = {}
) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.make(options)
    yield* sim.seedTaskDefinition("us-east-1", def("web", "v1"))
    yield* sim.addService({ cluster: "main", name: "web", taskDefinition: "web:1", desiredCount: 2, ...spec })
    return yield* body(sim).pipe(Effect.provide(Simulator.layer(sim)))
  })

const web = { region: "us-east-1", cluster: "main", service: "web" } as const

const register = (family: string, tag: string) =>
  Effect.flatMap(Ecs, (ecs) => ecs.registerTaskDefinition("us-east-1", def(family, tag)))

const stateOf = (service: string) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const [found] = yield* ecs.describeServices({ region: "us-east-1", cluster: "main" }, [service])
    if (found?._tag !== "Found") throw new Error(`${service} missing`)
    return found.state
  })

const webState = stateOf("web")

const rollout = (
  s: { readonly deployments: ReadonlyArray<{ readonly status: string; readonly rolloutState?: string | undefined }> }
) => s.deployments.map((d) => [d.status, d.rolloutState])

describe("DescribeServices lags behind UpdateService", () => {
  it.effect("answers the pre-update view for the lag (counts live); the UpdateService answer and inspection are current", () =>
    withWeb(
      (sim) =>
        Effect.gen(function*() {
          const before = yield* webState
          const oldId = before.deployments[0]?.id
          yield* TestClock.adjust("1 second")
          const v2 = yield* register("web", "v2")
          const started = yield* (yield* Ecs).updateService(web, v2)
          // The UpdateService answer names the new PRIMARY deployment, with its creation time.
          expect(started.createdAt).toBe(1000)
          const current = yield* sim.service("main", "web")
          expect(current?.taskDefinition).toBe(v2)
          expect(current?.deployments?.[0]).toMatchObject({ id: started.id, status: "PRIMARY", taskDefinition: v2 })

          let s = yield* webState
          expect(s.taskDefinition).toBe(tdArn("web", 1))
          expect(s.deployments.map((d) => d.id)).toEqual([oldId])
          expect(rollout(s)).toEqual([["PRIMARY", "COMPLETED"]])

          yield* TestClock.adjust("10 seconds") // t = 11 s: the new tasks run
          s = yield* webState
          expect(s.deployments.map((d) => d.id)).toEqual([oldId])
          expect(s.deployments[0]?.runningCount).toBe(2)
          expect(s.runningCount).toBe(4) // live, the new deployment's tasks included
          expect(s.taskDefinition).toBe(tdArn("web", 1))

          yield* TestClock.adjust("9 seconds") // t = 20 s: 19 s after the update
          expect((yield* webState).taskDefinition).toBe(tdArn("web", 1))
          yield* TestClock.adjust("1 second") // t = 21 s: the lag is over
          s = yield* webState
          expect(s.taskDefinition).toBe(v2)
          expect(s.deployments[0]).toMatchObject({ id: started.id, status: "PRIMARY" })
        }),
      { describeLagSeconds: 20 }
    ))

  it.effect("per service, set before or after seeding; a second update within the window keeps the oldest view", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make()
      yield* sim.setDescribeLag(5, { cluster: "main", service: "api" })
      yield* sim.seedTaskDefinition("us-east-1", def("web", "v1"))
      yield* sim.seedTaskDefinition("us-east-1", def("api", "v1"))
      yield* sim.addService({ cluster: "main", name: "web", taskDefinition: "web:1" })
      yield* sim.addService({ cluster: "main", name: "api", taskDefinition: "api:1" })
      yield* Effect.gen(function*() {
        const ecs = yield* Ecs
        yield* ecs.updateService(web, yield* register("web", "v2"))
        yield* ecs.updateService({ ...web, service: "api" }, yield* register("api", "v2"))
        expect((yield* stateOf("web")).taskDefinition).toBe(tdArn("web", 2)) // no lag
        expect((yield* stateOf("api")).taskDefinition).toBe(tdArn("api", 1))
        yield* TestClock.adjust("3 seconds")
        yield* ecs.updateService({ ...web, service: "api" }, yield* register("api", "v3"))
        yield* TestClock.adjust("4 seconds") // 7 s after the first update, 4 s after the second
        expect((yield* stateOf("api")).taskDefinition).toBe(tdArn("api", 1))
        yield* TestClock.adjust("1 second")
        const s = yield* stateOf("api")
        expect(s.taskDefinition).toBe(tdArn("api", 3))
        expect(s.deployments.map((d) => d.taskDefinition)).toEqual([tdArn("api", 3), tdArn("api", 2), tdArn("api", 1)])
        yield* sim.setDescribeLag(0, { cluster: "main", service: "api" })
        yield* ecs.updateService({ ...web, service: "api" }, tdArn("api", 1))
        expect((yield* stateOf("api")).taskDefinition).toBe(tdArn("api", 1))
      }).pipe(Effect.provide(Simulator.layer(sim)))
    }))
})

describe("the layer's VersionProbe reads the Server header like the live probe", () => {
  it.effect("a tag with dashes is cut at its last dash, as versionOfServer does in production", () =>
    withWeb(() =>
      Effect.gen(function*() {
        const probe = yield* VersionProbe
        const url = "http://web.internal/version/main/web"
        expect(yield* probe.probe(url)).toEqual({ _tag: "Served", version: "v1", server: "web-v1" })
        yield* (yield* Ecs).updateService(web, yield* register("web", "release-2024-01-01"))
        yield* TestClock.adjust("30 seconds")
        const served = yield* probe.probe(url)
        expect(served).toEqual({ _tag: "Served", version: "01", server: "web-release-2024-01-01" })
        // What the deploy tool matches a wanted tag with still recognises it.
        expect(served._tag === "Served" && servesVersion(served.server, "release-2024-01-01")).toBe(true)
      })
    ))
})

describe("crash loops", () => {
  const crashing = { behaviour: byImageTag({ boom: "crash-loop" }) }

  it.effect("without a circuit breaker: tasks run, exit, are replaced for ever; failedTasks rises; IN_PROGRESS", () =>
    withWeb(
      (sim) =>
        Effect.gen(function*() {
          const boom = yield* register("web", "boom")
          yield* (yield* Ecs).updateService(web, boom)
          yield* TestClock.adjust("7 seconds")
          const running = (yield* sim.tasks("main", "web")).filter((t) => t.taskDefinitionArn === boom)
          expect(running.map((t) => t.lastStatus)).toEqual(["RUNNING", "RUNNING"])
          yield* TestClock.adjust("3 seconds") // t = 10 s: the essential containers exit
          let s = yield* webState
          expect(s.deployments[0]).toMatchObject({ failedTasks: 2, rolloutState: "IN_PROGRESS", pendingCount: 2 })
          yield* TestClock.adjust("10 seconds")
          expect((yield* webState).deployments[0]?.failedTasks).toBe(4)
          yield* TestClock.adjust("10 minutes")
          s = yield* webState
          expect(s.deployments[0]).toMatchObject({ status: "PRIMARY", rolloutState: "IN_PROGRESS", failedTasks: 124 })
          expect(s.deployments[1]).toMatchObject({ status: "ACTIVE", runningCount: 2 })
          expect(yield* sim.servedVersion("main", "web")).toBe("v1")

          const ecs = yield* Ecs
          const stopped = yield* ecs.describeTasks(web, yield* ecs.listTasks(web, "STOPPED"))
          expect(stopped.length).toBeGreaterThan(100)
          expect(new Set(stopped.map((t) => t.stoppedReason))).toEqual(new Set(["Essential container in task exited"]))
          const raw = (yield* sim.tasks("main", "web")).find((t) => t.lastStatus === "STOPPED")
          expect(raw).toMatchObject({ stopCode: "EssentialContainerExited", desiredStatus: "STOPPED" })
          expect(raw?.containers?.map((c) => c.exitCode)).toEqual([1, 143])
        }),
      crashing,
      { circuitBreaker: false }
    ))

  it.effect("with the circuit breaker: FAILED at ECS's threshold, then ECS rolls back to the previous task definition", () =>
    withWeb(
      (sim) =>
        Effect.gen(function*() {
          const boom = yield* register("web", "boom")
          yield* (yield* Ecs).updateService(web, boom)
          yield* TestClock.adjust("10 seconds")
          expect(rollout(yield* webState)).toEqual([["PRIMARY", "IN_PROGRESS"], ["ACTIVE", "COMPLETED"]])
          yield* TestClock.adjust("10 seconds") // the third failure (threshold 3 for 2 tasks)
          const s = yield* webState
          expect(rollout(s)).toEqual([["PRIMARY", "IN_PROGRESS"], ["ACTIVE", "FAILED"], ["ACTIVE", "COMPLETED"]])
          expect(s.deployments[1]).toMatchObject({
            taskDefinition: boom,
            rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
            desiredCount: 0,
            runningCount: 0
          })
          expect(s.deployments[1]?.failedTasks).toBeGreaterThanOrEqual(3)
          expect(s.deployments[0]?.taskDefinition).toBe(tdArn("web", 1))
          expect(s.taskDefinition).toBe(tdArn("web", 1))
          yield* TestClock.adjust("30 seconds")
          const after = yield* webState
          expect(rollout(after)).toEqual([["PRIMARY", "COMPLETED"]])
          expect(after.deployments[0]?.taskDefinition).toBe(tdArn("web", 1))
          expect(yield* sim.servedVersion("main", "web")).toBe("v1")
        }),
      crashing
    ))

  it.effect("with the circuit breaker but no rollback: FAILED and left so, the old tasks still serving", () =>
    withWeb(
      (sim) =>
        Effect.gen(function*() {
          yield* (yield* Ecs).updateService(web, yield* register("web", "boom"))
          // 7 tasks: threshold 4, passed by the first wave of crashes at 10 s.
          yield* TestClock.adjust("9 seconds")
          expect(rollout(yield* webState)).toEqual([["PRIMARY", "IN_PROGRESS"], ["ACTIVE", "COMPLETED"]])
          yield* TestClock.adjust("1 second")
          expect(rollout(yield* webState)).toEqual([["PRIMARY", "FAILED"], ["ACTIVE", "COMPLETED"]])
          yield* TestClock.adjust("1 minute")
          const s = yield* webState
          expect(rollout(s)).toEqual([["PRIMARY", "FAILED"], ["ACTIVE", "COMPLETED"]])
          expect(s.deployments[0]).toMatchObject({ failedTasks: 7, desiredCount: 0, runningCount: 0, pendingCount: 0 })
          expect(s.deployments[1]?.runningCount).toBe(7)
          expect(yield* sim.servedVersion("main", "web")).toBe("v1")
          expect((yield* sim.service("main", "web"))?.deploymentConfiguration?.deploymentCircuitBreaker).toEqual({
            enable: true,
            rollback: false
          })
        }),
      crashing,
      { circuitBreaker: { rollback: false }, desiredCount: 7 }
    ))

  it("the threshold is half the desired count, at least 3 and at most 200", () => {
    expect([0, 1, 2, 6, 7, 10, 399, 400, 1000].map((n) => circuitBreakerThreshold(n))).toEqual([
      3,
      3,
      3,
      3,
      4,
      5,
      200,
      200,
      200
    ])
  })

  it.each(
    [
      [{ type: "COUNT", value: 10 }, 2, 10],
      [{ type: "COUNT", value: 1 }, 50, 1],
      [{ type: "BOUNDED_PERCENT", value: 20 }, 5, 3],
      [{ type: "BOUNDED_PERCENT", value: 20 }, 2000, 200],
      [{ type: "UNBOUNDED_PERCENT", value: 20 }, 2000, 400],
      [{ type: "UNBOUNDED_PERCENT", value: 50 }, 2, 1]
    ] as const
  )("a configured threshold %o at %i desired: %i", (threshold, desired, want) => {
    expect(circuitBreakerThreshold(desired, threshold)).toBe(want)
  })

  it.effect("the older behaviours keep working, circuit-breaker among them", () =>
    withWeb(
      () =>
        Effect.gen(function*() {
          yield* (yield* Ecs).updateService(web, yield* register("web", "cb"))
          yield* TestClock.adjust("60 seconds")
          expect(rollout(yield* webState)).toEqual([["PRIMARY", "IN_PROGRESS"], ["ACTIVE", "FAILED"], [
            "ACTIVE",
            "COMPLETED"
          ]])
        }),
      { behaviour: byImageTag({ cb: "circuit-breaker" }) }
    ))
})

describe("deployment controllers", () => {
  it.effect("CODE_DEPLOY and EXTERNAL services refuse UpdateService with a task definition, in AWS's words", () =>
    withWeb((sim) =>
      Effect.gen(function*() {
        yield* sim.seedTaskDefinition("us-east-1", def("bg", "v1"))
        yield* sim.addService({
          cluster: "main",
          name: "bg",
          taskDefinition: "bg:1",
          deploymentController: "CODE_DEPLOY"
        })
        yield* sim.addService({
          cluster: "main",
          name: "ext",
          taskDefinition: "bg:1",
          deploymentController: "EXTERNAL"
        })
        const ecs = yield* Ecs
        expect((yield* stateOf("web")).deploymentController).toBe("ECS")
        const bg = yield* stateOf("bg")
        expect(bg.deploymentController).toBe("CODE_DEPLOY")
        expect(bg.deployments[0]?.rolloutState).toBeUndefined()
        expect((yield* stateOf("ext")).deploymentController).toBe("EXTERNAL")

        const bg2 = yield* register("bg", "v2")
        const refused = yield* Effect.either(ecs.updateService({ ...web, service: "bg" }, bg2))
        expect(Either.isLeft(refused) && refused.left).toMatchObject({
          code: "InvalidParameterException",
          detail:
            "Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment."
        })
        const ext = yield* Effect.either(ecs.updateService({ ...web, service: "ext" }, bg2))
        expect(Either.isLeft(ext) && ext.left.detail).toMatch(
          /^Unable to update task definition on services with a EXTERNAL deployment controller\./
        )
        expect((yield* sim.service("main", "bg"))?.taskDefinition).toBe(tdArn("bg", 1))
        expect((yield* sim.calls("UpdateService")).map((c) => c.error)).toEqual([
          "InvalidParameterException",
          "InvalidParameterException"
        ])
        // The count alone may change.
        const scaled = sim.model.updateService("us-east-1", { cluster: "main", service: "bg", desiredCount: 3 }, 0)
        expect(scaled.service?.deployments).toHaveLength(1)
        expect(scaled.service?.desiredCount).toBe(3)
      })
    ))
})

describe("calls that land but answer late or with an error", () => {
  it.effect("a late answer: the call is applied at once and answered when the clock has moved on", () =>
    withWeb((sim) =>
      Effect.gen(function*() {
        const v2 = yield* register("web", "v2")
        yield* sim.failNext({ operation: "UpdateService", service: "web", answerAfterSeconds: 15 })
        const fiber = yield* Effect.fork((yield* Ecs).updateService(web, v2))
        yield* TestClock.adjust("1 second")
        expect((yield* sim.service("main", "web"))?.taskDefinition).toBe(v2)
        expect(yield* sim.calls("UpdateService")).toMatchObject([{ at: 0, answeredAfterMs: 15_000 }])
        yield* TestClock.adjust("13 seconds")
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        yield* TestClock.adjust("1 second")
        const started = yield* Fiber.join(fiber)
        expect(started.createdAt).toBe(0)
        // By now the rollout it started has completed.
        yield* TestClock.adjust("30 seconds")
        expect((yield* sim.service("main", "web"))?.deployments).toMatchObject([{
          id: started.id,
          rolloutState: "COMPLETED"
        }])
        // Only the next matching call was late.
        yield* (yield* Ecs).updateService(web, v2)
      })
    ))

  it.effect("an answer later than the request deadline: the attempt fails with TimeoutError (no status), the call applied", () =>
    withWeb((sim) =>
      Effect.gen(function*() {
        const v2 = yield* register("web", "v2")
        yield* sim.failNext({ operation: "UpdateService", service: "web", answerAfterSeconds: 3600 })
        const fiber = yield* Effect.fork(Effect.either((yield* Ecs).updateService(web, v2)))
        yield* TestClock.adjust("19 seconds")
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        yield* TestClock.adjust("1 second")
        const answer = yield* Fiber.join(fiber)
        expect(Either.isLeft(answer) && answer.left).toMatchObject({
          code: "TimeoutError",
          httpStatus: undefined,
          attempts: 1,
          reason: "no-answer"
        })
        expect((yield* sim.service("main", "web"))?.taskDefinition).toBe(v2)
      })
    ))

  it.effect("interrupted while waiting for the answer, the call stays applied", () =>
    withWeb((sim) =>
      Effect.gen(function*() {
        const v2 = yield* register("web", "v2")
        yield* sim.failNext({ operation: "UpdateService", answerAfterSeconds: 60 })
        const fiber = yield* Effect.fork((yield* Ecs).updateService(web, v2))
        yield* TestClock.adjust("10 seconds")
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        yield* TestClock.adjust("30 seconds")
        const s = yield* webState
        expect(s.taskDefinition).toBe(v2)
        expect(rollout(s)).toEqual([["PRIMARY", "COMPLETED"]])
        expect((yield* sim.mutatingCalls()).map((c) => c.operation)).toEqual([
          "RegisterTaskDefinition",
          "UpdateService"
        ])
      })
    ))

  it.effect("landed then failed: applied, answered 5xx, recorded; a retrying client applies it again", () =>
    withWeb((sim) =>
      Effect.gen(function*() {
        const v2 = yield* register("web", "v2")
        yield* sim.failNext({ operation: "UpdateService", service: "web", landed: true })
        const failed = yield* Effect.either((yield* Ecs).updateService(web, v2))
        expect(Either.isLeft(failed) && failed.left).toMatchObject({ _tag: "AwsCallError", code: "InternalFailure" })
        expect((yield* sim.service("main", "web"))?.deployments?.map((d) => d.taskDefinition)).toEqual([
          v2,
          tdArn("web", 1)
        ])
        expect(yield* sim.calls("UpdateService")).toMatchObject([{ error: "InternalFailure", landed: true }])

        // Like an SDK retrying a 5xx: the retry lands a second deployment.
        yield* sim.failNext({ operation: "UpdateService", service: "web", landed: true, code: "ServiceUnavailable" })
        const retrying = yield* Effect.provide(Ecs, Simulator.layer(sim, { sdkMaxAttempts: 2 }))
        yield* retrying.updateService(web, v2)
        expect((yield* sim.service("main", "web"))?.deployments).toHaveLength(4)
        expect((yield* sim.calls("UpdateService")).map((c) => [c.error, c.landed])).toEqual([
          ["InternalFailure", true],
          ["ServiceUnavailable", true],
          [undefined, undefined]
        ])
      })
    ))

  it.effect("late and failed together: applied, then after the delay an error", () =>
    withWeb((sim) =>
      Effect.gen(function*() {
        const v2 = yield* register("web", "v2")
        yield* sim.failNext({
          operation: "UpdateService",
          landed: true,
          answerAfterSeconds: 5,
          code: "ServiceUnavailable"
        })
        const fiber = yield* Effect.fork(Effect.either((yield* Ecs).updateService(web, v2)))
        yield* TestClock.adjust("4 seconds")
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        expect((yield* sim.service("main", "web"))?.taskDefinition).toBe(v2)
        yield* TestClock.adjust("1 second")
        const answer = yield* Fiber.join(fiber)
        expect(Either.isLeft(answer) && answer.left.code).toBe("ServiceUnavailable")
      })
    ))
})

describe("per-service behaviour pickers", () => {
  const ctx = (cluster: string, service: string, tag: string, rollback = false): BehaviourContext => ({
    region: "us-east-1",
    cluster,
    service,
    taskDefinitionArn: tdArn(service, 1),
    imageTags: [tag],
    rollback
  })

  it("byService: cluster/service before service before fallback; entries may be pickers", () => {
    const pick = byService({ "blue/api": "stuck", api: byImageTag({ B: "unhealthy", A: "unhealthy" }) }, "never-drain")
    expect(pick(ctx("blue", "api", "B"))).toBe("stuck")
    expect(pick(ctx("main", "api", "B"))).toBe("unhealthy")
    expect(pick(ctx("main", "api", "A"))).toBe("unhealthy")
    expect(pick(ctx("main", "api", "C"))).toBe("healthy")
    expect(pick(ctx("main", "web", "B"))).toBe("never-drain")
    expect(pick(ctx("main", "toString", "B"))).toBe("never-drain")
  })

  it.effect("api: the new tag and the rollback's tag both unhealthy; web: healthy", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({
        behaviour: byService({ api: byImageTag({ B: "unhealthy", A: "unhealthy" }) }, "healthy")
      })
      yield* sim.seedTaskDefinition("us-east-1", def("web", "A"))
      yield* sim.seedTaskDefinition("us-east-1", def("api", "A"))
      yield* sim.addService({ cluster: "main", name: "web", taskDefinition: "web:1" })
      yield* sim.addService({ cluster: "main", name: "api", taskDefinition: "api:1" })
      yield* Effect.gen(function*() {
        const ecs = yield* Ecs
        const api = { ...web, service: "api" }
        yield* ecs.updateService(web, yield* register("web", "B"))
        yield* ecs.updateService(api, yield* register("api", "B"))
        yield* TestClock.adjust("30 seconds")
        expect(rollout(yield* stateOf("web"))).toEqual([["PRIMARY", "COMPLETED"]])
        expect(yield* sim.servedVersion("main", "web")).toBe("B")
        const a = yield* stateOf("api")
        expect(rollout(a)).toEqual([["PRIMARY", "IN_PROGRESS"], ["ACTIVE", "COMPLETED"]])
        expect(a.deployments[0]?.failedTasks).toBeGreaterThan(0)
        // The deploy tool's rollback to A: unhealthy too.
        yield* ecs.updateService(api, tdArn("api", 1))
        yield* TestClock.adjust("20 seconds")
        let back = yield* stateOf("api")
        expect(back.deployments[0]).toMatchObject({ taskDefinition: tdArn("api", 1), rolloutState: "IN_PROGRESS" })
        const tasks = yield* ecs.describeTasks(api, yield* ecs.listTasks(api))
        expect(tasks.filter((t) => t.startedBy === back.deployments[0]?.id).map((t) => t.healthStatus)).toEqual([
          "UNHEALTHY",
          "UNHEALTHY"
        ])
        yield* TestClock.adjust("10 seconds")
        back = yield* stateOf("api")
        expect(back.deployments[0]).toMatchObject({
          taskDefinition: tdArn("api", 1),
          rolloutState: "IN_PROGRESS",
          failedTasks: 2
        })
        expect(yield* sim.servedVersion("main", "api")).toBe("A") // the seeded tasks, still running
      }).pipe(Effect.provide(Simulator.layer(sim)))
    }))

  it("a picker as JSON: nested byService / byTag / behaviours, checked", () => {
    const parsed = choiceFromSpec({
      byService: { api: { byTag: { B: { kind: "crash-loop", crashAfter: 2 } }, fallback: "stuck" } }
    })
    expect(parsed._tag).toBe("Ok")
    if (parsed._tag !== "Ok") return
    const pick = pickerOf(parsed.choice)
    expect(pick(ctx("main", "api", "B"))).toEqual({ kind: "crash-loop", crashAfter: 2 })
    expect(pick(ctx("main", "api", "C"))).toBe("stuck")
    expect(pick(ctx("main", "web", "B"))).toBe("healthy")
    expect(choiceFromSpec({ byTag: { B: "explode" } })).toMatchObject({
      _tag: "Invalid",
      reason: expect.stringMatching(/^body\.B: /)
    })
    expect(choiceFromSpec({ kind: "healthy", startAfter: "soon" })._tag).toBe("Invalid")
    expect(choiceFromSpec([])._tag).toBe("Invalid")
  })
})

describe("rules on event buses", () => {
  const target = (td: string) => ({
    Id: "job",
    Arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/main`,
    EcsParameters: { TaskDefinitionArn: tdArn("job", Number(td)) }
  })

  it.effect("a rule on another bus is found only there, by EventBusName (name or ARN) or by its rule ARN", () =>
    withWeb((sim) =>
      Effect.gen(function*() {
        const arn = yield* sim.addRule({ name: "nightly", eventBusName: "jobs", target: target("1") })
        expect(arn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:rule/jobs/nightly`)
        const st = yield* ScheduledTasks
        const missing = yield* Effect.either(st.targetsOf({ region: "us-east-1", rule: "nightly" }))
        expect(Either.isLeft(missing) && missing.left).toMatchObject({
          code: "ResourceNotFoundException",
          detail: "Rule nightly does not exist on EventBus default."
        })
        expect(yield* st.targetsOf({ region: "us-east-1", rule: "nightly", eventBusName: "jobs" })).toEqual([
          target("1")
        ])
        const busArn = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/jobs`
        yield* st.putTarget({ region: "us-east-1", rule: "nightly", eventBusName: busArn }, target("2"))
        expect((yield* sim.rule("us-east-1", "nightly", "jobs"))?.targets).toEqual([target("2")])
        expect((yield* sim.rule("us-east-1", arn))?.rule).toMatchObject({
          Name: "nightly",
          EventBusName: "jobs",
          Arn: arn
        })
        expect(yield* sim.rule("us-east-1", "nightly")).toBeUndefined()
        expect((yield* sim.calls("PutTargets"))[0]?.params).toMatchObject({ Rule: "nightly", EventBusName: busArn })
      })
    ))
})
