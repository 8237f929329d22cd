import { Cause, Duration, Effect, Exit, Fiber, Layer, Option, TestClock } from "effect"
import type { GehenConfig, ScheduledTaskConfig, ServiceConfig } from "../../src/config/Config.js"
import { Progress, type ProgressEvent } from "../../src/ports/Progress.js"
import {
  type Behaviour,
  type BehaviourKind,
  type BehaviourPicker,
  byImageTag,
  Simulator,
  type SimulatorApi
} from "../../src/testing/index.js"

export const ACCOUNT = "123456789012"
export const OLD = "0ld0ld0ld0ld"
export const SHA = "abcdef1234567890"

/**
 * A small production: cluster `prod-a` (us-east-1, by name) runs `api` (url) and
 * cluster `prod-b` (us-west-2, by ARN) runs `worker` (no url, two containers); the
 * rule `nightly` (us-east-1) runs the `report` task definition.
 */
export const seedWorld = (sim: SimulatorApi) =>
  Effect.gen(function*() {
    yield* sim.addCluster("prod-a", "us-east-1")
    const clusterB = yield* sim.addCluster("prod-b", "us-west-2")
    const api = yield* sim.seedTaskDefinition("us-east-1", {
      family: "api",
      cpu: "256",
      memory: "512",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
      ephemeralStorage: { sizeInGiB: 30 },
      containerDefinitions: [
        {
          name: "app",
          image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/api:${OLD}`,
          portMappings: [{ containerPort: 8080, name: "http", appProtocol: "http" }],
          secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/db" }]
        }
      ]
    }, [{ key: "team", value: "core" }])
    const worker = yield* sim.seedTaskDefinition("us-west-2", {
      family: "worker",
      containerDefinitions: [
        { name: "worker", image: `registry.example.com:5000/team/worker:${OLD}`, memory: 256 },
        { name: "log-router", image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.31.0", memory: 64 }
      ]
    })
    const report = yield* sim.seedTaskDefinition("us-east-1", {
      family: "report",
      containerDefinitions: [{
        name: "report",
        image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/report:${OLD}`,
        memory: 128
      }]
    })
    yield* sim.addService({ cluster: "prod-a", name: "api", taskDefinition: api, region: "us-east-1", desiredCount: 2 })
    yield* sim.addService({
      cluster: clusterB,
      name: "worker",
      taskDefinition: worker,
      region: "us-west-2",
      desiredCount: 3
    })
    const nightlyTarget = {
      Id: "nightly-report",
      Arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod-a`,
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsEventsRole`,
      EcsParameters: {
        TaskDefinitionArn: report,
        TaskCount: 1,
        LaunchType: "FARGATE" as const,
        NetworkConfiguration: { awsvpcConfiguration: { Subnets: ["subnet-1"], AssignPublicIp: "DISABLED" as const } }
      }
    }
    yield* sim.addRule({ name: "nightly", region: "us-east-1", target: nightlyTarget })
    return { api, worker, report, clusterB, nightlyTarget }
  })

/** A service entry of gehen.yml, keyed by its name unless `key` says otherwise. */
export const svc = (
  name: string,
  cluster: string,
  more: Partial<Omit<ServiceConfig, "name" | "cluster">> = {}
): ServiceConfig => ({ key: name, name, cluster, ...more })

/** A scheduled-task entry of gehen.yml. */
export const rule = (name: string, more: Partial<Omit<ScheduledTaskConfig, "rule">> = {}): ScheduledTaskConfig => ({
  key: name,
  rule: name,
  ...more
})

export const configFor = (clusterB: string, overrides: Partial<GehenConfig> = {}): GehenConfig => ({
  path: "gehen.yml",
  services: [
    svc("api", "prod-a", { url: "http://api.test/version/prod-a/api" }),
    // Its log router runs a third-party tag: only the worker container is ours.
    svc("worker", clusterB, { containers: ["worker"] })
  ],
  scheduledTasks: [rule("nightly")],
  timeoutMinutes: 5,
  checkIntervalSeconds: 15,
  updateStrategy: "current",
  concurrency: 10,
  ...overrides
})

/** Behaviours by image tag; anything else is healthy with quick defaults. */
export const behaviours = (byTag: Readonly<Record<string, Behaviour | BehaviourKind>> = {}) =>
  byImageTag(byTag, { kind: "healthy", startAfter: 5, healthyAfter: 20, drainAfter: 10 })

/**
 * A fresh simulator with the world seeded, plus its layers and a progress collector.
 * Behaviours by image tag, or any picker; `seed` picks the answers AWS leaves open.
 */
export const makeWorld = (
  byTag: Readonly<Record<string, Behaviour | BehaviourKind>> | BehaviourPicker = {},
  options: { readonly seed?: number | undefined } = {}
) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.make({
      behaviour: typeof byTag === "function" ? byTag : behaviours(byTag),
      seed: options.seed
    })
    const seeded = yield* seedWorld(sim)
    const events: Array<ProgressEvent> = []
    const layer = Layer.merge(Simulator.layer(sim, { region: "us-east-1" }), Progress.collect(events))
    return { sim, ...seeded, events, layer }
  })

/**
 * Runs an effect that waits on the Clock to its end under TestClock, moving time in
 * `step`s; answers its Exit and how much simulated time passed.
 */
export const runWithClock = <A, E>(
  effect: Effect.Effect<A, E>,
  step: Duration.DurationInput = "1 second",
  maxSteps = 5000
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    let steps = 0
    while (steps < maxSteps) {
      yield* Effect.yieldNow()
      const done = yield* Fiber.poll(fiber)
      if (Option.isSome(done)) break
      yield* TestClock.adjust(step)
      steps++
    }
    const exit = yield* Fiber.poll(fiber)
    if (Option.isNone(exit)) {
      yield* Fiber.interrupt(fiber)
      throw new Error(`effect still running after ${steps} steps of ${Duration.format(Duration.decode(step))}`)
    }
    return { exit: exit.value, elapsed: Duration.times(Duration.decode(step), steps) }
  })

export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got success")
  return Option.getOrThrowWith(
    Cause.failureOption(exit.cause),
    () => new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
  )
}
