import type { TaskDefinition } from "@aws-sdk/client-ecs"
import type { Target } from "@aws-sdk/client-eventbridge"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { formatStatus } from "../../src/cli/StatusFormat.js"
import { makeStyle } from "../../src/cli/Style.js"
import type { GehenConfig } from "../../src/config/Config.js"
import { Ecs, type ServiceState, type TaskState } from "../../src/ports/Ecs.js"
import { AwsCallError, MissingRegion } from "../../src/ports/Errors.js"
import { DefaultRegion } from "../../src/ports/Region.js"
import { ScheduledTasks } from "../../src/ports/ScheduledTasks.js"
import { status, StatusReport } from "../../src/status/Status.js"
import { rule, svc } from "../support/world.js"

// A tiny in-memory AWS: just what `status` reads.
const ACCOUNT = "123456789012"
const tdArn = (region: string, family: string, rev: number) =>
  `arn:aws:ecs:${region}:${ACCOUNT}:task-definition/${family}:${rev}`
const taskDef = (arn: string, images: Record<string, string>): TaskDefinition => ({
  taskDefinitionArn: arn,
  containerDefinitions: Object.entries(images).map(([name, image]) => ({ name, image }))
})

interface World {
  readonly services: Record<string, ServiceState>
  readonly taskDefinitions: Record<string, TaskDefinition>
  readonly tasks: Record<string, ReadonlyArray<TaskState>>
  readonly rules: Record<string, ReadonlyArray<Target>>
  readonly calls: Array<string>
}

const awsError = (operation: string, region: string, code: string) =>
  new AwsCallError({ operation, region, code, detail: "simulated" })

const layers = (world: World, region: string | null = "us-east-1") =>
  Layer.mergeAll(
    Layer.succeed(Ecs, {
      describeServices: (cluster, names) =>
        Effect.sync(() => {
          world.calls.push(`describeServices ${cluster.region} ${cluster.cluster}`)
          return names.map((name) => {
            const state = world.services[`${cluster.region}/${cluster.cluster}/${name}`]
            return state === undefined
              ? { _tag: "Missing" as const, name, reason: "MISSING" }
              : { _tag: "Found" as const, name, state }
          })
        }),
      describeTaskDefinition: (r, ref) =>
        Effect.suspend(() => {
          world.calls.push(`describeTaskDefinition ${ref}`)
          const td = world.taskDefinitions[ref]
          return td === undefined
            ? Effect.fail(awsError("DescribeTaskDefinition", r, "ClientException"))
            : Effect.succeed({ taskDefinition: td, tags: [] })
        }),
      registerTaskDefinition: () => Effect.die("status must not register"),
      updateService: () => Effect.die("status must not update"),
      listTasks: (ref) =>
        Effect.sync(() => (world.tasks[`${ref.region}/${ref.cluster}/${ref.service}`] ?? []).map((t) => t.taskArn)),
      describeTasks: (_cluster, arns) =>
        Effect.sync(() => {
          world.calls.push(`describeTasks ${arns.length}`)
          return Object.values(world.tasks).flat().filter((t) => arns.includes(t.taskArn))
        })
    }),
    Layer.succeed(ScheduledTasks, {
      targetsOf: ({ region: r, rule }) =>
        Effect.suspend(() => {
          if (rule === "forbidden") return Effect.fail(awsError("ListTargetsByRule", r, "AccessDeniedException"))
          const targets = world.rules[rule]
          return targets === undefined
            ? Effect.fail(awsError("ListTargetsByRule", r, "ResourceNotFoundException"))
            : Effect.succeed(targets)
        }),
      putTarget: () => Effect.die("status must not put targets")
    }),
    Layer.succeed(DefaultRegion, {
      get: region === null ? Effect.fail(new MissingRegion({ reason: "AWS_REGION is not set" })) : Effect.succeed(region)
    })
  )

const config = (over: Partial<GehenConfig>): GehenConfig => ({
  path: "gehen.yml",
  services: [],
  scheduledTasks: [],
  timeoutMinutes: 5,
  checkIntervalSeconds: 15,
  updateStrategy: "current",
  concurrency: 10,
  ...over
})

const east = (family: string, rev: number) => tdArn("us-east-1", family, rev)
const westCluster = `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/west`

const deployment = (id: string, status: string, taskDefinition: string, running: number, desired: number) => ({
  id,
  status,
  taskDefinition,
  desiredCount: desired,
  runningCount: running,
  pendingCount: 0,
  failedTasks: 0,
  rolloutState: status === "PRIMARY" ? "IN_PROGRESS" : "COMPLETED"
})

