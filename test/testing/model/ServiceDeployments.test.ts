// The simulator's service deployments: records for every strategy, traffic shifts, bake
// time, steps, PAUSE hooks, alarms, stops, and the same over the HTTP face.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import type { ServiceDeploymentState } from "../../../src/domain/DeploymentModel.js"
import { Ecs } from "../../../src/ports/Ecs.js"
import { VersionProbe } from "../../../src/ports/VersionProbe.js"
import { type DeploymentSpec, handleRequest, Simulator, type SimulatorApi } from "../../../src/testing/index.js"

const def = (tag: string) => ({ family: "web", containerDefinitions: [{ name: "web", image: `web:${tag}` }] })
const web = { region: "us-east-1", cluster: "main", service: "web" } as const

const world = (deployment: DeploymentSpec, behaviour: { readonly alarmAfter?: number } = {}) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.make({
      behaviour: () => ({ kind: "healthy", startAfter: 5, healthyAfter: 10, drainAfter: 5, ...behaviour })
    })
    const v1 = yield* sim.seedTaskDefinition("us-east-1", def("v1"))
    yield* sim.addService({ cluster: "main", name: "web", taskDefinition: v1, desiredCount: 2, deployment })
    return sim
  })

/** Registers web:v2, updates the service, and answers its service deployment (found by listing). */
const startV2 = Effect.gen(function*() {
  const ecs = yield* Ecs
  const arn = yield* ecs.registerTaskDefinition("us-east-1", def("v2"))
  const started = yield* ecs.updateService(web, arn)
  const listed = yield* ecs.listServiceDeployments(web)
  const brief = [...listed.deployments].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0]
  const [revision] = yield* ecs.describeServiceRevisions("us-east-1", [brief!.targetServiceRevisionArn!])
  expect(revision?.taskDefinition).toBe(arn)
  expect(started.serviceDeploymentArn).toBe(brief?.arn)
  return brief!.arn
})

const describe1 = (arn: string) =>
  Effect.flatMap(
    Ecs,
    (ecs) => Effect.map(ecs.describeServiceDeployments("us-east-1", [arn]), (a): ServiceDeploymentState => a[0]!)
  )

const serves = (url: string) =>
  Effect.flatMap(VersionProbe, (p) => Effect.map(p.probe(url), (r) => (r._tag === "Served" ? r.version : "none")))

const prod = "http://sim/version/main/web"
const test = "http://sim/version-test/main/web"

const run = <A, E>(sim: SimulatorApi, body: Effect.Effect<A, E, Ecs | VersionProbe>) =>
  Effect.provide(body, Simulator.layer(sim))

