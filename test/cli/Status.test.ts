import type { TaskDefinition } from "@aws-sdk/client-ecs"
import type { Target } from "@aws-sdk/client-eventbridge"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Schema } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runCli } from "../../src/cli/Cli.js"
import { CliEnvironment } from "../../src/cli/Environment.js"
import { formatStatus } from "../../src/cli/StatusFormat.js"
import { makeStyle } from "../../src/cli/Style.js"
import type { GehenConfig } from "../../src/config/Config.js"
import { Ecs, type ServiceState, type TaskState } from "../../src/ports/Ecs.js"
import { AwsCallError, MissingRegion } from "../../src/ports/Errors.js"
import { DefaultRegion } from "../../src/ports/Region.js"
import { ScheduledTasks } from "../../src/ports/ScheduledTasks.js"
import { VersionProbe } from "../../src/ports/VersionProbe.js"
import { status, StatusReport, unreadTargets } from "../../src/status/Status.js"
import { Simulator, type SimulatorApi } from "../../src/testing/index.js"
import { makeCapture } from "../support/capture.js"
import { cli } from "../support/inProcess.js"
import { behaviours, OLD, rule, runWithClock, seedWorld, svc } from "../support/world.js"

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
        Effect.suspend(() => {
          world.calls.push(`describeServices ${cluster.region} ${cluster.cluster}`)
          if (cluster.cluster === "nope") {
            return Effect.fail(awsError("DescribeServices", cluster.region, "ClusterNotFoundException"))
          }
          if (cluster.cluster === "vault") {
            return Effect.fail(awsError("DescribeServices", cluster.region, "AccessDeniedException"))
          }
          return Effect.succeed(names.map((name) => {
            const state = world.services[`${cluster.region}/${cluster.cluster}/${name}`]
            return state === undefined
              ? { _tag: "Missing" as const, name, reason: "MISSING" }
              : { _tag: "Found" as const, name, state }
          }))
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
      tagTaskDefinition: () => Effect.die("status must not tag"),
      deregisterTaskDefinition: () => Effect.die("status must not deregister"),
      listTaskDefinitions: () => Effect.die("status lists no revisions"),
      describeServiceRevisions: () => Effect.die("status reads no service revisions"),
      updateService: () => Effect.die("status must not update"),
      // An endpoint without the service deployments API, like moto.
      listServiceDeployments: (ref) =>
        Effect.fail(awsError("ListServiceDeployments", ref.region, "UnknownOperationException")),
      describeServiceDeployments: (r) =>
        Effect.fail(awsError("DescribeServiceDeployments", r, "UnknownOperationException")),
      stopServiceDeployment: () => Effect.die("status must not stop deployments"),
      continueServiceDeployment: () => Effect.die("status must not continue deployments"),
      listTasks: (ref) =>
        Effect.sync(() => {
          world.calls.push(`listTasks ${ref.service}`)
          return (world.tasks[`${ref.region}/${ref.cluster}/${ref.service}`] ?? []).map((t) => t.taskArn)
        }),
      listTasksPage: () => Effect.die("status lists every task"),
      describeTasks: (_cluster, arns) =>
        Effect.sync(() => {
          world.calls.push(`describeTasks ${arns.length}`)
          return Object.values(world.tasks).flat().filter((t) => arns.includes(t.taskArn))
        })
    }),
    Layer.succeed(ScheduledTasks, {
      targetsOf: ({ region: r, rule }) =>
        Effect.suspend(() => {
          world.calls.push(`targetsOf ${rule}`)
          if (rule === "forbidden") return Effect.fail(awsError("ListTargetsByRule", r, "AccessDeniedException"))
          const targets = world.rules[rule]
          return targets === undefined
            ? Effect.fail(awsError("ListTargetsByRule", r, "ResourceNotFoundException"))
            : Effect.succeed(targets)
        }),
      putTarget: () => Effect.die("status must not put targets")
    }),
    Layer.succeed(DefaultRegion, {
      get: region === null
        ? Effect.fail(new MissingRegion({ reason: "AWS_REGION is not set" }))
        : Effect.succeed(region)
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
      {
        taskArn: "arn:aws:ecs:us-east-1:1:task/prod/t1",
        taskDefinitionArn: east("api", 5),
        lastStatus: "RUNNING",
        healthStatus: "HEALTHY"
      },
      {
        taskArn: "arn:aws:ecs:us-east-1:1:task/prod/t2",
        taskDefinitionArn: east("api", 5),
        lastStatus: "RUNNING",
        healthStatus: "UNHEALTHY"
      },
      {
        taskArn: "arn:aws:ecs:us-east-1:1:task/prod/t3",
        taskDefinitionArn: east("api", 4),
        lastStatus: "RUNNING",
        healthStatus: "UNKNOWN"
      }
    ]
  },
  rules: {
    nightly: [{
      Id: "1",
      Arn: "arn:aws:ecs:us-east-1:1:cluster/prod",
      EcsParameters: { TaskDefinitionArn: east("nightly", 4) }
    }],
    twice: [{ Id: "1", Arn: "a" }, { Id: "2", Arn: "b" }],
    lambda: [{ Id: "fn", Arn: "arn:aws:lambda:us-east-1:1:function:f" }]
  }
})