const service = (name: string, clusterArn: string, deployments: ServiceState["deployments"]): ServiceState => ({
  serviceName: name,
  serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/${name}`,
  deploymentController: "ECS",
  clusterArn,
  status: "ACTIVE",
  taskDefinition: deployments[0]?.taskDefinition ?? "",
  desiredCount: deployments[0]?.desiredCount ?? 0,
  runningCount: deployments.reduce((n, d) => n + d.runningCount, 0),
  pendingCount: 0,
  deployments,
  recentEvents: []
})

const makeWorld = (): World => ({
  calls: [],
  services: {
    "us-east-1/prod/api": service("api", "arn:aws:ecs:us-east-1:1:cluster/prod", [
      deployment("ecs-svc/2", "PRIMARY", east("api", 5), 2, 3),
      deployment("ecs-svc/1", "ACTIVE", east("api", 4), 1, 0)
    ]),
    [`eu-west-1/${westCluster}/web`]: service("web", westCluster, [
      { ...deployment("ecs-svc/9", "PRIMARY", tdArn("eu-west-1", "web", 9), 2, 2), rolloutState: "COMPLETED" }
    ]),
    "us-east-1/prod/idle": service("idle", "arn:aws:ecs:us-east-1:1:cluster/prod", [
      { ...deployment("ecs-svc/3", "PRIMARY", east("api", 5), 0, 0), rolloutState: "COMPLETED" }
    ])
  },
  taskDefinitions: {
    [east("api", 5)]: taskDef(east("api", 5), { app: "repo/api:def5678", datadog: "datadog/agent:7" }),
    [east("api", 4)]: taskDef(east("api", 4), { app: "repo/api:abc1234", datadog: "datadog/agent:7" }),
    [tdArn("eu-west-1", "web", 9)]: taskDef(tdArn("eu-west-1", "web", 9), { web: "repo/web@sha256:" + "a".repeat(64) }),
    [east("nightly", 4)]: taskDef(east("nightly", 4), { job: "repo/job:def5678" })
  },
  tasks: {
    "us-east-1/prod/api": [
      { taskArn: "arn:aws:ecs:us-east-1:1:task/prod/t1", taskDefinitionArn: east("api", 5), lastStatus: "RUNNING", healthStatus: "HEALTHY" },
      { taskArn: "arn:aws:ecs:us-east-1:1:task/prod/t2", taskDefinitionArn: east("api", 5), lastStatus: "RUNNING", healthStatus: "UNHEALTHY" },
      { taskArn: "arn:aws:ecs:us-east-1:1:task/prod/t3", taskDefinitionArn: east("api", 4), lastStatus: "RUNNING", healthStatus: "UNKNOWN" }
    ]
  },
  rules: {
    nightly: [{ Id: "1", Arn: "arn:aws:ecs:us-east-1:1:cluster/prod", EcsParameters: { TaskDefinitionArn: east("nightly", 4) } }],
    twice: [{ Id: "1", Arn: "a" }, { Id: "2", Arn: "b" }],
    lambda: [{ Id: "fn", Arn: "arn:aws:lambda:us-east-1:1:function:f" }]
  }
})

const fullConfig = config({
  services: [
    svc("api", "prod", { containers: ["app"] }),
    svc("web", westCluster),
    svc("idle", "prod"),
    svc("gone", "prod")
  ],
  scheduledTasks: [rule("nightly"), rule("twice"), rule("lambda"), rule("nowhere")]
})

describe("status", () => {
  it.effect("reads tags, deployments and unhealthy tasks; reports what is missing", () =>
    Effect.gen(function*() {
      const world = makeWorld()
      const report = yield* status(fullConfig).pipe(Effect.provide(layers(world)))
      const [api, web, idle, gone] = report.services
      expect(api).toMatchObject({
        state: "found",
        name: "api",
        cluster: "prod",
        region: "us-east-1",
        // datadog's tag is not gehen's: only the configured container counts.
        tags: ["def5678", "abc1234"],
        taskCount: 3,
        unhealthyTasks: [{ taskArn: "arn:aws:ecs:us-east-1:1:task/prod/t2", taskDefinition: east("api", 5), lastStatus: "RUNNING" }]
      })
      expect(api?.state === "found" && api.deployments.map((d) => [d.status, d.runningCount, d.tags])).toStrictEqual([
        ["PRIMARY", 2, ["def5678"]],
        ["ACTIVE", 1, ["abc1234"]]
      ])
      // The region comes from the cluster ARN; a digest-only image has no tag.
      expect(web).toMatchObject({ state: "found", cluster: "west", region: "eu-west-1", tags: [], taskCount: 0 })
      // A deployment with no running task runs nothing now.
      expect(idle).toMatchObject({ state: "found", tags: [] })
      expect(gone).toStrictEqual({ state: "missing", name: "gone", cluster: "prod", region: "us-east-1", reason: "MISSING" })
      expect(report.scheduledTasks).toStrictEqual([
        {
          state: "found",
          rule: "nightly",
          region: "us-east-1",
          taskDefinition: east("nightly", 4),
          images: [{ container: "job", image: "repo/job:def5678", tag: "def5678" }],
          tags: ["def5678"]
        },
        { state: "problem", rule: "twice", region: "us-east-1", problem: "expected exactly one target on the rule, found 2" },
        {
          state: "problem",
          rule: "lambda",
          region: "us-east-1",
          problem: "its target fn (arn:aws:lambda:us-east-1:1:function:f) is not an ECS task"
        },
        { state: "problem", rule: "nowhere", region: "us-east-1", problem: "rule not found in us-east-1" }
      ])
      // Each task definition is described once; DescribeTasks only where there are tasks.
      expect(world.calls.filter((c) => c === `describeTaskDefinition ${east("api", 5)}`)).toHaveLength(1)
      expect(world.calls.filter((c) => c.startsWith("describeTasks"))).toStrictEqual(["describeTasks 3"])
    }))

  it.effect("round-trips through JSON and the schema", () =>
    Effect.gen(function*() {
      const report = yield* status(fullConfig).pipe(Effect.provide(layers(makeWorld())))
      const decoded = yield* Schema.decodeUnknown(StatusReport)(JSON.parse(JSON.stringify(report)))
      expect(decoded).toStrictEqual(report)
      expect(decoded.schemaVersion).toBe(1)
    }))

  it.effect("fails with StatusError on an AWS error other than not-found", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        status(config({ scheduledTasks: [rule("forbidden")] })).pipe(Effect.provide(layers(makeWorld())))
      )
      expect(error._tag).toBe("StatusError")
      expect(error.message).toBe("scheduled task forbidden: ListTargetsByRule failed in us-east-1: AccessDeniedException: simulated")
    }))

  it.effect("needs a region only for names without one", () =>
    Effect.gen(function*() {
      const world = makeWorld()
      const ok = yield* status(config({ services: [svc("web", westCluster)] })).pipe(
        Effect.provide(layers(world, null))
      )
      expect(ok.services[0]?.state).toBe("found")
      const error = yield* Effect.flip(
        status(config({ services: [svc("api", "prod")] })).pipe(Effect.provide(layers(world, null)))
      )
      expect(error._tag).toBe("MissingRegion")
    }))
})

describe("formatStatus", () => {
  it.effect("prints a block per target", () =>
    Effect.gen(function*() {
      const report = yield* status(fullConfig).pipe(Effect.provide(layers(makeWorld())))
      expect(formatStatus(makeStyle(false), { ...report, at: "2024-01-02T12:00:00.000Z" })).toBe([
        "gehen status at 2024-01-02T12:00:00.000Z",
        "  scheduled task nightly (us-east-1): runs nightly:4, def5678",
        "  scheduled task twice (us-east-1): PROBLEM: expected exactly one target on the rule, found 2",
        "  scheduled task lambda (us-east-1): PROBLEM: its target fn (arn:aws:lambda:us-east-1:1:function:f) is not an ECS task",
        "  scheduled task nowhere (us-east-1): PROBLEM: rule not found in us-east-1",
        "  service api (cluster prod, us-east-1): 1 unhealthy, 3/3 running, runs def5678, abc1234",
        "    PRIMARY api:5: 2/3 running, IN_PROGRESS; def5678",
        "    ACTIVE  api:4: 1/0 running, COMPLETED; abc1234",
        "    UNHEALTHY task t2 (api:5, RUNNING)",
        "  service web (cluster west, eu-west-1): steady, 2/2 running, runs no tag",
        "    PRIMARY web:9: 2/2 running, COMPLETED; no tag",
        "  service idle (cluster prod, us-east-1): steady, 0/0 running, runs no tag",
        "    PRIMARY api:5: 0/0 running, COMPLETED; def5678, 7",
        "  service gone (cluster prod, us-east-1): MISSING: MISSING"
      ].join("\n"))
    }))
})
