import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { clusterName, type GehenConfig, type ScheduledTaskConfig, type ServiceConfig } from "../config/Config.js"
import { describeTaskDefinitionOnce, Ecs } from "../ports/Ecs.js"
import type { AwsCallError, MissingRegion } from "../ports/Errors.js"
import { tagOf } from "../domain/ImageRef.js"
import { DefaultRegion, regionFor } from "../ports/Region.js"
import { ecsTargetOf, ScheduledTasks } from "../ports/ScheduledTasks.js"
import { GetServiceState, getTaskStates, makeServiceStatesResolver, makeTaskStatesResolver } from "../deploy/ServiceStates.js"
import type { ServiceRef } from "../domain/Targets.js"

// ---------------------------------------------------------------------------
// The report (`gehen status --output json`)
// ---------------------------------------------------------------------------

export const StatusImage = Schema.Struct({
  container: Schema.String,
  image: Schema.NullOr(Schema.String),
  tag: Schema.NullOr(Schema.String)
})
export type StatusImage = typeof StatusImage.Type

export const DeploymentStatus = Schema.Struct({
  id: Schema.String,
  /** PRIMARY, ACTIVE or INACTIVE. */
  status: Schema.String,
  taskDefinition: Schema.String,
  desiredCount: Schema.Number,
  runningCount: Schema.Number,
  pendingCount: Schema.Number,
  failedTasks: Schema.Number,
  rolloutState: Schema.NullOr(Schema.String),
  rolloutStateReason: Schema.NullOr(Schema.String),
  images: Schema.Array(StatusImage),
  /** Tags of the containers gehen manages (`containers`, or all), deduplicated. */
  tags: Schema.Array(Schema.String)
})
export type DeploymentStatus = typeof DeploymentStatus.Type

export const UnhealthyTask = Schema.Struct({
  taskArn: Schema.String,
  taskDefinition: Schema.String,
  lastStatus: Schema.String
})
export type UnhealthyTask = typeof UnhealthyTask.Type

export const FoundService = Schema.Struct({
  state: Schema.Literal("found"),
  name: Schema.String,
  cluster: Schema.String,
  region: Schema.String,
  /** ACTIVE, DRAINING or INACTIVE. */
  serviceStatus: Schema.String,
  taskDefinition: Schema.String,
  desiredCount: Schema.Number,
  runningCount: Schema.Number,
  pendingCount: Schema.Number,
  /** Tags running now: those of the deployments with running tasks, newest deployment first. */
  tags: Schema.Array(Schema.String),
  deployments: Schema.Array(DeploymentStatus),
  taskCount: Schema.Number,
  unhealthyTasks: Schema.Array(UnhealthyTask),
  /** The newest service events, newest first. */
  recentEvents: Schema.Array(Schema.String)
})
export type FoundService = typeof FoundService.Type

export const MissingService = Schema.Struct({
  state: Schema.Literal("missing"),
  name: Schema.String,
  cluster: Schema.String,
  region: Schema.String,
  reason: Schema.String
})
export type MissingService = typeof MissingService.Type

export const ServiceStatus = Schema.Union(FoundService, MissingService)
export type ServiceStatus = typeof ServiceStatus.Type

export const FoundScheduledTask = Schema.Struct({
  state: Schema.Literal("found"),
  rule: Schema.String,
  region: Schema.String,
  taskDefinition: Schema.String,
  images: Schema.Array(StatusImage),
  tags: Schema.Array(Schema.String)
})
export type FoundScheduledTask = typeof FoundScheduledTask.Type

export const ScheduledTaskProblem = Schema.Struct({
  state: Schema.Literal("problem"),
  rule: Schema.String,
  region: Schema.String,
  problem: Schema.String
})
export type ScheduledTaskProblem = typeof ScheduledTaskProblem.Type

export const ScheduledTaskStatus = Schema.Union(FoundScheduledTask, ScheduledTaskProblem)
export type ScheduledTaskStatus = typeof ScheduledTaskStatus.Type

/** What runs now, per service and scheduled task of a gehen.yml; read-only. */
export const StatusReport = Schema.Struct({
  schemaVersion: Schema.Literal(1),
  /** When it was read (ISO 8601). */
  at: Schema.String,
  services: Schema.Array(ServiceStatus),
  scheduledTasks: Schema.Array(ScheduledTaskStatus)
})
export type StatusReport = typeof StatusReport.Type

// ---------------------------------------------------------------------------
// The program
// ---------------------------------------------------------------------------

/** An AWS call failed for reasons other than a missing service or rule (access, throttling, …). */
export class StatusError extends Data.TaggedError("StatusError")<{
  readonly target: string
  readonly cause: AwsCallError
}> {
  override get message() {
    return `${this.target}: ${this.cause.message}`
  }
}

const unique = (xs: ReadonlyArray<string>): Array<string> => [...new Set(xs)]

/** Tags of the managed containers (all when `containers` is absent). */
const tagsOf = (images: ReadonlyArray<StatusImage>, containers: ReadonlyArray<string> | undefined) =>
  unique(images.filter((i) => containers === undefined || containers.includes(i.container)).flatMap((i) => i.tag ?? []))

