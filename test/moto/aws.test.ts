/**
 * Real-wire tests of the live AWS adapters (src/aws) against moto: the real SDK clients,
 * serialization, paging, credentials and AWS_ENDPOINT_URL handling, over HTTP.
 *
 * moto's ECS does not simulate rollouts: a deployment stays IN_PROGRESS with runningCount 0
 * forever, so rollouts (steady state, circuit breaker, rollback) are left to the project's
 * simulator (src/testing). What moto lacks is noted where it matters:
 * - RegisterTaskDefinition drops `enableFaultInjection` (the rest of a rich definition is kept);
 * - ListTasks ignores `serviceName` (answers every task of the cluster) and never pages;
 * - PutTargets always answers FailedEntryCount 0.
 * Where moto cannot answer, the recording proxy of test/support/moto.ts answers instead.
 */
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr"
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  type TaskDefinition
} from "@aws-sdk/client-ecs"
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand, type Target } from "@aws-sdk/client-eventbridge"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, beforeEach, vi } from "vitest"
import { type AwsClientsOptions, makeAwsClients } from "../../src/aws/AwsClients.js"
import { DefaultRegionLive } from "../../src/aws/DefaultRegionLive.js"
import { AwsLive } from "../../src/aws/index.js"
import { retag, toRegisterInput } from "../../src/domain/TaskDefinitionCopy.js"
import { Ecs } from "../../src/ports/Ecs.js"
import { notOffered } from "../../src/ports/Errors.js"
import { AwsCallError, PutTargetsRejected } from "../../src/ports/Errors.js"
import { Images } from "../../src/ports/Images.js"
import { DefaultRegion } from "../../src/ports/Region.js"
import { ScheduledTasks } from "../../src/ports/ScheduledTasks.js"
import { type Moto, startMoto } from "../support/moto.js"

const ACCOUNT = "123456789012"
const REGION = "us-east-1"
const OTHER_REGION = "eu-west-1"

let moto: Moto
const savedEnv = { ...process.env }

// In place: process.env is special (values coerced to strings), a plain object is not.
const restoreEnv = (snapshot: NodeJS.ProcessEnv) => {
  for (const name of Object.keys(process.env)) {
    if (!(name in snapshot)) delete process.env[name]
  }
  Object.assign(process.env, snapshot)
}

beforeAll(async () => {
  moto = await startMoto()
  // The adapters get everything through the SDK's standard environment, as in production
  // (the SDK's Node-version notice stays off, as npm test sets it).
  for (const name of Object.keys(process.env)) {
    if (name.startsWith("AWS_") && name !== "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED") delete process.env[name]
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: "true"
  })
})

afterAll(async () => {
  restoreEnv(savedEnv)
  await moto?.stop()
})

beforeEach(async () => {
  await moto.reset()
  moto.respondWith(undefined)
  moto.clearCalls()
})

// Setup and inspection go straight to moto, so the proxy records only the adapters' calls.
const setup = (region = REGION) => {
  const config = {
    region,
    endpoint: moto.motoEndpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" }
  }
  return { ecs: new ECSClient(config), events: new EventBridgeClient(config) }
}

const live = (options: AwsClientsOptions = {}) => AwsLive(options)

const callsOf = (operation: string) => moto.calls().filter((c) => c.operation === operation)

const json = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>

const clusterArn = (name: string, region = REGION) => `arn:aws:ecs:${region}:${ACCOUNT}:cluster/${name}`