const fullConfig = config({
  services: [
    svc("api", "prod", { containers: ["app"] }),
    svc("web", westCluster),
    svc("idle", "prod"),
    svc("gone", "prod"),
    svc("api", "nope", { key: "api-nope" }),
    svc("locked", "vault")
  ],
  scheduledTasks: [rule("nightly"), rule("twice"), rule("forbidden"), rule("lambda"), rule("nowhere")]
})

describe("status", () => {
  it.effect("reads every target: tags, deployments and unhealthy tasks; what is missing or unreadable is its own entry", () =>
    Effect.gen(function*() {
      const world = makeWorld()
      const report = yield* status(fullConfig).pipe(Effect.provide(layers(world)))
      expect(report.schemaVersion).toBe(2)
      const [api, web, idle, gone, nope, locked] = report.services
      expect(api).toMatchObject({
        kind: "service",
        state: "found",
        name: "api",
        cluster: "prod",
        region: "us-east-1",
        // datadog's tag is not gehen's: only the configured container counts.
        tags: ["def5678", "abc1234"],
        taskCount: 3,
        unhealthyTasks: [{
          taskArn: "arn:aws:ecs:us-east-1:1:task/prod/t2",
          taskDefinition: east("api", 5),
          lastStatus: "RUNNING"
        }]
      })
      expect(api?.state === "found" && api.deployments.map((d) => [d.status, d.runningCount, d.tags])).toStrictEqual([
        ["PRIMARY", 2, ["def5678"]],
        ["ACTIVE", 1, ["abc1234"]]
      ])
      // The region comes from the cluster ARN; a digest-only image has no tag.
      expect(web).toMatchObject({
        kind: "service",
        state: "found",
        cluster: "west",
        region: "eu-west-1",
        tags: [],
        taskCount: 0
      })
      // A deployment with no running task runs nothing now.
      expect(idle).toMatchObject({ state: "found", tags: [] })
      expect(gone).toStrictEqual({
        kind: "service",
        state: "missing",
        name: "gone",
        cluster: "prod",
        region: "us-east-1",
        reason: "service not found (MISSING)"
      })
      expect(nope).toStrictEqual({
        kind: "service",
        state: "missing",
        name: "api",
        cluster: "nope",
        region: "us-east-1",
        reason: "cluster not found (ClusterNotFoundException: simulated)"
      })
      expect(locked).toStrictEqual({
        kind: "service",
        state: "problem",
        name: "locked",
        cluster: "vault",
        region: "us-east-1",
        reason: "DescribeServices failed in us-east-1: AccessDeniedException: simulated"
      })
      const where = (name: string) => ({ kind: "scheduled-task", name, cluster: null, region: "us-east-1" })
      expect(report.scheduledTasks).toStrictEqual([
        {
          ...where("nightly"),
          state: "found",
          taskDefinition: east("nightly", 4),
          images: [{ container: "job", image: "repo/job:def5678", tag: "def5678" }],
          tags: ["def5678"]
        },
        { ...where("twice"), state: "problem", reason: "expected exactly one target on the rule, found 2" },
        {
          ...where("forbidden"),
          state: "problem",
          reason: "ListTargetsByRule failed in us-east-1: AccessDeniedException: simulated"
        },
        {
          ...where("lambda"),
          state: "problem",
          reason: "its target fn (arn:aws:lambda:us-east-1:1:function:f) is not an ECS task"
        },
        { ...where("nowhere"), state: "missing", reason: "rule not found (simulated)" }
      ])
      // One DescribeServices per cluster however many of its services are read; each task
      // definition described once; DescribeTasks only where there are tasks.
      expect(world.calls.filter((c) => c.startsWith("describeServices")).sort()).toStrictEqual([
        "describeServices eu-west-1 " + westCluster,
        "describeServices us-east-1 nope",
        "describeServices us-east-1 prod",
        "describeServices us-east-1 vault"
      ])
      expect(world.calls.filter((c) => c === `describeTaskDefinition ${east("api", 5)}`)).toHaveLength(1)
      expect(world.calls.filter((c) => c.startsWith("describeTasks"))).toStrictEqual(["describeTasks 3"])
      // Nothing is read further for a service that was not found.
      expect(world.calls.filter((c) => c.startsWith("listTasks")).sort()).toStrictEqual([
        "listTasks api",
        "listTasks idle",
        "listTasks web"
      ])
    }))

  it.effect("a scheduled task's tags are those of its containers: list, not a sidecar's", () =>
    Effect.gen(function*() {
      const world = makeWorld()
      world.taskDefinitions[east("nightly", 4)] = taskDef(east("nightly", 4), {
        job: "repo/job:def5678",
        datadog: "datadog/agent:7"
      })
      const targeted = yield* status(config({ scheduledTasks: [rule("nightly", { containers: ["job"] })] })).pipe(
        Effect.provide(layers(world))
      )
      expect(targeted.scheduledTasks[0]).toMatchObject({
        state: "found",
        // Every image is shown; only the targeted container's tag is what it runs.
        images: [
          { container: "job", image: "repo/job:def5678", tag: "def5678" },
          { container: "datadog", image: "datadog/agent:7", tag: "7" }
        ],
        tags: ["def5678"]
      })
      const all = yield* status(config({ scheduledTasks: [rule("nightly")] })).pipe(Effect.provide(layers(world)))
      expect(all.scheduledTasks[0]).toMatchObject({ tags: ["def5678", "7"] })
    }))

  it.effect("says how it ended: found (exit 0) when every target was read, else incomplete (exit 1)", () =>
    Effect.gen(function*() {
      const good = yield* status(config({ services: [svc("api", "prod")], scheduledTasks: [rule("nightly")] })).pipe(
        Effect.provide(layers(makeWorld()))
      )
      expect(good).toMatchObject({ outcome: "found", exitCode: 0, error: null, problems: [] })
      const bad = yield* status(fullConfig).pipe(Effect.provide(layers(makeWorld())))
      expect(bad).toMatchObject({ outcome: "incomplete", exitCode: 1, error: null, problems: [] })
    }))

  it.effect("reports a failed read after the service was found as a problem, naming the task definition", () =>
    Effect.gen(function*() {
      const world = makeWorld()
      delete world.taskDefinitions[east("api", 4)]
      const report = yield* status(config({ services: [svc("api", "prod"), svc("idle", "prod")] })).pipe(
        Effect.provide(layers(world))
      )
      expect(report.services.map((s) => [s.name, s.state])).toStrictEqual([["api", "problem"], ["idle", "found"]])
      expect(report.services[0]).toMatchObject({
        reason: `task definition ${
          east("api", 4)
        }: DescribeTaskDefinition failed in us-east-1: ClientException: simulated`
      })
    }))

  it.effect("round-trips through JSON and the schema; scheduled tasks are `name`, as in the run report", () =>
    Effect.gen(function*() {
      const report = yield* status(fullConfig).pipe(Effect.provide(layers(makeWorld())))
      const json: unknown = JSON.parse(JSON.stringify(report))
      const decoded = yield* Schema.decodeUnknown(StatusReport)(json)
      expect(decoded).toStrictEqual(report)
      expect(decoded.schemaVersion).toBe(2)
      expect(decoded.scheduledTasks.map((t) => t.name)).toStrictEqual([
        "nightly",
        "twice",
        "forbidden",
        "lambda",
        "nowhere"
      ])
      expect(JSON.stringify(json)).not.toContain("\"rule\"")
      // Every entry names its target with the run report's fields.
      for (const entry of [...decoded.services, ...decoded.scheduledTasks]) {
        expect(Object.keys(entry)).toEqual(expect.arrayContaining(["kind", "name", "cluster", "region", "state"]))
      }
      // Schema version 1 is not version 2.
      expect(Schema.is(StatusReport)({ ...report, schemaVersion: 1 })).toBe(false)
    }))

  it.effect("unreadTargets lists what was not read, scheduled tasks first", () =>
    Effect.gen(function*() {
      const report = yield* status(fullConfig).pipe(Effect.provide(layers(makeWorld())))
      expect(unreadTargets(report).map((t) => `${t.kind} ${t.name} ${t.state}`)).toStrictEqual([
        "scheduled-task twice problem",
        "scheduled-task forbidden problem",
        "scheduled-task lambda problem",
        "scheduled-task nowhere missing",
        "service gone missing",
        "service api missing",
        "service locked problem"
      ])
      const good = yield* status(config({ services: [svc("api", "prod")], scheduledTasks: [rule("nightly")] })).pipe(
        Effect.provide(layers(makeWorld()))
      )
      expect(unreadTargets(good)).toStrictEqual([])
    }))

  it.effect("needs a region only for names without one, and without it fails before any call", () =>
    Effect.gen(function*() {
      const world = makeWorld()
      const ok = yield* status(config({ services: [svc("web", westCluster)] })).pipe(
        Effect.provide(layers(world, null))
      )
      expect(ok.services[0]?.state).toBe("found")
      const before = world.calls.length
      const error = yield* Effect.flip(
        status(config({
          services: [svc("web", westCluster), svc("api", "prod")],
          scheduledTasks: [rule("nightly", { region: "us-east-1" })]
        })).pipe(Effect.provide(layers(world, null)))
      )
      expect(error._tag).toBe("MissingRegion")
      expect(world.calls.slice(before)).toStrictEqual([])
    }))
})