describe("service deployments in the simulator", () => {
  it.effect("ROLLING: a record IN_PROGRESS, then SUCCESSFUL; the service names it as current", () =>
    Effect.gen(function*() {
      const sim = yield* world({})
      yield* run(
        sim,
        Effect.gen(function*() {
          const arn = yield* startV2
          expect((yield* describe1(arn)).status).toBe("IN_PROGRESS")
          yield* TestClock.adjust("60 seconds")
          const sd = yield* describe1(arn)
          expect(sd.status).toBe("SUCCESSFUL")
          expect(sd.strategy).toBe("ROLLING")
        })
      )
    }))

  it.effect("BLUE_GREEN: test traffic first, production at once, then bake time, then SUCCESSFUL", () =>
    Effect.gen(function*() {
      const sim = yield* world({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 2 })
      yield* run(
        sim,
        Effect.gen(function*() {
          const arn = yield* startV2
          expect(yield* serves(prod)).toBe("v1")
          yield* TestClock.adjust("12 seconds")
          expect(yield* serves(test)).toBe("v2")
          yield* TestClock.adjust("5 seconds")
          const baking = yield* describe1(arn)
          expect(baking.lifecycleStage).toBe("BAKE_TIME")
          expect(yield* serves(prod)).toBe("v2")
          // The blue tasks stay up while baking.
          const svc = yield* sim.service("main", "web")
          expect(svc?.deployments).toHaveLength(2)
          yield* TestClock.adjust("2 minutes")
          yield* TestClock.adjust("10 seconds")
          expect((yield* describe1(arn)).status).toBe("SUCCESSFUL")
          expect((yield* sim.service("main", "web"))?.deployments).toHaveLength(1)
        })
      )
    }))

  it.effect("LINEAR: production traffic in steps; the url answers old or new meanwhile", () =>
    Effect.gen(function*() {
      const sim = yield* world({ strategy: "LINEAR", linear: { stepPercent: 50, stepBakeTimeInMinutes: 1 } })
      yield* run(
        sim,
        Effect.gen(function*() {
          const arn = yield* startV2
          yield* TestClock.adjust("16 seconds")
          const sd = yield* describe1(arn)
          expect(sd.lifecycleStage).toBe("PRODUCTION_TRAFFIC_SHIFT")
          expect(sd.productionTrafficWeight).toBe(50)
          const seen = new Set([yield* serves(prod), yield* serves(prod), yield* serves(prod)])
          expect(seen).toEqual(new Set(["v1", "v2"]))
          yield* TestClock.adjust("62 seconds")
          expect((yield* describe1(arn)).productionTrafficWeight).toBe(100)
        })
      )
    }))

  it.effect("a PAUSE hook waits for ContinueServiceDeployment; ROLLBACK puts traffic back on blue", () =>
    Effect.gen(function*() {
      const sim = yield* world({
        strategy: "BLUE_GREEN",
        hooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }]
      })
      yield* run(
        sim,
        Effect.gen(function*() {
          const ecs = yield* Ecs
          const arn = yield* startV2
          yield* TestClock.adjust("5 minutes")
          const paused = yield* describe1(arn)
          expect(paused.lifecycleStage).toBe("POST_TEST_TRAFFIC_SHIFT")
          expect(paused.hooks[0]?.status).toBe("AWAITING_ACTION")
          expect(yield* serves(prod)).toBe("v1")
          yield* ecs.continueServiceDeployment("us-east-1", arn, paused.hooks[0]!.hookId, "ROLLBACK")
          expect((yield* describe1(arn)).status).toBe("ROLLBACK_IN_PROGRESS")
          expect(yield* serves(prod)).toBe("v1")
          yield* TestClock.adjust("10 seconds")
          expect((yield* describe1(arn)).status).toBe("ROLLBACK_SUCCESSFUL")
          expect((yield* sim.service("main", "web"))?.taskDefinition).toMatch(/web:1$/)
        })
      )
    }))

  it.effect("an alarm during bake time rolls back; StopServiceDeployment of a finished one is refused", () =>
    Effect.gen(function*() {
      const sim = yield* world({ strategy: "CANARY", bakeTimeInMinutes: 5, alarms: { names: ["api-5xx"] } }, {
        alarmAfter: 120
      })
      yield* run(
        sim,
        Effect.gen(function*() {
          const ecs = yield* Ecs
          const arn = yield* startV2
          yield* TestClock.adjust("3 minutes")
          const sd = yield* describe1(arn)
          expect(sd.status).toBe("ROLLBACK_SUCCESSFUL")
          expect(sd.statusReason).toMatch(/api-5xx/)
          const refused = yield* Effect.flip(ecs.stopServiceDeployment("us-east-1", arn))
          expect(refused.code).toBe("ConflictException")
        })
      )
    }))

  it.effect("StopServiceDeployment during bake time: traffic back on blue at once", () =>
    Effect.gen(function*() {
      const sim = yield* world({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 10 })
      yield* run(
        sim,
        Effect.gen(function*() {
          const ecs = yield* Ecs
          const arn = yield* startV2
          yield* TestClock.adjust("1 minute")
          expect(yield* serves(prod)).toBe("v2")
          yield* ecs.stopServiceDeployment("us-east-1", arn)
          expect(yield* serves(prod)).toBe("v1")
          yield* TestClock.adjust("10 seconds")
          expect((yield* describe1(arn)).status).toBe("ROLLBACK_SUCCESSFUL")
        })
      )
    }))

  it.effect("the HTTP face speaks the four operations and serves the test listener", () =>
    Effect.gen(function*() {
      const sim = yield* world({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 1 })
      const post = (op: string, body: object) =>
        Effect.map(
          handleRequest(sim, {
            method: "POST",
            url: "/",
            headers: { "x-amz-target": `AmazonEC2ContainerServiceV20141113.${op}` }
          }, JSON.stringify(body)),
          (r) => ({ status: r.status, body: JSON.parse(r.body) as Record<string, unknown> })
        )
      const v2 = yield* sim.seedTaskDefinition("us-east-1", def("v2"))
      yield* post("UpdateService", { cluster: "main", service: "web", taskDefinition: v2 })
      const listed = yield* post("ListServiceDeployments", { cluster: "main", service: "web" })
      const briefs = listed.body["serviceDeployments"] as ReadonlyArray<
        { serviceDeploymentArn: string; status: string }
      >
      expect(briefs.map((b) => b.status)).toEqual(["IN_PROGRESS", "SUCCESSFUL"])
      const described = yield* post("DescribeServiceDeployments", {
        serviceDeploymentArns: [briefs[0]!.serviceDeploymentArn]
      })
      expect(described.status).toBe(200)
      yield* TestClock.adjust("15 seconds")
      const testListener = yield* handleRequest(sim, { method: "GET", url: "/version-test/main/web", headers: {} }, "")
      expect(testListener.headers["server"]).toBe("web-v2")
      const stopped = yield* post("StopServiceDeployment", {
        serviceDeploymentArn: briefs[0]!.serviceDeploymentArn,
        stopType: "ROLLBACK"
      })
      expect(stopped.status).toBe(200)
      const again = yield* post("ContinueServiceDeployment", {
        serviceDeploymentArn: briefs[0]!.serviceDeploymentArn,
        hookId: "x"
      })
      expect(again.status).toBe(400)
    }))
})
