import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { clusterName, type GehenConfig, type ScheduledTaskConfig, type ServiceConfig } from "../config/Config.js"
import { tagOf } from "../domain/ImageRef.js"
import type { ServiceRef } from "../domain/Targets.js"
import { describeTaskDefinitionOnce, Ecs } from "../ports/Ecs.js"
import type { AwsCallError, MissingRegion } from "../ports/Errors.js"
import { DefaultRegion, regionFor } from "../ports/Region.js"
import { ecsTargetOf, ScheduledTasks } from "../ports/ScheduledTasks.js"
import { GetServiceDeployment, makeServiceDeploymentsResolver } from "../reads/ServiceDeploymentStates.js"
import {
  GetServiceState,
  getTaskStates,
  makeServiceStatesResolver,
  makeTaskStatesResolver
} from "../reads/ServiceStates.js"
import { latestReport, modelReport } from "../report/ModelReport.js"
import {
  type DeploymentStatus,
  type FoundScheduledTask,
  type FoundService,
  readOutcome,
  type ScheduledTaskStatus,
  type ServiceStatus,
  type StatusImage,
  type StatusReport
} from "./StatusReport.js"

export * from "./StatusReport.js"

// ---------------------------------------------------------------------------
// The program
// ---------------------------------------------------------------------------

const unique = (xs: ReadonlyArray<string>): Array<string> => [...new Set(xs)]

/** Tags of the managed containers (all when `containers` is absent). */
const tagsOf = (images: ReadonlyArray<StatusImage>, containers: ReadonlyArray<string> | undefined) =>
  unique(images.filter((i) => containers === undefined || containers.includes(i.container)).flatMap((i) => i.tag ?? []))

/** A DescribeTaskDefinition failure, naming the task definition. */
const describeProblem = (taskDefinition: string, e: AwsCallError) =>
  e.code === "ClientException" && /task definition/i.test(e.detail)
    ? `task definition ${taskDefinition} not found (${e.detail})`
    : `task definition ${taskDefinition}: ${e.message}`

/** Why one target's read failed, and whether that means it is missing; becomes its entry. */
class Unread extends Data.TaggedError("Unread")<{
  readonly state: "missing" | "problem"
  readonly reason: string
}> {}

const problem = (reason: string) => new Unread({ state: "problem", reason })
const missing = (reason: string) => new Unread({ state: "missing", reason })

/**
 * Reads what each service and scheduled task of `config` runs now: tags,
 * deployments, unhealthy tasks. Changes nothing. Every target gets an entry: a
 * missing service, cluster or rule is `missing`, a read that failed otherwise (access
 * denied, throttling after the retries, ...) or a rule gehen could not deploy is
 * `problem`, each with its reason, and the other targets are read all the same. Fails
 * only when a target needs the default region and there is none, and then before any
 * AWS call.
 */