describe("formatStatus", () => {
  it.effect("prints a block per target, read or not", () =>
    Effect.gen(function*() {
      const report = yield* status(fullConfig).pipe(Effect.provide(layers(makeWorld())))
      expect(formatStatus(makeStyle(false), { ...report, at: "2024-01-02T12:00:00.000Z" })).toBe([
        "gehen status at 2024-01-02T12:00:00.000Z",
        "  scheduled task nightly (us-east-1): runs nightly:4, def5678",
        "  scheduled task twice (us-east-1): PROBLEM: expected exactly one target on the rule, found 2",
        "  scheduled task forbidden (us-east-1): PROBLEM: ListTargetsByRule failed in us-east-1: AccessDeniedException: simulated",
        "  scheduled task lambda (us-east-1): PROBLEM: its target fn (arn:aws:lambda:us-east-1:1:function:f) is not an ECS task",
        "  scheduled task nowhere (us-east-1): MISSING: rule not found (simulated)",
        "  service api (cluster prod, us-east-1): 1 unhealthy, 3/3 running, runs def5678, abc1234",
        "    PRIMARY api:5: 2/3 running, IN_PROGRESS; def5678",
        "    ACTIVE  api:4: 1/0 running, COMPLETED; abc1234",
        "    UNHEALTHY task t2 (api:5, RUNNING)",
        "  service web (cluster west, eu-west-1): steady, 2/2 running, runs no tag",
        "    PRIMARY web:9: 2/2 running, COMPLETED; no tag",
        "  service idle (cluster prod, us-east-1): steady, 0/0 running, runs no tag",
        "    PRIMARY api:5: 0/0 running, COMPLETED; def5678, 7",
        "  service gone (cluster prod, us-east-1): MISSING: service not found (MISSING)",
        "  service api (cluster nope, us-east-1): MISSING: cluster not found (ClusterNotFoundException: simulated)",
        "  service locked (cluster vault, us-east-1): PROBLEM: DescribeServices failed in us-east-1: AccessDeniedException: simulated"
      ].join("\n"))
    }))
})