/**
 * Reads what each service and scheduled task of `config` runs now: tags,
 * deployments, unhealthy tasks. Changes nothing. A missing service or a rule
 * gehen could not deploy is reported, not failed on.
 */
export const status = (
  config: GehenConfig
): Effect.Effect<StatusReport, StatusError | MissingRegion, Ecs | ScheduledTasks | DefaultRegion> =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const events = yield* ScheduledTasks
    const defaultRegion = yield* Effect.cached((yield* DefaultRegion).get)
    // Deployments and rules often share a task definition: describe each once.
    const describe = yield* describeTaskDefinitionOnce
    const imagesOf = (label: string, region: string, taskDefinition: string) =>
      describe(region, taskDefinition).pipe(
        Effect.mapError((cause) => new StatusError({ target: label, cause })),
        Effect.map((d) =>
          (d.taskDefinition.containerDefinitions ?? []).map((c, i): StatusImage => ({
            container: c.name ?? `#${i}`,
            image: c.image ?? null,
            tag: Option.getOrNull(tagOf(c.image ?? ""))
          }))
        )
      )

    // The same batching as the drain check: one DescribeServices per 10 services of a
    // cluster, one DescribeTasks per 100 tasks of a cluster.
    const serviceStates = yield* makeServiceStatesResolver
    const taskStates = yield* makeTaskStatesResolver
    const serviceStatus = (svc: ServiceConfig): Effect.Effect<ServiceStatus, StatusError | MissingRegion> =>
      Effect.gen(function*() {
        const region = yield* regionFor(svc.cluster, defaultRegion)
        const label = `service ${svc.name} (cluster ${svc.cluster})`
        const fail = Effect.mapError((cause: AwsCallError) => new StatusError({ target: label, cause }))
        const ref: ServiceRef = { region, cluster: svc.cluster, service: svc.name }
        const where = { name: svc.name, cluster: clusterName(svc.cluster), region }
        const lookup = yield* fail(Effect.request(GetServiceState({ ref }), serviceStates))
        if (lookup._tag === "Missing") return { state: "missing", ...where, reason: lookup.reason }
        const s = lookup.state
        const deployments = yield* Effect.forEach(s.deployments, (d) =>
          Effect.map(imagesOf(label, region, d.taskDefinition), (images): DeploymentStatus => ({
            id: d.id,
            status: d.status,
            taskDefinition: d.taskDefinition,
            desiredCount: d.desiredCount,
            runningCount: d.runningCount,
            pendingCount: d.pendingCount,
            failedTasks: d.failedTasks,
            rolloutState: d.rolloutState ?? null,
            rolloutStateReason: d.rolloutStateReason ?? null,
            images,
            tags: tagsOf(images, svc.containers)
          })))
        const taskArns = yield* fail(ecs.listTasks(ref))
        const tasks = yield* fail(getTaskStates(taskStates, ref, taskArns))
        return {
          state: "found",
          ...where,
          serviceStatus: s.status,
          taskDefinition: s.taskDefinition,
          desiredCount: s.desiredCount,
          runningCount: s.runningCount,
          pendingCount: s.pendingCount,
          tags: unique(deployments.filter((d) => d.runningCount > 0).flatMap((d) => d.tags)),
          deployments,
          taskCount: taskArns.length,
          unhealthyTasks: tasks
            .filter((t) => t.healthStatus === "UNHEALTHY")
            .map((t) => ({ taskArn: t.taskArn, taskDefinition: t.taskDefinitionArn, lastStatus: t.lastStatus })),
          recentEvents: s.recentEvents
        }
      })

    const ruleStatus = (task: ScheduledTaskConfig): Effect.Effect<ScheduledTaskStatus, StatusError | MissingRegion> =>
      Effect.gen(function*() {
        const { rule } = task
        const region = task.region ?? (yield* defaultRegion)
        const label = `scheduled task ${task.key}`
        const problem = (text: string): ScheduledTaskProblem => ({ state: "problem", rule, region, problem: text })
        const listed = yield* Effect.either(events.targetsOf({ region, rule, eventBusName: task.eventBusName }))
        if (Either.isLeft(listed)) {
          if (listed.left.code === "ResourceNotFoundException") return problem(`rule not found in ${region}`)
          return yield* new StatusError({ target: label, cause: listed.left })
        }
        const found = ecsTargetOf(listed.right)
        if (Either.isLeft(found)) return problem(found.left)
        const { taskDefinition } = found.right
        const images = yield* imagesOf(label, region, taskDefinition)
        return { state: "found", rule, region, taskDefinition, images, tags: tagsOf(images, undefined) }
      })

    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    const [scheduledTasks, services] = yield* Effect.all([
      Effect.forEach(config.scheduledTasks, ruleStatus, { concurrency: config.concurrency }),
      Effect.forEach(config.services, serviceStatus, { concurrency: config.concurrency, batching: true })
    ], { concurrency: 2 })
    return { schemaVersion: 1, at, services, scheduledTasks }
  })