/** A Fargate task definition using most of what ECS offers. */
const RICH: RegisterTaskDefinitionCommandInput = {
  family: "rich-app",
  taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/app-task`,
  executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
  networkMode: "awsvpc",
  requiresCompatibilities: ["FARGATE"],
  cpu: "1024",
  memory: "2048",
  runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
  ephemeralStorage: { sizeInGiB: 50 },
  pidMode: "task",
  proxyConfiguration: {
    type: "APPMESH",
    containerName: "envoy",
    properties: [
      { name: "IgnoredUID", value: "1337" },
      { name: "ProxyIngressPort", value: "15000" },
      { name: "ProxyEgressPort", value: "15001" },
      { name: "AppPorts", value: "8080" }
    ]
  },
  // moto drops this one (see below); ECS keeps it.
  enableFaultInjection: true,
  volumes: [
    { name: "scratch" },
    {
      name: "shared",
      efsVolumeConfiguration: {
        fileSystemId: "fs-12345678",
        rootDirectory: "/data",
        transitEncryption: "ENABLED",
        authorizationConfig: { accessPointId: "fsap-1234", iam: "ENABLED" }
      }
    }
  ],
  containerDefinitions: [
    {
      name: "app",
      image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/app:1.0.0`,
      essential: true,
      cpu: 768,
      memory: 1536,
      memoryReservation: 1024,
      command: ["serve", "--port", "8080"],
      entryPoint: ["/app/bin"],
      workingDirectory: "/app",
      portMappings: [{ name: "http", containerPort: 8080, hostPort: 8080, protocol: "tcp", appProtocol: "http" }],
      environment: [{ name: "MODE", value: "production" }],
      environmentFiles: [{ value: "arn:aws:s3:::config-bucket/app.env", type: "s3" }],
      secrets: [{ name: "DB_PASSWORD", valueFrom: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-AbCdEf` }],
      repositoryCredentials: { credentialsParameter: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:repo-AbCdEf` },
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": "/ecs/app", "awslogs-region": REGION, "awslogs-stream-prefix": "app" }
      },
      healthCheck: {
        command: ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"],
        interval: 30,
        timeout: 5,
        retries: 3,
        startPeriod: 10
      },
      dependsOn: [{ containerName: "envoy", condition: "HEALTHY" }],
      mountPoints: [{ sourceVolume: "shared", containerPath: "/data", readOnly: false }],
      linuxParameters: { initProcessEnabled: true, capabilities: { add: ["SYS_PTRACE"] } },
      ulimits: [{ name: "nofile", softLimit: 65536, hardLimit: 65536 }],
      systemControls: [{ namespace: "net.core.somaxconn", value: "1024" }],
      restartPolicy: { enabled: true, ignoredExitCodes: [0], restartAttemptPeriod: 60 },
      versionConsistency: "disabled",
      startTimeout: 120,
      stopTimeout: 60,
      readonlyRootFilesystem: true,
      dockerLabels: { team: "platform" }
    },
    {
      name: "envoy",
      image: "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.4.0-prod",
      essential: true,
      cpu: 128,
      memory: 256,
      user: "1337",
      portMappings: [{ name: "envoy-admin", containerPort: 9901, protocol: "tcp" }],
      healthCheck: {
        command: ["CMD-SHELL", "curl -s http://localhost:9901/server_info | grep state | grep -q LIVE"],
        interval: 5,
        timeout: 2,
        retries: 3,
        startPeriod: 10
      },
      mountPoints: [{ sourceVolume: "scratch", containerPath: "/tmp/envoy" }]
    },
    {
      name: "log-router",
      image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0",
      essential: false,
      cpu: 64,
      memoryReservation: 64,
      firelensConfiguration: { type: "fluentbit", options: { "enable-ecs-log-metadata": "true" } },
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-group": "/ecs/firelens", "awslogs-region": REGION, "awslogs-stream-prefix": "firelens" }
      }
    }
  ],
  tags: [{ key: "team", value: "platform" }, { key: "cost-center", value: "42" }]
}

// What identifies a revision rather than describes it.
const withoutIdentity = (td: TaskDefinition): Partial<TaskDefinition> => {
  const { taskDefinitionArn: _arn, revision: _revision, registeredAt: _at, registeredBy: _by, ...rest } = td
  return rest
}