// `gehen status` in-process against the simulator, with faults set before it runs.
const runStatus = (
  args: ReadonlyArray<string>,
  yaml: (clusterB: string) => string,
  setup: (sim: SimulatorApi) => Effect.Effect<void> = () => Effect.void
) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.make({ behaviour: behaviours() })
    const world = yield* seedWorld(sim)
    yield* setup(sim)
    const path = join(mkdtempSync(join(tmpdir(), "gehen-status-")), "gehen.yml")
    writeFileSync(path, yaml(world.clusterB))
    const env = Layer.succeed(CliEnvironment, {
      aws: () => Simulator.layer(sim, { region: "us-east-1" }),
      probe: Layer.effect(VersionProbe, VersionProbe).pipe(Layer.provide(Simulator.layer(sim))),
      isTTY: false,
      stdoutIsTTY: false,
      writeStderr: () => undefined,
      columns: () => 100,
      rows: () => 40,
      env: {}
    })
    const capture = yield* makeCapture
    const { exit } = yield* runWithClock(
      runCli(["node", "gehen", "status", "--path", path, ...args]).pipe(
        Effect.provide(Layer.merge(NodeContext.layer, env)),
        Effect.withConsole(capture.console)
      ),
      "5 seconds"
    )
    if (!Exit.isSuccess(exit)) throw new Error(`runCli failed: ${String(exit.cause)}`)
    return { code: exit.value, sim, stdout: capture.stdout(), stderr: capture.stderr() }
  })

