import {
  ClientException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  ServiceNotFoundException,
  UpdateServiceCommand
} from "@aws-sdk/client-ecs"
import {
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutTargetsCommand,
  ResourceNotFoundException,
  type Target
} from "@aws-sdk/client-eventbridge"
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts"
import { describe, expect, it } from "@effect/vitest"
import { ConfiguredRetryStrategy } from "@smithy/core/retry"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { Simulator, type SimulatorApi, type SimulatorOptions, startSimServer } from "../../../src/testing/index.js"

const credentials = { accessKeyId: "AKIDTEST", secretAccessKey: "x" }
const base = (url: string) => ({ region: "us-east-1", endpoint: url, credentials, maxAttempts: 1 })
/** Retries without the SDK's real backoff delays, so the tests stay fast. */
const retrying = (attempts: number) => ({ retryStrategy: new ConfiguredRetryStrategy(attempts, 1) })

const webDef = (tag: string): RegisterTaskDefinitionCommandInput => ({
  family: "web",
  networkMode: "awsvpc",
  requiresCompatibilities: ["FARGATE"],
  cpu: "256",
  memory: "512",
  containerDefinitions: [
    {
      name: "web",
      image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/web:${tag}`,
      portMappings: [{ containerPort: 8080, protocol: "tcp" }],
      environment: [{ name: "A", value: "1" }],
      healthCheck: { command: ["CMD-SHELL", "curl -f localhost:8080"], interval: 10 }
    }
  ]
})

const jobTarget: Target = {
  Id: "job",
  Arn: "arn:aws:ecs:us-east-1:123456789012:cluster/main",
  RoleArn: "arn:aws:iam::123456789012:role/events",
  Input: "{\"containerOverrides\":[{\"name\":\"job\",\"command\":[\"run\",\"--all\"]}]}",
  EcsParameters: {
    TaskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/job:1",
    TaskCount: 2,
    LaunchType: "FARGATE",
    PlatformVersion: "LATEST",
    Group: "nightly",
    EnableECSManagedTags: true,
    EnableExecuteCommand: false,
    PropagateTags: "TASK_DEFINITION",
    NetworkConfiguration: {
      awsvpcConfiguration: { Subnets: ["subnet-1", "subnet-2"], SecurityGroups: ["sg-1"], AssignPublicIp: "DISABLED" }
    },
    Tags: [{ Key: "team", Value: "a" }]
  },
  RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 }
}

/** A server over a seeded simulator (web in main, 2 tasks, v1; rule nightly), in the test's scope. */
const world = (options: SimulatorOptions = {}) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.make(options)
    const v1 = yield* sim.seedTaskDefinition("us-east-1", webDef("v1"), [{ key: "team", value: "a" }])
    yield* sim.addService({ cluster: "main", name: "web", taskDefinition: v1, desiredCount: 2 })
    yield* sim.addRule({ name: "nightly", target: jobTarget })
    const server = yield* startSimServer(sim)
    return { sim, server, v1 }
  })

/** An SDK call's answer or its exception, without failing the Effect. */
const attempt = <A>(p: () => Promise<A>) =>
  Effect.promise(() => p().then((ok) => ({ ok, err: undefined }), (err: unknown) => ({ ok: undefined, err })))

const send = <A>(p: () => Promise<A>) => Effect.promise(p)

const errorsOf = (sim: SimulatorApi, op: string) => Effect.map(sim.calls(op), (cs) => cs.map((c) => c.error))

describe("simulator over HTTP with the real SDK clients", () => {
  it.scoped("register and describe a task definition with tags", () =>
    Effect.gen(function*() {
      const { server, sim } = yield* world()
      const ecs = new ECSClient(base(server.url))
      const input = { ...webDef("v2"), tags: [{ key: "sha", value: "v2" }] }
      const registered = yield* send(() => ecs.send(new RegisterTaskDefinitionCommand(input)))
      expect(registered.taskDefinition?.taskDefinitionArn).toBe(
        "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"
      )
      expect(registered.taskDefinition?.registeredAt).toBeInstanceOf(Date)
      const described = yield* send(() =>
        ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web:2", include: ["TAGS"] }))
      )
      expect(described.tags).toEqual([{ key: "sha", value: "v2" }])
      expect(described.taskDefinition?.containerDefinitions).toEqual(input.containerDefinitions)
      expect(described.taskDefinition).toMatchObject({ family: "web", revision: 2, status: "ACTIVE", cpu: "256" })
      const latest = yield* send(() => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web" })))
      expect(latest.taskDefinition?.revision).toBe(2)
      expect(latest.tags).toBeUndefined()
      // The model stored what the SDK sent.
      expect((yield* sim.taskDefinition("web:2"))?.input).toEqual(input)
      const calls = yield* sim.calls("RegisterTaskDefinition")
      expect(calls[0]).toMatchObject({ face: "http", accessKeyId: "AKIDTEST", region: "us-east-1" })
      ecs.destroy()
    }))

  it.scoped("UpdateService starts a rollout that follows the server runtime's clock", () =>
    Effect.gen(function*() {
      const { server, sim } = yield* world()
      const ecs = new ECSClient(base(server.url))
      yield* send(() => ecs.send(new RegisterTaskDefinitionCommand(webDef("v2"))))
      const updated = yield* send(() =>
        ecs.send(new UpdateServiceCommand({ cluster: "main", service: "web", taskDefinition: "web:2" }))
      )
      expect(updated.service?.deployments?.map((d) => d.status)).toEqual(["PRIMARY", "ACTIVE"])
      expect(updated.service?.deployments?.[0]?.createdAt).toBeInstanceOf(Date)
      const version = () => Effect.promise(() => fetch(`${server.url}/version/main/web`))
      expect((yield* version()).headers.get("server")).toBe("web-v1")
      yield* TestClock.adjust("30 seconds")
      const after = yield* send(() => ecs.send(new DescribeServicesCommand({ cluster: "main", services: ["web"] })))
      expect(after.services?.[0]?.deployments).toHaveLength(1)
      expect(after.services?.[0]?.deployments?.[0]).toMatchObject({ rolloutState: "COMPLETED", runningCount: 2 })
      expect(after.services?.[0]?.events?.[0]?.message).toBe("(service web) has reached a steady state.")
      const res = yield* version()
      expect(res.status).toBe(200)
      expect(res.headers.get("server")).toBe("web-v2")
      expect((yield* Effect.promise(() => fetch(`${server.url}/version/main/ghost`))).status).toBe(503)
      const ctl = yield* Effect.promise(() =>
        fetch(`${server.url}/_sim/calls`).then((r) => r.json() as Promise<Array<{ operation: string }>>)
      )
      expect(ctl.map((c) => c.operation)).toEqual(["RegisterTaskDefinition", "UpdateService", "DescribeServices"])
      expect((yield* sim.mutatingCalls()).map((c) => c.operation)).toEqual(["RegisterTaskDefinition", "UpdateService"])
      ecs.destroy()
    }))

  it.scoped("ListTasks pages across more than 100 tasks; DescribeTasks; DescribeServices failures", () =>
    Effect.gen(function*() {
      const { server, sim, v1 } = yield* world({ choices: { pageSize: "full", listOrder: "oldest-first" } })
      yield* sim.addService({ cluster: "main", name: "big", taskDefinition: v1, desiredCount: 230 })
      const ecs = new ECSClient(base(server.url))
      const pages: Array<number> = []
      const arns: Array<string> = []
      let token: string | undefined
      do {
        const next = token
        const page = yield* send(() =>
          ecs.send(
            new ListTasksCommand({
              cluster: "main",
              serviceName: "big",
              ...(next === undefined ? {} : { nextToken: next })
            })
          )
        )
        pages.push(page.taskArns?.length ?? 0)
        arns.push(...(page.taskArns ?? []))
        token = page.nextToken
      } while (token !== undefined)
      expect(pages).toEqual([100, 100, 30])
      expect(new Set(arns).size).toBe(230)
      const described = yield* send(() =>
        ecs.send(
          new DescribeTasksCommand({
            cluster: "main",
            tasks: [...arns.slice(0, 2), "arn:aws:ecs:us-east-1:123456789012:task/main/nope"]
          })
        )
      )
      expect(described.tasks?.map((t) => [t.lastStatus, t.healthStatus])).toEqual([["RUNNING", "HEALTHY"], [
        "RUNNING",
        "HEALTHY"
      ]])
      expect(described.tasks?.[0]?.createdAt).toBeInstanceOf(Date)
      expect(described.failures).toEqual([{
        arn: "arn:aws:ecs:us-east-1:123456789012:task/main/nope",
        reason: "MISSING"
      }])
      const services = yield* send(() =>
        ecs.send(new DescribeServicesCommand({ cluster: "main", services: ["web", "ghost"] }))
      )
      expect(services.services?.map((s) => s.serviceName)).toEqual(["web"])
      expect(services.failures).toEqual([{
        arn: "arn:aws:ecs:us-east-1:123456789012:service/main/ghost",
        reason: "MISSING"
      }])
      ecs.destroy()
    }))

  it.scoped.each([1, 2, 3, 4, 5, 6])(
    "seed %i: pages of any size from 1 up, in one order across pages, every task once",
    (seed) =>
      Effect.gen(function*() {
        const { server, sim, v1 } = yield* world({ seed, choices: { pageSize: "any", listOrder: "shuffled" } })
        yield* sim.addService({ cluster: "main", name: "big", taskDefinition: v1, desiredCount: 120 })
        const ecs = new ECSClient(base(server.url))
        const pages: Array<number> = []
        const arns: Array<string> = []
        let token: string | undefined
        do {
          const next = token
          const page = yield* send(() =>
            ecs.send(
              new ListTasksCommand({
                cluster: "main",
                serviceName: "big",
                maxResults: 50,
                ...(next === undefined ? {} : { nextToken: next })
              })
            )
          )
          pages.push(page.taskArns?.length ?? 0)
          arns.push(...(page.taskArns ?? []))
          token = page.nextToken
        } while (token !== undefined)
        expect(pages.every((n) => n >= 1 && n <= 50)).toBe(true)
        expect(pages.some((n) => n < 50)).toBe(true)
        expect(arns).toHaveLength(120)
        expect(new Set(arns).size).toBe(120)
        ecs.destroy()
      })
  )

  it.scoped("AWS errors surface as the SDK exception's name", () =>
    Effect.gen(function*() {
      const { server } = yield* world()
      const ecs = new ECSClient(base(server.url))
      const events = new EventBridgeClient(base(server.url))
      const td = yield* attempt(() => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "nope:1" })))
      expect(td.err).toBeInstanceOf(ClientException)
      expect(td.err).toMatchObject({
        name: "ClientException",
        message: "Unable to describe task definition.",
        $fault: "client",
        $metadata: { httpStatusCode: 400 }
      })
      const upd = yield* attempt(() => ecs.send(new UpdateServiceCommand({ cluster: "main", service: "ghost" })))
      expect(upd.err).toBeInstanceOf(ServiceNotFoundException)
      const empty = yield* attempt(() => ecs.send(new DescribeTasksCommand({ cluster: "main", tasks: [] })))
      expect(empty.err).toMatchObject({ name: "InvalidParameterException" })
      const rule = yield* attempt(() => events.send(new ListTargetsByRuleCommand({ Rule: "ghost" })))
      expect(rule.err).toBeInstanceOf(ResourceNotFoundException)
      expect(rule.err).toMatchObject({ message: "Rule ghost does not exist on EventBus default." })
      ecs.destroy()
      events.destroy()
    }))

  it.scoped("ListTargetsByRule and PutTargets keep EcsParameters byte for byte", () =>
    Effect.gen(function*() {
      const { server, sim } = yield* world()
      const events = new EventBridgeClient(base(server.url))
      const listed = yield* send(() => events.send(new ListTargetsByRuleCommand({ Rule: "nightly" })))
      expect(listed.Targets).toEqual([jobTarget])
      const next: Target = {
        ...jobTarget,
        EcsParameters: {
          ...jobTarget.EcsParameters,
          TaskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/job:2"
        }
      }
      const put = yield* send(() => events.send(new PutTargetsCommand({ Rule: "nightly", Targets: [next] })))
      expect(put).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] })
      // What the SDK sent is exactly what ListTargetsByRule answers on the wire.
      const sent = JSON.stringify((yield* sim.calls("PutTargets"))[0]?.params["Targets"])
      const raw = yield* Effect.promise(() =>
        fetch(server.url, {
          method: "POST",
          headers: { "x-amz-target": "AWSEvents.ListTargetsByRule", "content-type": "application/x-amz-json-1.1" },
          body: JSON.stringify({ Rule: "nightly" })
        }).then((r) => r.text())
      )
      expect(JSON.stringify((JSON.parse(raw) as { Targets: unknown }).Targets)).toBe(sent)
      const again = yield* send(() =>
        events.send(new ListTargetsByRuleCommand({ Rule: "arn:aws:events:us-east-1:123456789012:rule/nightly" }))
      )
      expect(again.Targets).toEqual([next])

      yield* sim.failNext({
        operation: "PutTargets",
        rule: "nightly",
        asFailedEntry: true,
        code: "ConcurrentModificationException"
      })
      const rejected = yield* send(() => events.send(new PutTargetsCommand({ Rule: "nightly", Targets: [jobTarget] })))
      expect(rejected).toMatchObject({
        FailedEntryCount: 1,
        FailedEntries: [{ TargetId: "job", ErrorCode: "ConcurrentModificationException" }]
      })
      events.destroy()
    }))

  it.scoped("AssumeRole answers credentials the SDK parses; later calls carry them", () =>
    Effect.gen(function*() {
      const { server, sim } = yield* world()
      const sts = new STSClient(base(server.url))
      const roleArn = "arn:aws:iam::210987654321:role/deployer"
      const out = yield* send(() =>
        sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "gehen", DurationSeconds: 900 }))
      )
      const c = out.Credentials
      expect(c?.AccessKeyId).toMatch(/^ASIA/)
      expect(c?.Expiration).toBeInstanceOf(Date)
      expect(c!.Expiration!.getTime()).toBeGreaterThan(Date.now())
      expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::210987654321:assumed-role/deployer/gehen")
      const ecs = new ECSClient({
        ...base(server.url),
        credentials: {
          accessKeyId: c!.AccessKeyId!,
          secretAccessKey: c!.SecretAccessKey!,
          sessionToken: c!.SessionToken!
        }
      })
      yield* send(() => ecs.send(new DescribeServicesCommand({ cluster: "main", services: ["web"] })))
      const assume = yield* sim.calls("AssumeRole")
      expect(assume).toMatchObject([{
        accessKeyId: "AKIDTEST",
        params: { RoleArn: roleArn, RoleSessionName: "gehen", DurationSeconds: 900 }
      }])
      expect((yield* sim.calls("DescribeServices"))[0]?.accessKeyId).toBe(c?.AccessKeyId)
      expect(yield* sim.issuedCredentials()).toEqual([{ accessKeyId: c?.AccessKeyId, roleArn, sessionName: "gehen" }])
      const bad = yield* attempt(() => sts.send(new AssumeRoleCommand({ RoleArn: "nope", RoleSessionName: "gehen" })))
      expect(bad.err).toMatchObject({ name: "ValidationError", $metadata: { httpStatusCode: 400 } })
      sts.destroy()
      ecs.destroy()
    }))

  it.scoped("the SDK retries throttling and 5xx to success; without retries the code surfaces", () =>
    Effect.gen(function*() {
      const { server, sim } = yield* world()
      const patient = new ECSClient({ ...base(server.url), ...retrying(5) })
      yield* sim.failNext({ operation: "DescribeServices", code: "ThrottlingException", times: 2 })
      yield* sim.failNext({ operation: "ListTasks", code: "ServiceUnavailable", times: 1 })
      const ok = yield* send(() => patient.send(new DescribeServicesCommand({ cluster: "main", services: ["web"] })))
      expect(ok.services).toHaveLength(1)
      expect(ok.$metadata.attempts).toBe(3)
      expect(yield* errorsOf(sim, "DescribeServices")).toEqual([
        "ThrottlingException",
        "ThrottlingException",
        undefined
      ])
      yield* send(() => patient.send(new ListTasksCommand({ cluster: "main", serviceName: "web" })))
      expect(yield* errorsOf(sim, "ListTasks")).toEqual(["ServiceUnavailable", undefined])

      const impatient = new ECSClient(base(server.url))
      yield* sim.failNext({ operation: "UpdateService", service: "web", code: "ThrottlingException" })
      const failed = yield* attempt(() => impatient.send(new UpdateServiceCommand({ cluster: "main", service: "web" })))
      expect(failed.err).toMatchObject({ name: "ThrottlingException", $metadata: { httpStatusCode: 400 } })
      patient.destroy()
      impatient.destroy()
    }))

  it.scoped("random throttling applies over HTTP too and the SDK rides it out", () =>
    Effect.gen(function*() {
      const { server, sim } = yield* world({ seed: 3, throttleFraction: 0.3 })
      const ecs = new ECSClient({ ...base(server.url), ...retrying(10) })
      for (let i = 0; i < 20; i++) {
        yield* send(() => ecs.send(new DescribeServicesCommand({ cluster: "main", services: ["web"] })))
      }
      const errors = yield* errorsOf(sim, "DescribeServices")
      expect(errors.filter((e) => e === undefined)).toHaveLength(20)
      expect(errors.filter((e) => e === "ThrottlingException").length).toBeGreaterThan(2)
      ecs.destroy()
    }))

  it.scoped("control endpoints for subprocess tests: behaviours, fail-next, faults, services", () =>
    Effect.gen(function*() {
      const { server, sim } = yield* world()
      const post = (path: string, body: unknown) =>
        Effect.promise(() =>
          fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.status)
        )
      expect(yield* post("/_sim/behaviours", { byTag: { v2: "stuck" } })).toBe(200)
      expect(yield* post("/_sim/fail-next", { operation: "DescribeServices", code: "AccessDeniedException" })).toBe(200)
      expect(yield* post("/_sim/faults", { throttleFraction: 0, seed: 9 })).toBe(200)
      expect(yield* post("/_sim/behaviours", [])).toBe(400)
      const ecs = new ECSClient(base(server.url))
      yield* send(() => ecs.send(new RegisterTaskDefinitionCommand(webDef("v2"))))
      yield* send(() =>
        ecs.send(new UpdateServiceCommand({ cluster: "main", service: "web", taskDefinition: "web:2" }))
      )
      const denied = yield* attempt(() => ecs.send(new DescribeServicesCommand({ cluster: "main", services: ["web"] })))
      expect(denied.err).toMatchObject({ name: "AccessDeniedException" })
      yield* TestClock.adjust("5 minutes")
      const services = yield* Effect.promise(() =>
        fetch(`${server.url}/_sim/services`).then((r) =>
          r.json() as Promise<Array<{ deployments: Array<{ rolloutState: string; pendingCount: number }> }>>
        )
      )
      expect(services[0]?.deployments[0]).toMatchObject({ rolloutState: "IN_PROGRESS", pendingCount: 2 })
      expect((yield* Effect.promise(() => fetch(`${server.url}/version/main/web`))).headers.get("server")).toBe(
        "web-v1"
      )
      expect(yield* post("/_sim/clear-calls", {})).toBe(200)
      expect(yield* sim.calls()).toEqual([])
      ecs.destroy()
    }))

  it.scoped("server closes with its scope; a second server gets its own port", () =>
    Effect.gen(function*() {
      const { server } = yield* world()
      const sim2 = yield* Simulator.make()
      const other = yield* startSimServer(sim2)
      expect(other.port).not.toBe(server.port)
      yield* other.close
      yield* other.close
      const down = yield* Effect.promise(() => fetch(`${other.url}/_sim/calls`).then(() => "up", () => "down"))
      expect(down).toBe("down")
    }))
})
