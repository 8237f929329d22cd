/**
 * The HTTP face speaks all of it: seeding, lag, crash loops, circuit-breaker flags, deployment
 * controllers, late and landed-then-failed answers, per-service behaviours, through the real
 * SDK clients and the control endpoints. The server runs in the test's runtime, so TestClock
 * drives rollouts and late answers; real waits are a few ms of polling.
 */
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  UpdateServiceCommand
} from "@aws-sdk/client-ecs"
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand
} from "@aws-sdk/client-eventbridge"
import { describe, expect, it } from "@effect/vitest"
import { ConfiguredRetryStrategy } from "@smithy/core/retry"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { VersionProbeFetch } from "../../../src/http/VersionProbeLive.js"
import { VersionProbe } from "../../../src/ports/VersionProbe.js"
import { Simulator, type SimulatorApi, startSimServer } from "../../../src/testing/index.js"

const ACCOUNT = "123456789012"
const credentials = { accessKeyId: "AKIDTEST", secretAccessKey: "x" }
const client = (url: string, attempts = 1) =>
  new ECSClient({
    region: "us-east-1",
    endpoint: url,
    credentials,
    maxAttempts: attempts,
    ...(attempts > 1 ? { retryStrategy: new ConfiguredRetryStrategy(attempts, 1) } : {})
  })

const def = (family: string, tag: string): RegisterTaskDefinitionCommandInput => ({
  family,
  containerDefinitions: [{
    name: family,
    image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${family}:${tag}`,
    essential: true
  }]
})

const send = <A>(p: () => Promise<A>) => Effect.promise(p)
const attempt = <A>(p: () => Promise<A>) =>
  Effect.promise(() => p().then((ok) => ({ ok, err: undefined }), (err: unknown) => ({ ok: undefined, err })))

/** A few real ms: the server answers on the event loop, whatever the test clock says. */
const realWait = (ms: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

const eventually = (check: Effect.Effect<boolean>, what: string): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (let i = 0; i < 400; i++) {
      if (yield* check) return
      yield* realWait(5)
    }
    throw new Error(`never happened: ${what}`)
  })

interface Control {
  readonly post: (
    path: string,
    body: unknown
  ) => Effect.Effect<{ readonly status: number; readonly body: Record<string, unknown> }>
  readonly get: <A>(path: string) => Effect.Effect<A>
}

const control = (url: string): Control => ({
  post: (path, body) =>
    Effect.promise(async () => {
      const res = await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }),
  get: <A>(path: string) => Effect.promise(() => fetch(`${url}${path}`).then((r) => r.json() as Promise<A>))
})

/** An empty simulator served over HTTP, seeded through the control endpoints only: web (main, v1, 2 tasks). */
const world = Effect.gen(function*() {
  const sim = yield* Simulator.make()
  const server = yield* startSimServer(sim)
  const ctl = control(server.url)
  const td = yield* ctl.post("/_sim/task-definitions", { input: def("web", "v1"), tags: [{ key: "team", value: "a" }] })
  expect(td).toEqual({ status: 200, body: { arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web:1` } })
  const svc = yield* ctl.post("/_sim/services", {
    cluster: "main",
    name: "web",
    taskDefinition: "web:1",
    desiredCount: 2
  })
  expect(svc.body["arn"]).toBe(`arn:aws:ecs:us-east-1:${ACCOUNT}:service/main/web`)
  return { sim, server, ctl }
})

interface WireService {
  readonly taskDefinition: string
  readonly deployments: ReadonlyArray<
    { readonly id: string; readonly taskDefinition: string; readonly rolloutState?: string }
  >
}

const servicesOf = (ctl: Control) => ctl.get<ReadonlyArray<WireService>>("/_sim/services")

const describeOne = (ecs: ECSClient, service: string) =>
  Effect.map(
    send(() => ecs.send(new DescribeServicesCommand({ cluster: "main", services: [service] }))),
    (r) => r.services?.[0]
  )

