import type { RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs"
import type { Target } from "@aws-sdk/client-eventbridge"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as TestClock from "effect/TestClock"
import { Ecs } from "../../../src/ports/Ecs.js"
import { DefaultRegion } from "../../../src/ports/Region.js"
import { ScheduledTasks } from "../../../src/ports/ScheduledTasks.js"
import { VersionProbe } from "../../../src/ports/VersionProbe.js"
import {
  type BehaviourPicker,
  byImageTag,
  imageTag,
  Simulator,
  type SimulatorApi,
  type SimulatorOptions
} from "../../../src/testing/index.js"

const webDef = (tag: string): RegisterTaskDefinitionCommandInput => ({
  family: "web",
  containerDefinitions: [
    { name: "web", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/web:${tag}`, essential: true },
    { name: "sidecar", image: "datadog/agent:7" }
  ],
  cpu: "256",
  memory: "512"
})

const jobTarget: Target = {
  Id: "job",
  Arn: "arn:aws:ecs:us-east-1:123456789012:cluster/main",
  RoleArn: "arn:aws:iam::123456789012:role/events",
  EcsParameters: {
    TaskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/job:1",
    TaskCount: 1,
    LaunchType: "FARGATE",
    NetworkConfiguration: { awsvpcConfiguration: { Subnets: ["subnet-1"], AssignPublicIp: "DISABLED" } }
  },
  Input: "{\"containerOverrides\":[]}"
}

/** web (main, us-east-1) and api (eu, eu-west-1) on tag v1, plus a rule; the layer provided. */
const withWorld = <A, E>(
  body: (sim: SimulatorApi) => Effect.Effect<A, E, Ecs | ScheduledTasks | DefaultRegion | VersionProbe | Simulator>,
  options: SimulatorOptions & { readonly behaviour?: BehaviourPicker } = {}
) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.make(options)
    const web1 = yield* sim.seedTaskDefinition("us-east-1", webDef("v1"), [{ key: "team", value: "a" }])
    yield* sim.seedTaskDefinition("eu-west-1", {
      family: "api",
      containerDefinitions: [{ name: "api", image: "api:v1" }]
    })
    yield* sim.addService({ cluster: "main", name: "web", taskDefinition: web1, desiredCount: 2 })
    yield* sim.addService({ cluster: "eu", region: "eu-west-1", name: "api", taskDefinition: "api", desiredCount: 1 })
    yield* sim.addRule({ name: "nightly", target: jobTarget })
    return yield* body(sim).pipe(Effect.provide(Simulator.layer(sim)))
  })

const web = { region: "us-east-1", cluster: "main", service: "web" } as const

/** Registers web:<tag> and deploys it through the Ecs port. */
const deploy = (tag: string) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const arn = yield* ecs.registerTaskDefinition("us-east-1", webDef(tag))
    yield* ecs.updateService(web, arn)
    return arn
  })

const webState = Effect.gen(function*() {
  const ecs = yield* Ecs
  const [found] = yield* ecs.describeServices(web, ["web"])
  if (found?._tag !== "Found") throw new Error("web missing")
  return found.state
})

describe("simulator model and layers", () => {
  it("imageTag", () => {
    expect(imageTag("a/b:c")).toBe("c")
    expect(imageTag("host:5000/b")).toBe("latest")
    expect(imageTag("b@sha256:abc")).toBe("sha256:abc")
  })

  it.effect("seeded services are steady", () =>
    withWorld(() =>
      Effect.gen(function*() {
        const s = yield* webState
        expect(s.deployments).toHaveLength(1)
        expect(s.deployments[0]).toMatchObject({ status: "PRIMARY", rolloutState: "COMPLETED", runningCount: 2 })
        expect(s.runningCount).toBe(2)
        expect(s.serviceArn).toBe("arn:aws:ecs:us-east-1:123456789012:service/main/web")
        expect(s.clusterArn).toBe("arn:aws:ecs:us-east-1:123456789012:cluster/main")
        const ecs = yield* Ecs
        const arns = yield* ecs.listTasks(web)
        const tasks = yield* ecs.describeTasks({ region: "us-east-1", cluster: "main" }, arns)
        expect(tasks.map((t) => [t.lastStatus, t.healthStatus])).toEqual([["RUNNING", "HEALTHY"], [
          "RUNNING",
          "HEALTHY"
        ]])
        const api = yield* ecs.describeServices({
          region: "eu-west-1",
          cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/eu"
        }, [
          "arn:aws:ecs:eu-west-1:123456789012:service/eu/api"
        ])
        expect(api[0]?._tag).toBe("Found")
      })
    ))

  it.effect("healthy rollout: new tasks run, turn healthy, old drain, COMPLETED", () =>
    withWorld((sim) =>
      Effect.gen(function*() {
        const arn = yield* deploy("v2")
        expect(arn).toBe("arn:aws:ecs:us-east-1:123456789012:task-definition/web:2")
        let s = yield* webState
        expect(s.taskDefinition).toBe(arn)
        expect(s.deployments.map((d) => [d.status, d.rolloutState])).toEqual([
          ["PRIMARY", "IN_PROGRESS"],
          ["ACTIVE", "COMPLETED"]
        ])
        expect(s.deployments[0]).toMatchObject({ pendingCount: 2, runningCount: 0 })

        yield* TestClock.adjust("5 seconds")
        const ecs = yield* Ecs
        let tasks = yield* ecs.describeTasks(web, yield* ecs.listTasks(web))
        expect(tasks.filter((t) => t.taskDefinitionArn === arn).map((t) => [t.lastStatus, t.healthStatus])).toEqual([
          ["RUNNING", "UNKNOWN"],
          ["RUNNING", "UNKNOWN"]
        ])
        expect(yield* sim.servedVersion("main", "web")).toBe("v1")

        yield* TestClock.adjust("10 seconds") // t = 15 s: healthy, draining begins
        tasks = yield* ecs.describeTasks(web, yield* ecs.listTasks(web))
        expect(tasks.map((t) => t.healthStatus)).toEqual(["HEALTHY", "HEALTHY"])
        expect(yield* sim.servedVersion("main", "web")).toBe("v2")
        s = yield* webState
        expect(s.deployments).toHaveLength(2)
        expect(s.deployments[1]).toMatchObject({ desiredCount: 0, runningCount: 2 })

        yield* TestClock.adjust("5 seconds") // half the drain
        s = yield* webState
        expect(s.deployments[1]?.runningCount).toBe(1)

        yield* TestClock.adjust("5 seconds") // t = 25 s
        s = yield* webState
        expect(s.deployments).toHaveLength(1)
        expect(s.deployments[0]).toMatchObject({ status: "PRIMARY", rolloutState: "COMPLETED", runningCount: 2 })
        expect(s.recentEvents[0]).toBe("(service web) has reached a steady state.")
        const all = yield* sim.tasks("main", "web")
        expect(all.filter((t) => t.lastStatus === "STOPPED")).toHaveLength(2)
        expect(all.find((t) => t.lastStatus === "STOPPED")?.stoppedReason).toMatch(/Scaling activity/)
      })
    ))

  it.effect("unhealthy tag: tasks report UNHEALTHY, get replaced, old deployment keeps serving", () =>
    withWorld(
      (sim) =>
        Effect.gen(function*() {
          yield* deploy("bad123")
          yield* TestClock.adjust("15 seconds")
          const ecs = yield* Ecs
          const tasks = yield* ecs.describeTasks(web, yield* ecs.listTasks(web))
          expect(tasks.filter((t) => t.healthStatus === "UNHEALTHY")).toHaveLength(2)
          yield* TestClock.adjust("10 seconds")
          const s = yield* webState
          expect(s.deployments).toHaveLength(2)
          expect(s.deployments[0]).toMatchObject({ rolloutState: "IN_PROGRESS", failedTasks: 2 })
          expect(s.deployments[1]).toMatchObject({ status: "ACTIVE", runningCount: 2 })
          expect(s.recentEvents.some((e) => /failed container health checks/.test(e))).toBe(true)
          expect(yield* sim.servedVersion("main", "web")).toBe("v1")
          // The rollback to the old tag is healthy.
          yield* ecs.updateService(web, "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1")
          yield* TestClock.adjust("30 seconds")
          const after = yield* webState
          expect(after.deployments).toHaveLength(1)
          expect(after.deployments[0]).toMatchObject({
            rolloutState: "COMPLETED",
            taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"
          })
        }),
      { behaviour: byImageTag({ bad123: "unhealthy" }) }
    ))

  it.effect("circuit breaker: FAILED, then ECS rolls back to the previous task definition", () =>
    withWorld(
      (sim) =>
        Effect.gen(function*() {
          yield* deploy("boom")
          yield* TestClock.adjust("30 seconds")
          let s = yield* webState
          expect(s.deployments[0]?.failedTasks).toBeGreaterThanOrEqual(2)
          expect(s.deployments[0]?.runningCount).toBe(0)
          yield* TestClock.adjust("30 seconds") // t = 60 s
          s = yield* webState
          expect(s.deployments.map((d) => [d.status, d.rolloutState])).toEqual([
            ["PRIMARY", "IN_PROGRESS"],
            ["ACTIVE", "FAILED"],
            ["ACTIVE", "COMPLETED"]
          ])
          expect(s.deployments[1]?.rolloutStateReason).toBe("ECS deployment circuit breaker: tasks failed to start.")
          expect(s.deployments[0]?.taskDefinition).toBe("arn:aws:ecs:us-east-1:123456789012:task-definition/web:1")
          expect(s.taskDefinition).toBe("arn:aws:ecs:us-east-1:123456789012:task-definition/web:1")
          yield* TestClock.adjust("30 seconds")
          s = yield* webState
          expect(s.deployments).toHaveLength(1)
          expect(s.deployments[0]?.rolloutState).toBe("COMPLETED")
          expect(yield* sim.servedVersion("main", "web")).toBe("v1")
        }),
      { behaviour: byImageTag({ boom: "circuit-breaker" }) }
    ))

  it.effect("never-drain and stuck", () =>
    withWorld(
      (sim) =>
        Effect.gen(function*() {
          yield* deploy("nd")
          yield* TestClock.adjust("10 minutes")
          let s = yield* webState
          expect(s.deployments.map((d) => [d.status, d.runningCount])).toEqual([["PRIMARY", 2], ["ACTIVE", 2]])
          expect(s.deployments[0]?.rolloutState).toBe("IN_PROGRESS")
          expect(yield* sim.servedVersion("main", "web")).toBe("nd")

          yield* deploy("stuck")
          yield* TestClock.adjust("10 minutes")
          s = yield* webState
          expect(s.deployments[0]).toMatchObject({ pendingCount: 2, runningCount: 0, rolloutState: "IN_PROGRESS" })
          const tasks = yield* sim.tasks("main", "web")
          expect(tasks.filter((t) => t.lastStatus === "PENDING")).toHaveLength(2)
          expect(yield* sim.servedVersion("main", "web")).toBe("nd")
        }),
      { behaviour: byImageTag({ nd: "never-drain", stuck: "stuck" }) }
    ))

  it.effect("slow behaviour and timing overrides", () =>
    withWorld(
      () =>
        Effect.gen(function*() {
          yield* deploy("slow")
          yield* TestClock.adjust("2 minutes")
          expect((yield* webState).deployments).toHaveLength(2)
          yield* TestClock.adjust("10 minutes")
          expect((yield* webState).deployments).toHaveLength(1)
          yield* deploy("fast")
          yield* TestClock.adjust("2 seconds")
          expect((yield* webState).deployments).toHaveLength(1)
        }),
      {
        behaviour: byImageTag({
          slow: "slow",
          fast: { kind: "healthy", startAfter: 0.5, healthyAfter: 1, drainAfter: 0.5 }
        })
      }
    ))

  it.effect("ports answer like AWS: missing service, empty and oversized lists, task definitions", () =>
    withWorld((sim) =>
      Effect.gen(function*() {
        const ecs = yield* Ecs
        const lookups = yield* ecs.describeServices(web, ["nope", "web"])
        expect(lookups.map((l) => l._tag)).toEqual(["Missing", "Found"])
        expect(lookups[0]).toMatchObject({ name: "nope", reason: "MISSING" })

        // The live adapter never sends an empty list (AWS rejects it), and chunks names by 10.
        yield* sim.clearCalls()
        expect(yield* ecs.describeTasks(web, [])).toEqual([])
        expect(yield* sim.calls("DescribeTasks")).toEqual([])
        const eleven = yield* ecs.describeServices(web, Array.from({ length: 11 }, (_, i) => `s${i}`))
        expect(eleven.map((l) => l._tag)).toEqual(Array.from({ length: 11 }, () => "Missing"))
        expect((yield* sim.calls("DescribeServices")).map((c) => (c.params["services"] as Array<string>).length))
          .toEqual([10, 1])
        const noService = yield* Effect.either(ecs.updateService({ ...web, service: "ghost" }, "web:1"))
        expect(Either.isLeft(noService) && noService.left.code).toBe("ServiceNotFoundException")
        const noCluster = yield* Effect.either(ecs.listTasks({ ...web, cluster: "ghost" }))
        expect(Either.isLeft(noCluster) && noCluster.left.code).toBe("ClusterNotFoundException")

        const byFamily = yield* ecs.describeTaskDefinition("us-east-1", "web")
        expect(byFamily.taskDefinition.revision).toBe(1)
        expect(byFamily.tags).toEqual([{ key: "team", value: "a" }])
        expect(byFamily.taskDefinition.containerDefinitions?.[0]?.image).toMatch(/web:v1$/)
        yield* deploy("v2")
        expect((yield* ecs.describeTaskDefinition("us-east-1", "web")).taskDefinition.revision).toBe(2)
        expect((yield* ecs.describeTaskDefinition("us-east-1", "web:1")).taskDefinition.revision).toBe(1)
        const missing = yield* Effect.either(ecs.describeTaskDefinition("us-east-1", "web:9"))
        expect(Either.isLeft(missing) && missing.left).toMatchObject({
          code: "ClientException",
          detail: "Unable to describe task definition.",
          operation: "DescribeTaskDefinition"
        })
        const otherRegion = yield* Effect.either(ecs.describeTaskDefinition("eu-west-1", "web"))
        expect(Either.isLeft(otherRegion)).toBe(true)
      })
    ))

  it.effect("listTasks and describeTasks page by 100", () =>
    withWorld((sim) =>
      Effect.gen(function*() {
        yield* sim.addService({ cluster: "main", name: "big", taskDefinition: "web", desiredCount: 150 })
        const ecs = yield* Ecs
        yield* sim.clearCalls()
        const ref = { ...web, service: "big" }
        const arns = yield* ecs.listTasks(ref)
        expect(arns).toHaveLength(150)
        expect(new Set(arns).size).toBe(150)
        const tasks = yield* ecs.describeTasks(ref, arns)
        expect(tasks).toHaveLength(150)
        expect((yield* sim.calls("ListTasks")).map((c) => c.params["nextToken"] === undefined)).toEqual([true, false])
        expect((yield* sim.calls("DescribeTasks")).map((c) => (c.params["tasks"] as Array<string>).length)).toEqual([
          100,
          50
        ])
      }), { choices: { pageSize: "full" } }))

  it.effect("call record and mutating calls", () =>
    withWorld((sim) =>
      Effect.gen(function*() {
        yield* TestClock.adjust("3 seconds")
        const arn = yield* deploy("v2")
        yield* webState
        const updates = yield* sim.calls("UpdateService")
        expect(updates).toEqual([
          {
            operation: "UpdateService",
            region: "us-east-1",
            face: "layer",
            at: 3000,
            params: { cluster: "main", service: "web", taskDefinition: arn, forceNewDeployment: true }
          }
        ])
        expect((yield* sim.mutatingCalls()).map((c) => c.operation)).toEqual([
          "RegisterTaskDefinition",
          "UpdateService"
        ])
        expect((yield* sim.calls()).map((c) => c.operation)).toEqual([
          "RegisterTaskDefinition",
          "UpdateService",
          "DescribeServices"
        ])
        const registered = (yield* sim.calls("RegisterTaskDefinition"))[0]?.params
        expect(registered).toEqual(webDef("v2"))
      })
    ))

  it.effect("failNext targets one service; faults are recorded", () =>
    withWorld((sim) =>
      Effect.gen(function*() {
        yield* sim.failNext({
          operation: "UpdateService",
          service: "web",
          code: "AccessDeniedException",
          message: "nope"
        })
        const ecs = yield* Ecs
        yield* ecs.updateService({ region: "eu-west-1", cluster: "eu", service: "api" }, "api:1")
        const failed = yield* Effect.either(ecs.updateService(web, "web:1"))
        expect(Either.isLeft(failed) && failed.left).toMatchObject({
          _tag: "AwsCallError",
          code: "AccessDeniedException",
          detail: "nope",
          region: "us-east-1"
        })
        yield* ecs.updateService(web, "web:1") // only once
        expect((yield* sim.calls("UpdateService")).map((c) => c.error)).toEqual([
          undefined,
          "AccessDeniedException",
          undefined
        ])
      })
    ))

  it.effect("throttle fraction is roughly right and repeats for a seed", () =>
    Effect.gen(function*() {
      const run = (seed: number) =>
        withWorld(
          () =>
            Effect.gen(function*() {
              const ecs = yield* Ecs
              const results = yield* Effect.forEach(
                Array.from({ length: 1000 }),
                () => Effect.either(ecs.describeServices(web, ["web"]))
              )
              return results.map((r) => (Either.isLeft(r) ? r.left.code : "ok"))
            }),
          { seed, throttleFraction: 0.2, serverErrorFraction: 0.1 }
        )
      const a = yield* run(7)
      const throttled = a.filter((c) => c === "ThrottlingException").length
      const server = a.filter((c) => c === "InternalFailure" || c === "ServiceUnavailable").length
      expect(throttled).toBeGreaterThan(150)
      expect(throttled).toBeLessThan(250)
      expect(server).toBeGreaterThan(60)
      expect(server).toBeLessThan(140)
      expect(yield* run(7)).toEqual(a)
      expect(yield* run(8)).not.toEqual(a)
    }))

  it.effect("sdkMaxAttempts absorbs throttles like the SDK would", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({})
      yield* sim.addCluster("main")
      yield* sim.failNext({ operation: "ListTasks", code: "ThrottlingException", times: 2 })
      const ecs = yield* Effect.provide(Ecs, Simulator.layer(sim, { sdkMaxAttempts: 3 }))
      expect(yield* ecs.describeServices(web, ["x"])).toHaveLength(1)
      const failed = yield* Effect.either(ecs.listTasks({ ...web, service: "x" }))
      // Two throttles retried, the third attempt reaches the model: no such service.
      expect(Either.isLeft(failed) && failed.left.code).toBe("ServiceNotFoundException")
      expect((yield* sim.calls("ListTasks")).map((c) => c.error)).toEqual([
        "ThrottlingException",
        "ThrottlingException",
        "ServiceNotFoundException"
      ])
    }))

  it.effect("scheduled tasks: targets preserved, put, entry failures, missing rule", () =>
    withWorld((sim) =>
      Effect.gen(function*() {
        const st = yield* ScheduledTasks
        expect(yield* st.targetsOf({ region: "us-east-1", rule: "nightly" })).toEqual([jobTarget])
        const updated: Target = {
          ...jobTarget,
          EcsParameters: {
            ...jobTarget.EcsParameters,
            TaskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/job:2"
          }
        }
        yield* st.putTarget({ region: "us-east-1", rule: "nightly" }, updated)
        expect((yield* sim.rule("us-east-1", "nightly"))?.targets).toEqual([updated])
        yield* sim.failNext({
          operation: "PutTargets",
          rule: "nightly",
          asFailedEntry: true,
          code: "ConcurrentModificationException"
        })
        const rejected = yield* Effect.either(st.putTarget({ region: "us-east-1", rule: "nightly" }, jobTarget))
        expect(Either.isLeft(rejected) && rejected.left).toMatchObject({
          _tag: "PutTargetsRejected",
          failures: [{ targetId: "job", code: "ConcurrentModificationException" }]
        })
        const missing = yield* Effect.either(st.targetsOf({ region: "us-east-1", rule: "ghost" }))
        expect(Either.isLeft(missing) && missing.left).toMatchObject({ code: "ResourceNotFoundException" })
        const wrongRegion = yield* Effect.either(st.targetsOf({ region: "eu-west-1", rule: "nightly" }))
        expect(Either.isLeft(wrongRegion)).toBe(true)
      })
    ))

  it.effect("version probe and default region", () =>
    withWorld(() =>
      Effect.gen(function*() {
        const probe = yield* VersionProbe
        expect(yield* probe.probe("http://web.internal/version/main/web")).toEqual({
          _tag: "Served",
          version: "v1",
          server: "web-v1"
        })
        expect(yield* probe.probe("http://x/version/eu-west-1/eu/api")).toMatchObject({ _tag: "Served", version: "v1" })
        expect((yield* probe.probe("http://x/health"))._tag).toBe("NotReady")
        expect((yield* probe.probe("http://x/version/main/ghost"))._tag).toBe("NotReady")
        expect(yield* (yield* DefaultRegion).get).toBe("us-east-1")
        const sim = yield* Simulator
        const none = yield* Effect.either(
          Effect.flatMap(DefaultRegion, (r) => r.get).pipe(
            Effect.provide(Simulator.layer(sim, { region: null }))
          )
        )
        expect(Either.isLeft(none) && none.left._tag).toBe("MissingRegion")
      })
    ))
})