export const status = (
  config: GehenConfig
): Effect.Effect<StatusReport, MissingRegion, Ecs | ScheduledTasks | DefaultRegion> =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const events = yield* ScheduledTasks
    const defaultRegion = yield* Effect.cached((yield* DefaultRegion).get)
    // Every region first: a missing default region stops the command before any call.
    const services = yield* Effect.forEach(config.services, (svc) =>
      Effect.map(regionFor(svc.cluster, defaultRegion), (region) => ({ svc, region })))
    const rules = yield* Effect.forEach(config.scheduledTasks, (task) =>
      Effect.map(
        task.region === undefined ? defaultRegion : Effect.succeed(task.region),
        (region) => ({ task, region })
      ))

    // Deployments and rules often share a task definition: describe each once.
    const describe = yield* describeTaskDefinitionOnce
    const imagesOf = (region: string, taskDefinition: string): Effect.Effect<Array<StatusImage>, Unread> =>
      describe(region, taskDefinition).pipe(
        Effect.mapError((e) =>
          problem(describeProblem(taskDefinition, e))
        ),
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
    const deploymentStates = yield* makeServiceDeploymentsResolver
    const serviceStatus = ({ region, svc }: { svc: ServiceConfig; region: string }): Effect.Effect<ServiceStatus> => {
      const ref: ServiceRef = { region, cluster: svc.cluster, service: svc.name }
      const where = { kind: "service", name: svc.name, cluster: clusterName(svc.cluster), region } as const
      const read: Effect.Effect<FoundService, Unread> = Effect.gen(function*() {
        const lookup = yield* Effect.request(GetServiceState({ ref }), serviceStates).pipe(
          Effect.mapError((e) =>
            e.code === "ClusterNotFoundException"
              ? missing(`cluster not found (${e.code}: ${e.detail})`)
              : problem(e.message)
          )
        )
        if (lookup._tag === "Missing") {
          return yield* missing(`service not found (${lookup.reason})`)
        }
        const s = lookup.state
        const deployments = yield* Effect.forEach(s.deployments, (d) =>
          Effect.map(imagesOf(region, d.taskDefinition), (images): DeploymentStatus => ({
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
        // The current service deployment (DescribeServiceDeployments, batched); an endpoint without the API answers none.
        const current = s.currentServiceDeployment
        const latest = current === undefined
          ? Option.none()
          : yield* Effect.request(GetServiceDeployment({ ref, arn: current }), deploymentStates).pipe(
            Effect.orElseSucceed(() =>
              Option.none()
            )
          )
        const taskArns = yield* Effect.mapError(ecs.listTasks(ref), (e) => problem(e.message))
        const tasks = yield* Effect.mapError(getTaskStates(taskStates, ref, taskArns), (e) => problem(e.message))
        return {
          ...where,
          state: "found",
          serviceStatus: s.status,
          taskDefinition: s.taskDefinition,
          desiredCount: s.desiredCount,
          runningCount: s.runningCount,
          pendingCount: s.pendingCount,
          tags: unique(
            deployments.filter((d) => d.runningCount > 0).flatMap((d) => d.tags)
          ),
          deployments,
          taskCount: taskArns.length,
          unhealthyTasks: tasks
            .filter((t) => t.healthStatus === "UNHEALTHY")
            .map((t) => ({ taskArn: t.taskArn, taskDefinition: t.taskDefinitionArn, lastStatus: t.lastStatus })),
          recentEvents: s.recentEvents,
          ...(s.deploymentModel === undefined
            ? {}
            : { deployment: modelReport(s.deploymentController, s.deploymentModel) }),
          ...(current === undefined
            ? {}
            : { latestServiceDeployment: Option.match(latest, { onNone: () => null, onSome: latestReport }) })
        }
      })
      return Effect.catchTag(
        read,
        "Unread",
        (e): Effect.Effect<ServiceStatus> => Effect.succeed({ ...where, state: e.state, reason: e.reason })
      )
    }

    const ruleStatus = (
      { region, task }: { task: ScheduledTaskConfig; region: string }
    ): Effect.Effect<ScheduledTaskStatus> => {
      const where = { kind: "scheduled-task", name: task.rule, cluster: null, region } as const
      const read: Effect.Effect<FoundScheduledTask, Unread> = Effect.gen(function*() {
        const targets = yield* events.targetsOf({ region, rule: task.rule, eventBusName: task.eventBusName }).pipe(
          Effect.mapError((e) =>
            e.code === "ResourceNotFoundException"
              ? missing(
                `rule not found${
                  task.eventBusName === undefined ? "" : ` on event bus ${task.eventBusName}`
                } (${e.detail})`
              )
              : problem(e.message)
          )
        )
        const found = ecsTargetOf(targets)
        if (Either.isLeft(found)) return yield* problem(found.left)
        const { taskDefinition } = found.right
        const images = yield* imagesOf(region, taskDefinition)
        // As for services: the tags of the containers gehen manages (`containers:`), not a sidecar's.
        return { ...where, state: "found", taskDefinition, images, tags: tagsOf(images, task.containers) }
      })
      return Effect.catchTag(
        read,
        "Unread",
        (e): Effect.Effect<ScheduledTaskStatus> => Effect.succeed({ ...where, state: e.state, reason: e.reason })
      )
    }

    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    const [scheduledTasks, serviceEntries] = yield* Effect.all([
      Effect.forEach(rules, ruleStatus, { concurrency: config.concurrency }),
      Effect.forEach(services, serviceStatus, { concurrency: config.concurrency, batching: true })
    ], { concurrency: 2 })
    const read = { services: serviceEntries, scheduledTasks }
    return { schemaVersion: 2, at, ...readOutcome(read), error: null, problems: [], ...read }
  })