const registerRich = async () => {
  const { ecs } = setup()
  const out = await ecs.send(new RegisterTaskDefinitionCommand(RICH))
  return out.taskDefinition?.taskDefinitionArn ?? ""
}

const createService = async (cluster: string, service: string, taskDefinition: string, region = REGION) => {
  const { ecs } = setup(region)
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }))
  await ecs.send(
    new CreateServiceCommand({ cluster, serviceName: service, taskDefinition, desiredCount: 2, launchType: "FARGATE" })
  )
}

describe("EcsLive against moto", () => {
  it.live("copies a rich Fargate task definition to a new revision that differs only in the image", () =>
    Effect.gen(function*() {
      const oldArn = yield* Effect.promise(registerRich)
      const ecs = yield* Ecs

      // By family: the newest ACTIVE revision, with its tags.
      const described = yield* ecs.describeTaskDefinition(REGION, "rich-app")
      expect(described.taskDefinition.taskDefinitionArn).toBe(oldArn)
      expect(described.tags).toEqual(RICH.tags)
      // moto stores everything of RICH but `enableFaultInjection`, so the round trip below can
      // only vouch for the rest; the copy of unknown/all fields is TaskDefinitionCopy's own test.
      const { enableFaultInjection: _dropped, tags: _tags, ...stored } = RICH
      expect(described.taskDefinition.enableFaultInjection).toBeUndefined()
      expect(described.taskDefinition).toMatchObject(stored)

      const retagged = retag(toRegisterInput(described), "2.0.0", ["app"])
      if (Either.isLeft(retagged)) return yield* Effect.die(retagged.left)
      const newArn = yield* ecs.registerTaskDefinition(REGION, retagged.right.input)
      expect(newArn).toBe(`arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/rich-app:2`)

      // moto's own view of both revisions.
      const { ecs: plain } = setup()
      const [before, after] = yield* Effect.promise(() =>
        Promise.all(
          [oldArn, newArn].map((taskDefinition) =>
            plain.send(new DescribeTaskDefinitionCommand({ taskDefinition, include: ["TAGS"] }))
          )
        )
      )
      const old = before?.taskDefinition
      const next = after?.taskDefinition
      if (old === undefined || next === undefined) return yield* Effect.die("no task definition")
      expect(next.revision).toBe(2)
      expect(after?.tags).toEqual(before?.tags)
      expect(withoutIdentity(next)).toEqual(withoutIdentity({
        ...old,
        containerDefinitions: (old.containerDefinitions ?? []).map((c) =>
          c.name === "app" ? { ...c, image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/app:2.0.0` } : c
        )
      }))
    }).pipe(Effect.provide(live())))

  it.live("describes services, answering a missing name as Missing", () =>
    Effect.gen(function*() {
      const arn = yield* Effect.promise(registerRich)
      yield* Effect.promise(() => createService("prod", "web", arn))
      const ecs = yield* Ecs

      const [web, ghost, byArn] = yield* ecs.describeServices({ region: REGION, cluster: "prod" }, [
        "web",
        "ghost",
        `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/web`
      ])
      expect(web).toMatchObject({
        _tag: "Found",
        name: "web",
        state: {
          serviceName: "web",
          serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/web`,
          clusterArn: clusterArn("prod"),
          status: "ACTIVE",
          taskDefinition: arn,
          desiredCount: 2,
          runningCount: 0,
          recentEvents: []
        }
      })
      expect(web?._tag === "Found" && web.state.deployments).toEqual([
        expect.objectContaining({
          status: "PRIMARY",
          taskDefinition: arn,
          desiredCount: 2,
          runningCount: 0,
          failedTasks: 0,
          rolloutState: "IN_PROGRESS"
        })
      ])
      expect(ghost).toEqual({ _tag: "Missing", name: "ghost", reason: "MISSING" })
      expect(byArn).toMatchObject({ _tag: "Found", state: { serviceName: "web" } })
      expect(callsOf("DescribeServices")).toHaveLength(1)
    }).pipe(Effect.provide(live())))

  it.live("updates a service to a task definition, forcing a new deployment", () =>
    Effect.gen(function*() {
      const oldArn = yield* Effect.promise(registerRich)
      const { ecs: plain } = setup()
      const second = yield* Effect.promise(() => plain.send(new RegisterTaskDefinitionCommand(RICH)))
      const newArn = second.taskDefinition?.taskDefinitionArn ?? ""
      yield* Effect.promise(() => createService("prod", "web", oldArn))

      yield* (yield* Ecs).updateService({ region: REGION, cluster: "prod", service: "web" }, newArn)

      const after = yield* Effect.promise(() =>
        plain.send(new DescribeServicesCommand({ cluster: "prod", services: ["web"] }))
      )
      expect(after.services?.[0]?.taskDefinition).toBe(newArn)
      const [update] = callsOf("UpdateService")
      expect(json(update?.body ?? "{}")).toEqual({
        cluster: "prod",
        service: "web",
        taskDefinition: newArn,
        forceNewDeployment: true
      })
    }).pipe(Effect.provide(live())))

  it.live("lists no tasks and describes none without calling DescribeTasks", () =>
    Effect.gen(function*() {
      const arn = yield* Effect.promise(registerRich)
      yield* Effect.promise(() => createService("quiet", "web", arn))
      const ecs = yield* Ecs

      const tasks = yield* ecs.listTasks({ region: REGION, cluster: "quiet", service: "web" })
      expect(tasks).toEqual([])
      expect(yield* ecs.describeTasks({ region: REGION, cluster: "quiet" }, tasks)).toEqual([])
      expect(callsOf("ListTasks")).toHaveLength(1)
      expect(callsOf("DescribeTasks")).toHaveLength(0)
    }).pipe(Effect.provide(live())))

  it.live("describes 105 tasks in chunks of 100", () =>
    Effect.gen(function*() {
      const { ecs: plain } = setup()
      yield* Effect.promise(async () => {
        await plain.send(new CreateClusterCommand({ clusterName: "busy" }))
        // Bridge mode: moto runs it without the subnets awsvpc would need.
        await plain.send(
          new RegisterTaskDefinitionCommand({
            family: "job",
            containerDefinitions: [{ name: "a", image: "busybox", memory: 64 }]
          })
        )
        for (let i = 0; i < 11; i++) {
          const count = i < 10 ? 10 : 5
          await plain.send(new RunTaskCommand({ cluster: "busy", taskDefinition: "job", launchType: "FARGATE", count }))
        }
      })
      const ecs = yield* Ecs
      // moto's ListTasks ignores serviceName: these are all tasks of the cluster.
      const arns = yield* ecs.listTasks({ region: REGION, cluster: "busy", service: "any" })
      expect(arns).toHaveLength(105)

      const tasks = yield* ecs.describeTasks({ region: REGION, cluster: "busy" }, arns)
      expect(tasks.map((t) => t.taskArn).sort()).toEqual([...arns].sort())
      expect(tasks[0]).toMatchObject({
        taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/job:1`,
        lastStatus: expect.any(String)
      })
      expect(callsOf("DescribeTasks").map((c) => (json(c.body)["tasks"] as Array<string>).length)).toEqual([100, 5])
    }).pipe(Effect.provide(live())))

  it.live("follows every ListTasks page (pages scripted: moto never pages)", () =>
    Effect.gen(function*() {
      const task = (id: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/${id}`
      moto.respondWith((call) => {
        if (call.operation !== "ListTasks") return undefined
        const token = json(call.body)["nextToken"]
        return token === undefined
          ? { status: 200, body: JSON.stringify({ taskArns: [task("a"), task("b")], nextToken: "page-2" }) }
          : token === "page-2"
          ? { status: 200, body: JSON.stringify({ taskArns: [task("c")], nextToken: "page-3" }) }
          : { status: 200, body: JSON.stringify({ taskArns: [task("d")] }) }
      })
      const tasks = yield* (yield* Ecs).listTasks({ region: REGION, cluster: "prod", service: "web" })
      expect(tasks).toEqual([task("a"), task("b"), task("c"), task("d")])
      expect(callsOf("ListTasks").map((c) => json(c.body))).toEqual([
        { cluster: "prod", serviceName: "web", desiredStatus: "RUNNING" },
        { cluster: "prod", serviceName: "web", desiredStatus: "RUNNING", nextToken: "page-2" },
        { cluster: "prod", serviceName: "web", desiredStatus: "RUNNING", nextToken: "page-3" }
      ])
    }).pipe(Effect.provide(live())))

  it.live("maps an SDK exception to AwsCallError, without credentials", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit((yield* Ecs).describeTaskDefinition(REGION, "no-such-family"))
      expect(exit).toEqual(Exit.fail(expect.any(AwsCallError)))
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        const error = exit.cause.error
        expect(error).toMatchObject({ operation: "DescribeTaskDefinition", region: REGION, code: "ClientException" })
        expect(error.message).not.toMatch(/testing/)
      }
    }).pipe(Effect.provide(live())))

  it.live("retries a failing call beyond the SDK's default 3 attempts", () =>
    Effect.gen(function*() {
      yield* Effect.promise(() => setup().ecs.send(new CreateClusterCommand({ clusterName: "default" })))
      let failures = 0
      moto.respondWith((call) => {
        if (call.operation !== "DescribeServices" || failures >= 3) return undefined
        failures++
        return { status: 500, body: JSON.stringify({ __type: "ServerException", message: "try later" }) }
      })
      const [lookup] = yield* (yield* Ecs).describeServices({ region: REGION, cluster: "default" }, ["web"])
      expect(lookup?._tag).toBe("Missing")
      expect(callsOf("DescribeServices")).toHaveLength(4)
    }).pipe(Effect.provide(live())))

  it.live("moto does not offer the service deployments API: its answer reads as not offered (gehen falls back)", () =>
    Effect.gen(function*() {
      // moto answers 500: one attempt each, not eight.
      vi.stubEnv("AWS_MAX_ATTEMPTS", "1")
      yield* Effect.addFinalizer(() => Effect.sync(() => vi.unstubAllEnvs()))
      const ecs = yield* Ecs
      const listed = yield* Effect.flip(ecs.listServiceDeployments({ region: REGION, cluster: "prod", service: "web" }))
      const described = yield* Effect.flip(
        ecs.describeServiceDeployments(REGION, [`arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/prod/web/x`])
      )
      expect(notOffered(listed)).toBe(true)
      expect(notOffered(described)).toBe(true)
    }).pipe(Effect.provide(live()), Effect.scoped))

  it.live("aborts the HTTP request when the call is interrupted", () =>
    Effect.gen(function*() {
      moto.respondWith((call) => (call.operation === "DescribeServices" ? "hang" : undefined))
      const result = yield* (yield* Ecs).describeServices({ region: REGION, cluster: "prod" }, ["web"]).pipe(
        Effect.timeout("300 millis"),
        Effect.either
      )
      expect(Either.isLeft(result)).toBe(true)
      yield* Effect.promise(async () => {
        for (let i = 0; i < 50 && moto.abortedHangs() === 0; i++) await new Promise((r) => setTimeout(r, 20))
      })
      expect(moto.abortedHangs()).toBe(1)
    }).pipe(Effect.provide(live())))
})

describe("ScheduledTasksLive against moto", () => {
  const ruleTarget = (taskDefinitionArn: string): Target => ({
    Id: "nightly-report",
    Arn: clusterArn("prod"),
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsEventsRole`,
    Input: JSON.stringify({ containerOverrides: [{ name: "app", command: ["report", "--nightly"] }] }),
    RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
    DeadLetterConfig: { Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:nightly-dlq` },
    EcsParameters: {
      TaskDefinitionArn: taskDefinitionArn,
      TaskCount: 2,
      LaunchType: "FARGATE",
      PlatformVersion: "LATEST",
      NetworkConfiguration: {
        awsvpcConfiguration: { Subnets: ["subnet-1", "subnet-2"], SecurityGroups: ["sg-1"], AssignPublicIp: "DISABLED" }
      },
      Group: "nightly",
      EnableECSManagedTags: true,
      EnableExecuteCommand: false,
      PropagateTags: "TASK_DEFINITION",
      ReferenceId: "ref-1",
      Tags: [{ Key: "job", Value: "report" }]
    }
  })

  it.live("reads a rule's target and puts it back with a new task definition, all else preserved", () =>
    Effect.gen(function*() {
      const oldArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/report:1`
      const newArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/report:2`
      const { events } = setup()
      yield* Effect.promise(async () => {
        await events.send(new PutRuleCommand({ Name: "nightly", ScheduleExpression: "cron(0 3 * * ? *)" }))
        await events.send(new PutTargetsCommand({ Rule: "nightly", Targets: [ruleTarget(oldArn)] }))
      })
      const scheduled = yield* ScheduledTasks

      const [target] = yield* scheduled.targetsOf({ region: REGION, rule: "nightly" })
      expect(target).toEqual(ruleTarget(oldArn))
      if (target?.EcsParameters === undefined) return yield* Effect.die("no EcsParameters")

      yield* scheduled.putTarget({ region: REGION, rule: "nightly" }, {
        ...target,
        EcsParameters: { ...target.EcsParameters, TaskDefinitionArn: newArn }
      })
      expect(yield* scheduled.targetsOf({ region: REGION, rule: "nightly" })).toEqual([ruleTarget(newArn)])
    }).pipe(Effect.provide(live())))

  it.live("follows every ListTargetsByRule page", () =>
    Effect.gen(function*() {
      const { events } = setup()
      // moto pages at 50 targets (EventBridge itself allows only 5 per rule).
      yield* Effect.promise(async () => {
        await events.send(new PutRuleCommand({ Name: "fan-out", ScheduleExpression: "rate(1 hour)" }))
        for (let batch = 0; batch < 6; batch++) {
          const targets = Array.from({ length: batch < 5 ? 10 : 3 }, (_, i) => ({
            Id: `t${batch * 10 + i}`,
            Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:queue-${batch * 10 + i}`
          }))
          await events.send(new PutTargetsCommand({ Rule: "fan-out", Targets: targets }))
        }
      })
      const targets = yield* (yield* ScheduledTasks).targetsOf({ region: REGION, rule: "fan-out" })
      expect(targets.map((t) => t.Id)).toEqual(Array.from({ length: 53 }, (_, i) => `t${i}`))
      expect(callsOf("ListTargetsByRule")).toHaveLength(2)
    }).pipe(Effect.provide(live())))

  it.live("answers a rejected target as PutTargetsRejected (answer scripted: moto never rejects)", () =>
    Effect.gen(function*() {
      moto.respondWith((call) =>
        call.operation === "PutTargets"
          ? {
            status: 200,
            body: JSON.stringify({
              FailedEntryCount: 1,
              FailedEntries: [{
                TargetId: "nightly-report",
                ErrorCode: "ConcurrentModificationException",
                ErrorMessage: "try again"
              }]
            })
          }
          : undefined
      )
      const error = yield* (yield* ScheduledTasks).putTarget({ region: REGION, rule: "nightly" }, ruleTarget("arn:x"))
        .pipe(Effect.flip)
      expect(error).toEqual(
        new PutTargetsRejected({
          rule: "nightly",
          region: REGION,
          failures: [{ targetId: "nightly-report", code: "ConcurrentModificationException", message: "try again" }]
        })
      )
    }).pipe(Effect.provide(live())))

  it.live("a missing rule is an AwsCallError", () =>
    Effect.gen(function*() {
      const error = yield* (yield* ScheduledTasks).targetsOf({ region: REGION, rule: "no-such-rule" }).pipe(Effect.flip)
      expect(error).toMatchObject({
        _tag: "AwsCallError",
        operation: "ListTargetsByRule",
        code: "ResourceNotFoundException"
      })
    }).pipe(Effect.provide(live())))
})

describe("AwsClients", () => {
  it.live("keeps one client per service and region, and destroys them with its scope", () =>
    Effect.gen(function*() {
      const { first, again, other, events } = yield* Effect.scoped(
        Effect.gen(function*() {
          const clients = yield* makeAwsClients()
          const first = yield* clients.ecs(REGION)
          const [again, other, events] = yield* Effect.all([
            clients.ecs(REGION),
            clients.ecs(OTHER_REGION),
            clients.eventBridge(REGION)
          ])
          for (const client of [first, other, events]) vi.spyOn(client, "destroy")
          expect(yield* Effect.promise(() => other.config.region())).toBe(OTHER_REGION)
          expect(first.destroy).not.toHaveBeenCalled()
          return { first, again, other, events }
        })
      )
      expect(again).toBe(first)
      expect(other).not.toBe(first)
      for (const client of [first, other, events]) expect(client.destroy).toHaveBeenCalledOnce()
    }))
})

describe("AwsLive with a role", () => {
  it.live("assumes the role once for every client of every region, and signs with it", () =>
    Effect.gen(function*() {
      const arn = yield* Effect.promise(registerRich)
      yield* Effect.promise(() => createService("prod", "web", arn))
      yield* Effect.promise(async () => {
        const registered = await setup(OTHER_REGION).ecs.send(
          new RegisterTaskDefinitionCommand({
            family: "job",
            containerDefinitions: [{ name: "a", image: "busybox", memory: 64 }]
          })
        )
        await createService("prod-eu", "web", registered.taskDefinition?.taskDefinitionArn ?? "", OTHER_REGION)
      })
      yield* Effect.promise(() =>
        setup().events.send(new PutRuleCommand({ Name: "nightly", ScheduleExpression: "rate(1 day)" }))
      )
      const ecs = yield* Ecs
      const scheduled = yield* ScheduledTasks

      // Concurrently, so the first calls of all clients race for credentials.
      const round = Effect.all([
        ecs.describeServices({ region: REGION, cluster: "prod" }, ["web"]),
        ecs.describeServices({ region: OTHER_REGION, cluster: "prod-eu" }, ["web"]),
        ecs.describeTaskDefinition(REGION, "rich-app"),
        scheduled.targetsOf({ region: REGION, rule: "nightly" }),
        ecs.listTasks({ region: OTHER_REGION, cluster: "prod-eu", service: "web" })
      ], { concurrency: "unbounded" })
      const [us, eu] = yield* round
      yield* round
      expect(us?.[0]?._tag).toBe("Found")
      expect(eu?.[0]?._tag).toBe("Found")

      // STS is reached through AWS_ENDPOINT_URL too: the AssumeRole went to the proxy.
      const assumes = callsOf("AssumeRole")
      expect(assumes).toHaveLength(1)
      const params = new URLSearchParams(assumes[0]?.body)
      expect(params.get("RoleArn")).toBe(`arn:aws:iam::${ACCOUNT}:role/deployer`)
      expect(params.get("RoleSessionName")).toBe("gehen-test")
      expect(assumes[0]?.accessKeyId).toBe("testing")

      const work = moto.calls().filter((c) => c.service !== "sts")
      expect(work).toHaveLength(10)
      expect(new Set(work.map((c) => c.region))).toEqual(new Set([REGION, OTHER_REGION]))
      const keys = new Set(work.map((c) => c.accessKeyId))
      expect(keys.size).toBe(1)
      expect([...keys][0]).not.toBe("testing")
    }).pipe(Effect.provide(live({ roleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`, sessionName: "gehen-test" }))))
})

describe("DefaultRegionLive", () => {
  const withEnv = <A, E>(env: Record<string, string | undefined>, effect: Effect.Effect<A, E>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        const before = { ...process.env }
        for (const [name, value] of Object.entries(env)) {
          if (value === undefined) delete process.env[name]
          else process.env[name] = value
        }
        return before
      }),
      () => effect,
      (before) => Effect.sync(() => restoreEnv(before))
    )

  const regionOf = Effect.flatMap(DefaultRegion, (r) => r.get).pipe(Effect.provide(DefaultRegionLive))

  it.live("reads AWS_REGION, then AWS_DEFAULT_REGION, then the profile; none is MissingRegion", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(path.join(tmpdir(), "gehen-region-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const config = path.join(dir, "config")
      writeFileSync(config, "[default]\nregion = ap-south-1\n[profile other]\nregion = sa-east-1\n")
      const files = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "credentials") }

      expect(yield* withEnv({ ...files, AWS_REGION: "eu-central-1", AWS_DEFAULT_REGION: "us-west-2" }, regionOf)).toBe(
        "eu-central-1"
      )
      expect(yield* withEnv({ ...files, AWS_REGION: undefined, AWS_DEFAULT_REGION: "us-west-2" }, regionOf)).toBe(
        "us-west-2"
      )
      expect(yield* withEnv({ ...files, AWS_REGION: undefined, AWS_PROFILE: "other" }, regionOf)).toBe("sa-east-1")

      const empty = path.join(dir, "empty")
      writeFileSync(empty, "")
      const missing = yield* withEnv(
        { AWS_CONFIG_FILE: empty, AWS_SHARED_CREDENTIALS_FILE: empty, AWS_REGION: undefined, AWS_PROFILE: undefined },
        regionOf.pipe(Effect.flip)
      )
      expect(missing._tag).toBe("MissingRegion")
    }).pipe(Effect.scoped))
})