// Good targets (api, worker, nightly) and one of each kind of failure: a service that is
// not there, a cluster that is not there, a rule the caller may not read.
const mixedFile = (clusterB: string) => `
services:
  api:
    cluster: prod-a
  worker:
    cluster: ${clusterB}
    containers: [worker]
  ghost:
    cluster: prod-a
  api-nowhere:
    name: api
    cluster: nowhere
scheduledTasks:
  secret:
  nightly:
`

const denySecret = (sim: SimulatorApi) =>
  Effect.gen(function*() {
    const nightly = yield* sim.rule("us-east-1", "nightly")
    // It exists: only the access is denied.
    yield* sim.addRule({ name: "secret", region: "us-east-1", target: nightly!.targets[0]! })
    yield* sim.failNext({
      operation: "ListTargetsByRule",
      rule: "secret",
      code: "AccessDeniedException",
      message: "not authorized to perform events:ListTargetsByRule",
      times: 100
    })
  })

const goodFile = (clusterB: string) => `
services:
  api:
    cluster: prod-a
  worker:
    cluster: ${clusterB}
    containers: [worker]
scheduledTasks:
  nightly:
`

describe("gehen status (CLI)", () => {
  it.effect("reports every target whatever fails, exits 1 and says how many could not be read", () =>
    Effect.gen(function*() {
      const text = yield* runStatus([], mixedFile, denySecret)
      expect(text.code).toBe(1)
      const lines = text.stdout.split("\n")
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^ {2}scheduled task secret \(us-east-1\): PROBLEM: ListTargetsByRule failed in us-east-1: AccessDeniedException/
        )
      )
      expect(lines).toContainEqual(
        expect.stringMatching(/^ {2}scheduled task nightly \(us-east-1\): runs report:1, 0ld0ld0ld0ld$/)
      )
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^  service api \\(cluster prod-a, us-east-1\\): steady, 2/2 running, runs ${OLD}$`)
        )
      )
      expect(lines).toContainEqual(expect.stringMatching(/^ {2}service worker \(cluster prod-b, us-west-2\): steady/))
      expect(lines).toContainEqual("  service ghost (cluster prod-a, us-east-1): MISSING: service not found (MISSING)")
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^ {2}service api \(cluster nowhere, us-east-1\): MISSING: cluster not found \(ClusterNotFoundException/
        )
      )
      // One line on stderr, after the full report on stdout.
      expect(text.stderr).toBe(
        "gehen: 3 of 6 targets could not be read: scheduled task secret (problem), " +
          "service ghost in cluster prod-a (missing), service api in cluster nowhere (missing)"
      )
      expect(yield* text.sim.mutatingCalls()).toStrictEqual([])

      const json = yield* runStatus(["--output", "json"], mixedFile, denySecret)
      expect(json.code).toBe(1)
      expect(json.stderr).toContain("gehen: 3 of 6 targets could not be read")
      const report = Schema.decodeUnknownSync(StatusReport)(JSON.parse(json.stdout))
      expect(report.schemaVersion).toBe(2)
      expect(report.scheduledTasks.map((t) => [t.kind, t.name, t.cluster, t.state])).toStrictEqual([
        ["scheduled-task", "secret", null, "problem"],
        ["scheduled-task", "nightly", null, "found"]
      ])
      expect(report.services.map((s) => [s.kind, s.name, s.cluster, s.state])).toStrictEqual([
        ["service", "api", "prod-a", "found"],
        ["service", "worker", "prod-b", "found"],
        ["service", "ghost", "prod-a", "missing"],
        ["service", "api", "nowhere", "missing"]
      ])
      expect(yield* json.sim.mutatingCalls()).toStrictEqual([])
    }))

  it.effect("shows whom it read as: in the text's first line and the report's deployedAs", () =>
    Effect.gen(function*() {
      const text = yield* runStatus([], goodFile)
      expect(text.code).toBe(0)
      expect(text.stdout.split("\n")[0]).toMatch(
        /^gehen status at \S+ as arn:aws:iam::123456789012:user\/deployer \(account 123456789012\)$/
      )
      const json = yield* runStatus(["--output", "json"], goodFile)
      const report = Schema.decodeUnknownSync(StatusReport)(JSON.parse(json.stdout))
      expect(report).toMatchObject({
        outcome: "found",
        exitCode: 0,
        error: null,
        problems: [],
        deployedAs: { account: "123456789012", arn: "arn:aws:iam::123456789012:user/deployer" }
      })
      // Asked once, before any target is read.
      const calls = yield* json.sim.calls()
      expect(calls[0]?.operation).toBe("GetCallerIdentity")
      expect(calls.filter((c) => c.operation === "GetCallerIdentity")).toHaveLength(1)
    }))

  it.effect("honours containers: for a scheduled task: a sidecar's tag is not what it runs", () =>
    Effect.gen(function*() {
      const withSidecar = (sim: SimulatorApi) =>
        Effect.gen(function*() {
          const td = yield* sim.seedTaskDefinition("us-east-1", {
            family: "cleanup",
            containerDefinitions: [
              { name: "cleanup", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/cleanup:${OLD}`, memory: 128 },
              { name: "log-router", image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.31.0", memory: 64 }
            ]
          })
          const nightly = yield* sim.rule("us-east-1", "nightly")
          yield* sim.addRule({
            name: "cleanup",
            region: "us-east-1",
            target: {
              ...nightly!.targets[0]!,
              Id: "cleanup",
              EcsParameters: { ...nightly!.targets[0]!.EcsParameters, TaskDefinitionArn: td }
            }
          })
        })
      const file = () => "scheduledTasks:\n  cleanup:\n    containers: [cleanup]\n"
      const text = yield* runStatus([], file, withSidecar)
      expect(text.code).toBe(0)
      expect(text.stdout).toContain(`scheduled task cleanup (us-east-1): runs cleanup:1, ${OLD}`)
      expect(text.stdout).not.toContain("2.31.0")
      const json = yield* runStatus(["--output", "json"], file, withSidecar)
      const report = Schema.decodeUnknownSync(StatusReport)(JSON.parse(json.stdout))
      expect(report.scheduledTasks[0]).toMatchObject({ name: "cleanup", state: "found", tags: [OLD] })
    }))

  it.effect("--only reads only those keys: the other targets are not even described", () =>
    Effect.gen(function*() {
      const json = yield* runStatus(["--only", "worker", "--output", "json"], goodFile)
      expect(json.code).toBe(0)
      const report = Schema.decodeUnknownSync(StatusReport)(JSON.parse(json.stdout))
      expect(report.services.map((s) => s.name)).toStrictEqual(["worker"])
      expect(report.scheduledTasks).toStrictEqual([])
      const calls = yield* json.sim.calls()
      expect(calls.map((c) => c.operation)).not.toContain("ListTargetsByRule")
      expect(JSON.stringify(calls)).not.toMatch(/api|nightly|report/)
      expect(JSON.stringify(calls)).toContain("worker")
    }))

  it.effect("stops before reading, with the report's error form: an unknown --only key, a missing --path file, a config error", () =>
    Effect.gen(function*() {
      const unknown = yield* runStatus(["--only", "wroker", "--output", "json"], goodFile)
      expect(unknown.code).toBe(1)
      expect(unknown.stderr).toMatch(
        /^gehen: --only: no service or scheduled task "wroker" \(did you mean "worker"\?\) in .*gehen\.yml; its keys: api, worker, nightly; see gehen status --help$/
      )
      const report = Schema.decodeUnknownSync(StatusReport)(JSON.parse(unknown.stdout))
      expect(report).toMatchObject({
        outcome: "error",
        exitCode: 1,
        deployedAs: null,
        services: [],
        scheduledTasks: []
      })
      expect(report.problems?.[0]?.problem).toMatch(/^--only: no service or scheduled task "wroker"/)
      expect(yield* unknown.sim.calls()).toStrictEqual([])

      const missing = yield* cli(["status", "--path", "/nonexistent/gehen.yml", "--output", "json"])
      expect(missing.code).toBe(1)
      expect(missing.stderr).toBe(
        "gehen: /nonexistent/gehen.yml: expected a readable gehen config file, got no such file"
      )
      const gone = Schema.decodeUnknownSync(StatusReport)(JSON.parse(missing.stdout))
      expect(gone).toMatchObject({
        outcome: "error",
        exitCode: 1,
        error: "/nonexistent/gehen.yml: expected a readable gehen config file, got no such file"
      })
      expect(yield* missing.sim.calls()).toStrictEqual([])
      // A flag given twice is a usage error: the same error form.
      const twice = yield* runStatus(["--path", "other.yml", "--output", "json"], goodFile)
      expect(twice.code).toBe(1)
      expect(Schema.decodeUnknownSync(StatusReport)(JSON.parse(twice.stdout)).error).toBe(
        "--path given twice; see gehen status --help"
      )

      const bad = yield* runStatus(
        ["--output", "json"],
        () => "services:\n  api:\n    cluster: prod-a\n    url: ftp://x\ntimeoutMinute: 3\n"
      )
      expect(bad.code).toBe(1)
      const errors = Schema.decodeUnknownSync(StatusReport)(JSON.parse(bad.stdout))
      expect(errors.outcome).toBe("error")
      expect(errors.problems).toHaveLength(2)
      expect(errors.error).toBe("2 problems stopped the command; nothing was read")
      expect(yield* bad.sim.calls()).toStrictEqual([])
    }))

  it.effect("exit 0 and nothing on stderr when every target was read and found", () =>
    Effect.gen(function*() {
      const good = (clusterB: string) => `
services:
  api:
    cluster: prod-a
  worker:
    cluster: ${clusterB}
scheduledTasks:
  nightly:
`
      const text = yield* runStatus([], good)
      expect(text.code).toBe(0)
      expect(text.stderr).toBe("")
      const json = yield* runStatus(["--output", "json"], good)
      expect(json.code).toBe(0)
      const report = Schema.decodeUnknownSync(StatusReport)(JSON.parse(json.stdout))
      expect([...report.services, ...report.scheduledTasks].every((t) => t.state === "found")).toBe(true)
      expect(yield* json.sim.mutatingCalls()).toStrictEqual([])
    }))
})
