/**
 * The simulator as Effects: the model read and driven through `Clock.currentTimeMillis`,
 * so TestClock moves rollouts in program tests and the live clock moves them over HTTP.
 */
import type { RegisterTaskDefinitionRequest, Service, Tag, Task, TaskDefinition } from "@aws-sdk/client-ecs"
import type { Rule, Target } from "@aws-sdk/client-eventbridge"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { BehaviourPicker } from "./model/Behaviour.js"
import type { FailNextSpec, SimAwsError } from "./model/Faults.js"
import {
  type AddRuleSpec,
  type AddServiceSpec,
  type IssuedCredentials,
  type ServiceKey,
  type SimCall,
  SimModel,
  type SimModelOptions
} from "./model/Model.js"

export type SimulatorOptions = SimModelOptions

export interface CallMeta {
  readonly face: "layer" | "http"
  readonly accessKeyId?: string | undefined
}

export interface SimulatorApi {
  /** The synchronous model (explicit `now`), for scripts and the HTTP face. */
  readonly model: SimModel
  /**
   * One recorded, fault-injected AWS call: what both faces use. `run` gets the
   * caller's clock time and may throw `SimAwsError`. The call takes effect at once; an
   * injected late answer then waits on the Effect Clock (so TestClock drives it, and an
   * interruption during the wait leaves the call applied).
   */
  readonly invoke: <A>(
    operation: string,
    region: string,
    params: object,
    run: (now: number) => A,
    meta?: CallMeta
  ) => Effect.Effect<A, SimAwsError>

  /** Seeding (not recorded as calls). Answers the cluster ARN. */
  readonly addCluster: (name: string, region?: string) => Effect.Effect<string>
  /** Registers a revision without recording a call; answers its ARN. */
  readonly seedTaskDefinition: (
    region: string,
    input: RegisterTaskDefinitionRequest,
    tags?: ReadonlyArray<Tag>
  ) => Effect.Effect<string>
  /** A steady service: one PRIMARY COMPLETED deployment, its tasks RUNNING and HEALTHY. Answers the service ARN. */
  readonly addService: (spec: AddServiceSpec) => Effect.Effect<string>
  /** An EventBridge rule with its targets. Answers the rule ARN. */
  readonly addRule: (spec: AddRuleSpec) => Effect.Effect<string>

  /** Inspection (not recorded). The service as DescribeServices answers it now. */
  readonly service: (cluster: string, name: string, region?: string) => Effect.Effect<Service | undefined>
  /** The service's tasks (RUNNING and recently STOPPED) as DescribeTasks answers them now. */
  readonly tasks: (cluster: string, name: string, region?: string) => Effect.Effect<ReadonlyArray<Task>>
  /** A task definition by ARN, `family:revision` or family; `input` is what was registered. */
  readonly taskDefinition: (
    ref: string,
    region?: string
  ) => Effect.Effect<
    | {
      readonly taskDefinition: TaskDefinition
      readonly tags: ReadonlyArray<Tag>
      readonly input: RegisterTaskDefinitionRequest
    }
    | undefined
  >
  /** A rule by name (on `eventBusName`, default the default bus) or ARN, and its targets. */
  readonly rule: (
    region: string,
    name: string,
    eventBusName?: string
  ) => Effect.Effect<{ readonly rule: Rule; readonly targets: ReadonlyArray<Target> } | undefined>
  /** The image tag the service's version url (or its test listener's) serves now; undefined when no task serves. */
  readonly servedVersion: (
    cluster: string,
    service: string,
    region?: string,
    listener?: "production" | "test"
  ) => Effect.Effect<string | undefined>

  /** Every recorded AWS call, or those of one operation, oldest first. */
  readonly calls: (operation?: string) => Effect.Effect<ReadonlyArray<SimCall>>
  /** RegisterTaskDefinition, DeregisterTaskDefinition, UpdateService and PutTargets calls. */
  readonly mutatingCalls: () => Effect.Effect<ReadonlyArray<SimCall>>
  readonly clearCalls: () => Effect.Effect<void>
  /** Credentials AssumeRole handed out (HTTP face). */
  readonly issuedCredentials: () => Effect.Effect<ReadonlyArray<IssuedCredentials>>

  /** The registry loses these images (full image references; a repository URI alone loses the repository). */
  readonly removeImages: (images: ReadonlyArray<string>) => Effect.Effect<void>

  /** Fault injection. */
  readonly failNext: (spec: FailNextSpec) => Effect.Effect<void>
  readonly setFaults: (faults: {
    readonly throttleFraction?: number | undefined
    readonly serverErrorFraction?: number | undefined
    readonly seed?: number | undefined
  }) => Effect.Effect<void>
  /** Replaces the behaviour picker for deployments started from now on. */
  readonly setBehaviour: (picker: BehaviourPicker) => Effect.Effect<void>
  /**
   * How long after an UpdateService DescribeServices keeps answering the service as it was
   * before: for one service, or (without `service`) the default for all.
   */
  readonly setDescribeLag: (seconds: number, service?: ServiceKey) => Effect.Effect<void>
}

/** Wraps an existing model (e.g. to share one between faces). */
export const fromModel = (model: SimModel): SimulatorApi => {
  const at = <A>(f: (now: number) => A): Effect.Effect<A> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => f(now)))
  return {
    model,
    invoke: (operation, region, params, run, meta) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.suspend(() => {
          const outcome = model.callTimed(operation, region, params, now, meta ?? { face: "layer" }, () => run(now))
          const answer = Either.match(outcome.result, { onLeft: Effect.fail, onRight: Effect.succeed })
          return outcome.answerAfterMs > 0
            ? Effect.zipRight(Effect.sleep(Duration.millis(outcome.answerAfterMs)), answer)
            : answer
        })),
    addCluster: (name, region) => Effect.sync(() => model.addCluster(name, region)),
    seedTaskDefinition: (region, input, tags) => at((now) => model.seedTaskDefinition(region, input, tags, now)),
    addService: (spec) => at((now) => model.addService(spec, now)),
    addRule: (spec) => Effect.sync(() => model.addRule(spec)),
    service: (cluster, name, region) => at((now) => model.service(cluster, name, now, region)),
    tasks: (cluster, name, region) => at((now) => model.tasks(cluster, name, now, region)),
    taskDefinition: (ref, region) => Effect.sync(() => model.taskDefinition(ref, region)),
    rule: (region, name, eventBusName) => Effect.sync(() => model.rule(region, name, eventBusName)),
    servedVersion: (cluster, service, region, listener) =>
      at((now) => model.servedVersion(cluster, service, now, region, listener)),
    calls: (operation) => Effect.sync(() => model.calls(operation)),
    mutatingCalls: () => Effect.sync(() => model.mutatingCalls()),
    clearCalls: () => Effect.sync(() => model.clearCalls()),
    issuedCredentials: () => Effect.sync(() => model.issuedCredentials()),
    removeImages: (images) => Effect.sync(() => model.removeImages(images)),
    failNext: (spec) => Effect.sync(() => model.failNext(spec)),
    setFaults: (faults) => Effect.sync(() => model.setFaults(faults)),
    setBehaviour: (picker) => Effect.sync(() => model.setBehaviour(picker)),
    setDescribeLag: (seconds, service) => Effect.sync(() => model.setDescribeLag(seconds, service))
  }
}

/** A fresh simulator (fresh state; cheap). */
export const makeSimulator = (options: SimulatorOptions = {}): Effect.Effect<SimulatorApi> =>
  Effect.sync(() => fromModel(new SimModel(options)))