describe("ImagesLive against moto", () => {
  it.live("asks ECR with BatchGetImage: an image present, one never pushed, one whose repository does not exist", () =>
    Effect.gen(function*() {
      const ecr = new ECRClient({
        region: REGION,
        endpoint: moto.motoEndpoint,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" }
      })
      yield* Effect.promise(() => ecr.send(new CreateRepositoryCommand({ repositoryName: "api" })))
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: {
          mediaType: "application/vnd.docker.container.image.v1+json",
          size: 7023,
          digest: `sha256:${"a".repeat(64)}`
        },
        layers: []
      })
      yield* Effect.promise(() =>
        ecr.send(new PutImageCommand({ repositoryName: "api", imageManifest: manifest, imageTag: "1.0.0" }))
      )
      const registry = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`
      const present = `${registry}/api:1.0.0`
      const neverPushed = `${registry}/api:2.0.0`
      const noRepository = `${registry}/nope:1.0.0`
      const checked = yield* (yield* Images).check([present, neverPushed, noRepository, "nginx:1.27"])
      expect(checked.get(present)).toEqual({ _tag: "Found" })
      expect(checked.get(neverPushed)).toMatchObject({
        _tag: "Missing",
        reason: expect.stringMatching(/ImageNotFound/)
      })
      expect(checked.get(noRepository)).toMatchObject({
        _tag: "Missing",
        reason: `repository nope not found in ${ACCOUNT} (${REGION})`
      })
      expect(checked.get("nginx:1.27")).toMatchObject({ _tag: "NotChecked" })
      // One call per repository.
      expect(callsOf("BatchGetImage")).toHaveLength(2)
    }).pipe(Effect.provide(live())))
})