describe("the HTTP face speaks the harder simulator", () => {
  it.scoped("seeding endpoints check their bodies; control endpoints answer 400 for bad ones", () =>
    Effect.gen(function*() {
      const { ctl, sim } = yield* world
      expect((yield* ctl.post("/_sim/clusters", { name: "blue", region: "eu-west-1" })).body).toEqual({
        arn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/blue`
      })
      const rule = yield* ctl.post("/_sim/rules", {
        name: "nightly",
        target: {
          Id: "job",
          Arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/main`,
          EcsParameters: { TaskDefinitionArn: "web:1" }
        }
      })
      expect(rule.body).toEqual({ arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/nightly` })
      const onBus = yield* ctl.post("/_sim/rules", {
        name: "nightly",
        eventBusName: "jobs",
        target: {
          Id: "job",
          Arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/main`,
          EcsParameters: { TaskDefinitionArn: "web:2" }
        }
      })
      expect(onBus.body).toEqual({ arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/jobs/nightly` })
      expect((yield* sim.rule("us-east-1", "nightly"))?.targets[0]?.EcsParameters?.TaskDefinitionArn).toBe("web:1")
      expect((yield* sim.taskDefinition("web:1"))?.tags).toEqual([{ key: "team", value: "a" }])

      const bad: ReadonlyArray<readonly [string, unknown, RegExp]> = [
        [
          "/_sim/services",
          { cluster: "main", name: "x", taskDefinition: "web:1", deploymentController: "JENKINS" },
          /deploymentController must be one of ECS, CODE_DEPLOY, EXTERNAL/
        ],
        ["/_sim/services", { cluster: "main", name: "x", taskDefinition: "nope:1" }, /not seeded/],
        ["/_sim/services", { cluster: "main", name: "web", taskDefinition: "web:1" }, /already exists/],
        [
          "/_sim/services",
          { cluster: "main", name: "x", taskDefinition: "web:1", circuitBreaker: "yes" },
          /circuitBreaker/
        ],
        [
          "/_sim/task-definitions",
          { input: { family: "x", containerDefinitions: [] } },
          /Container list cannot be empty/
        ],
        ["/_sim/rules", { name: "r", target: { Id: "t" } }, /target must be a target with Id and Arn/],
        ["/_sim/fail-next", { code: "ThrottlingException" }, /operation is required/],
        [
          "/_sim/fail-next",
          { operation: "UpdateService", answerAfterSeconds: "30" },
          /answerAfterSeconds must be a number/
        ],
        ["/_sim/behaviours", { byService: { web: "explode" } }, /body\.web: expected a behaviour kind/],
        ["/_sim/describe-lag", { seconds: -1 }, /non-negative/],
        ["/_sim/describe-lag", { seconds: 3, service: "web" }, /cluster is required/],
        ["/_sim/faults", [], /JSON object/]
      ]
      for (const [path, body, reason] of bad) {
        const res = yield* ctl.post(path, body)
        expect([path, res.status]).toEqual([path, 400])
        expect(String(res.body["error"])).toMatch(reason)
      }
      expect((yield* ctl.post("/_sim/nope", {})).status).toBe(404)
    }))

  it.scoped("EventBridge calls find a rule on its own event bus only", () =>
    Effect.gen(function*() {
      const { server, ctl } = yield* world
      const target = (td: string) => ({
        Id: "job",
        Arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/main`,
        EcsParameters: { TaskDefinitionArn: td }
      })
      yield* ctl.post("/_sim/rules", { name: "nightly", target: target("a:1") })
      yield* ctl.post("/_sim/rules", { name: "nightly", eventBusName: "jobs", target: target("b:1") })
      const events = new EventBridgeClient({ region: "us-east-1", endpoint: server.url, credentials, maxAttempts: 1 })
      const onDefault = yield* send(() => events.send(new ListTargetsByRuleCommand({ Rule: "nightly" })))
      expect(onDefault.Targets?.[0]?.EcsParameters?.TaskDefinitionArn).toBe("a:1")
      const onJobs = yield* send(() =>
        events.send(new ListTargetsByRuleCommand({ Rule: "nightly", EventBusName: "jobs" }))
      )
      expect(onJobs.Targets?.[0]?.EcsParameters?.TaskDefinitionArn).toBe("b:1")
      const described = yield* send(() =>
        events.send(new DescribeRuleCommand({ Name: "nightly", EventBusName: "jobs" }))
      )
      expect(described).toMatchObject({
        EventBusName: "jobs",
        Arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/jobs/nightly`
      })
      const listed = yield* send(() => events.send(new ListRulesCommand({ EventBusName: "jobs" })))
      expect(listed.Rules?.map((r) => r.Arn)).toEqual([`arn:aws:events:us-east-1:${ACCOUNT}:rule/jobs/nightly`])
      const missing = yield* attempt(() =>
        events.send(new ListTargetsByRuleCommand({ Rule: "nightly", EventBusName: "other" }))
      )
      expect(missing.err).toMatchObject({
        name: "ResourceNotFoundException",
        message: "Rule nightly does not exist on EventBus other."
      })
      events.destroy()
    }))

  it.scoped("DescribeServices lags behind UpdateService, whose own answer is current", () =>
    Effect.gen(function*() {
      const { server, ctl } = yield* world
      expect((yield* ctl.post("/_sim/describe-lag", { seconds: 10, cluster: "main", service: "web" })).status).toBe(200)
      const ecs = client(server.url)
      yield* send(() => ecs.send(new RegisterTaskDefinitionCommand(def("web", "v2"))))
      const updated = yield* send(() =>
        ecs.send(new UpdateServiceCommand({ cluster: "main", service: "web", taskDefinition: "web:2" }))
      )
      const primary = updated.service?.deployments?.[0]
      expect(primary).toMatchObject({
        status: "PRIMARY",
        taskDefinition: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web:2`
      })
      expect(primary?.createdAt).toBeInstanceOf(Date)
      let described = yield* describeOne(ecs, "web")
      expect(described?.taskDefinition).toMatch(/web:1$/)
      expect(described?.deployments?.map((d) => d.id)).not.toContain(primary?.id)
      expect((yield* servicesOf(ctl))[0]?.taskDefinition).toMatch(/web:2$/) // inspection is current
      yield* TestClock.adjust("10 seconds")
      described = yield* describeOne(ecs, "web")
      expect(described?.taskDefinition).toMatch(/web:2$/)
      expect(described?.deployments?.[0]?.id).toBe(primary?.id)
      ecs.destroy()
    }))

  it.scoped("a late answer is written after the server's clock moves on; the call took effect before", () =>
    Effect.gen(function*() {
      const { server, ctl, sim } = yield* world
      const ecs = client(server.url)
      yield* send(() => ecs.send(new RegisterTaskDefinitionCommand(def("web", "v2"))))
      yield* ctl.post("/_sim/fail-next", { operation: "UpdateService", service: "web", answerAfterSeconds: 30 })
      const fiber = yield* Effect.fork(
        send(() => ecs.send(new UpdateServiceCommand({ cluster: "main", service: "web", taskDefinition: "web:2" })))
      )
      // The server sleeps on the test clock once it has applied the call.
      yield* eventually(Effect.map(TestClock.sleeps(), (s) => Chunk.size(s) > 0), "the answer waits on the clock")
      expect((yield* servicesOf(ctl))[0]?.taskDefinition).toMatch(/web:2$/)
      yield* realWait(20)
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("30 seconds")
      const answer = yield* Fiber.join(fiber)
      expect(answer.service?.deployments?.[0]?.taskDefinition).toMatch(/web:2$/)
      const calls = yield* ctl.get<ReadonlyArray<{ operation: string; answeredAfterMs?: number }>>("/_sim/calls")
      expect(calls.filter((c) => c.operation === "UpdateService")).toMatchObject([{ answeredAfterMs: 30_000 }])
      expect((yield* sim.mutatingCalls()).map((c) => c.operation)).toEqual(["RegisterTaskDefinition", "UpdateService"])
      ecs.destroy()
    }))

  it.scoped("landed then failed: a 5xx the SDK sees, a deployment that happened; retried, it happens twice", () =>
    Effect.gen(function*() {
      const { server, ctl } = yield* world
      const impatient = client(server.url)
      yield* send(() => impatient.send(new RegisterTaskDefinitionCommand(def("web", "v2"))))
      yield* ctl.post("/_sim/fail-next", { operation: "UpdateService", landed: true, code: "ServiceUnavailable" })
      const failed = yield* attempt(() =>
        impatient.send(new UpdateServiceCommand({ cluster: "main", service: "web", taskDefinition: "web:2" }))
      )
      expect(failed.err).toMatchObject({ name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } })
      expect((yield* servicesOf(ctl))[0]?.deployments.map((d) => d.taskDefinition.split("/")[1])).toEqual([
        "web:2",
        "web:1"
      ])
      const calls = yield* ctl.get<ReadonlyArray<{ operation: string; error?: string; landed?: boolean }>>(
        "/_sim/calls"
      )
      expect(calls.filter((c) => c.operation === "UpdateService")).toMatchObject([{
        error: "ServiceUnavailable",
        landed: true
      }])

      const patient = client(server.url, 3)
      yield* ctl.post("/_sim/fail-next", { operation: "UpdateService", landed: true })
      const ok = yield* send(() =>
        patient.send(
          new UpdateServiceCommand({
            cluster: "main",
            service: "web",
            taskDefinition: "web:2",
            forceNewDeployment: true
          })
        )
      )
      expect(ok.$metadata.attempts).toBe(2)
      expect((yield* servicesOf(ctl))[0]?.deployments).toHaveLength(4)
      impatient.destroy()
      patient.destroy()
    }))

  it.scoped("crash loops per service, with and without the circuit breaker, as seeded", () =>
    Effect.gen(function*() {
      const { server, ctl } = yield* world
      yield* ctl.post("/_sim/services", {
        cluster: "main",
        name: "loose",
        taskDefinition: "web:1",
        circuitBreaker: false
      })
      yield* ctl.post("/_sim/services", {
        cluster: "main",
        name: "guarded",
        taskDefinition: "web:1",
        circuitBreaker: { enable: true, rollback: true }
      })
      const picked = yield* ctl.post("/_sim/behaviours", {
        byService: {
          loose: { byTag: { v2: "crash-loop" } },
          guarded: { byTag: { v2: { kind: "crash-loop", crashAfter: 6 } } }
        },
        fallback: "healthy"
      })
      expect(picked.status).toBe(200)
      const ecs = client(server.url)
      yield* send(() => ecs.send(new RegisterTaskDefinitionCommand(def("web", "v2"))))
      for (const service of ["loose", "guarded", "web"]) {
        yield* send(() => ecs.send(new UpdateServiceCommand({ cluster: "main", service, taskDefinition: "web:2" })))
      }
      yield* TestClock.adjust("60 seconds")
      const loose = yield* describeOne(ecs, "loose")
      expect(loose?.deploymentConfiguration?.deploymentCircuitBreaker).toEqual({ enable: false, rollback: false })
      expect(loose?.deployments?.[0]).toMatchObject({ rolloutState: "IN_PROGRESS", failedTasks: 12 })
      const guarded = yield* describeOne(ecs, "guarded")
      expect(guarded?.deployments?.map((d) => [d.status, d.rolloutState, d.taskDefinition?.split("/")[1]])).toEqual([
        ["PRIMARY", "COMPLETED", "web:1"]
      ])
      expect((yield* describeOne(ecs, "web"))?.deployments?.map((d) => d.rolloutState)).toEqual(["COMPLETED"])

      const stopped = yield* send(() =>
        ecs.send(new ListTasksCommand({ cluster: "main", serviceName: "loose", desiredStatus: "STOPPED" }))
      )
      const tasks = yield* send(() =>
        ecs.send(new DescribeTasksCommand({ cluster: "main", tasks: (stopped.taskArns ?? []).slice(0, 3) }))
      )
      expect(tasks.tasks?.map((t) => [t.stopCode, t.stoppedReason])).toEqual(
        Array.from({ length: 3 }, () => ["EssentialContainerExited", "Essential container in task exited"])
      )
      expect(tasks.tasks?.[0]?.containers?.[0]?.exitCode).toBe(1)
      ecs.destroy()
    }))

  it.scoped("CODE_DEPLOY and EXTERNAL services, seeded over HTTP, refuse a task definition update", () =>
    Effect.gen(function*() {
      const { server, ctl } = yield* world
      yield* ctl.post("/_sim/services", {
        cluster: "main",
        name: "bg",
        taskDefinition: "web:1",
        deploymentController: "CODE_DEPLOY"
      })
      yield* ctl.post("/_sim/services", {
        cluster: "main",
        name: "ext",
        taskDefinition: "web:1",
        deploymentController: "EXTERNAL"
      })
      const ecs = client(server.url)
      expect((yield* describeOne(ecs, "bg"))?.deploymentController).toEqual({ type: "CODE_DEPLOY" })
      expect((yield* describeOne(ecs, "web"))?.deploymentController).toEqual({ type: "ECS" })
      for (const [service, type] of [["bg", "CODE_DEPLOY"], ["ext", "EXTERNAL"]] as const) {
        const refused = yield* attempt(() =>
          ecs.send(new UpdateServiceCommand({ cluster: "main", service, taskDefinition: "web:1" }))
        )
        expect(refused.err).toMatchObject({
          name: "InvalidParameterException",
          message:
            `Unable to update task definition on services with a ${type} deployment controller. Use AWS CodeDeploy to trigger a new deployment.`,
          $metadata: { httpStatusCode: 400 }
        })
      }
      const scaled = yield* send(() =>
        ecs.send(new UpdateServiceCommand({ cluster: "main", service: "bg", desiredCount: 1 }))
      )
      expect(scaled.service?.desiredCount).toBe(1)
      ecs.destroy()
    }))

  it.scoped("the version endpoint's Server header is what the layer probe builds; the live probe reads both alike", () =>
    Effect.gen(function*() {
      const { server, sim } = yield* world
      const ecs = client(server.url)
      yield* send(() => ecs.send(new RegisterTaskDefinitionCommand(def("web", "release-2024-01-01"))))
      yield* send(() =>
        ecs.send(new UpdateServiceCommand({ cluster: "main", service: "web", taskDefinition: "web:2" }))
      )
      yield* TestClock.adjust("30 seconds")
      const url = `${server.url}/version/main/web`
      const res = yield* Effect.promise(() => fetch(url))
      expect(res.headers.get("server")).toBe("web-release-2024-01-01")
      const layered = yield* probeWith(sim, url)
      expect(layered).toEqual({ _tag: "Served", version: "01", server: "web-release-2024-01-01" })
      const live = yield* Effect.provide(Effect.flatMap(VersionProbe, (p) => p.probe(url)), VersionProbeFetch)
      expect(live).toEqual(layered)
      ecs.destroy()
    }))
})

const probeWith = (sim: SimulatorApi, url: string) =>
  Effect.provide(Effect.flatMap(VersionProbe, (p) => p.probe(url)), Simulator.layer(sim))
