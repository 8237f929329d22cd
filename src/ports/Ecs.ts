import type { RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { DeploymentModel, ServiceDeploymentBrief, ServiceDeploymentState } from "../domain/DeploymentModel.js"
import type { ClusterRef, ServiceRef } from "../domain/Targets.js"
import type { DescribedTaskDefinition } from "../domain/TaskDefinitionCopy.js"
import type { AwsCallError } from "./Errors.js"

export type { DescribedTaskDefinition }

/** One deployment of a service, as ECS reports it. */
export interface Deployment {
  readonly id: string
  /** PRIMARY (the newest), ACTIVE (older ones still running) or INACTIVE. */
  readonly status: string
  readonly taskDefinition: string
  readonly desiredCount: number
  readonly runningCount: number
  readonly pendingCount: number
  readonly failedTasks: number
  /** COMPLETED, IN_PROGRESS or FAILED (circuit breaker); absent for non-ECS controllers. */
  readonly rolloutState?: string | undefined
  readonly rolloutStateReason?: string | undefined
  /** When ECS created it (epoch ms); orders deployments even when a read is stale. */
  readonly createdAt?: number | undefined
}

/** The deployment an UpdateService started, as its answer names it. */
export interface StartedDeployment {
  /** The new PRIMARY deployment's id; undefined only if the answer named none. */
  readonly id: string | undefined
  /** When ECS created it (its clock). */
  readonly createdAt: number | undefined
  /** The service deployment it started (the answer's currentServiceDeployment), where ECS names it. */
  readonly serviceDeploymentArn?: string | undefined
  /** When gehen asked for it (gehen's clock): where to start looking for its service deployment. */
  readonly requestedAt?: number | undefined
}

/** One page of ListServiceDeployments, in no particular order (AWS documents none). */
export interface ServiceDeploymentPage {
  readonly deployments: ReadonlyArray<ServiceDeploymentBrief>
  /** Absent on the last page. */
  readonly nextToken?: string | undefined
}

export type {
  DeploymentModel,
  LifecycleHook,
  ServiceDeploymentBrief,
  ServiceDeploymentState,
  Strategy
} from "../domain/DeploymentModel.js"

/** The state of one service, as ECS reports it. */
export interface ServiceState {
  readonly serviceName: string
  readonly serviceArn: string
  readonly clusterArn: string
  /** ACTIVE, DRAINING or INACTIVE. */
  readonly status: string
  readonly taskDefinition: string
  readonly desiredCount: number
  readonly runningCount: number
  readonly pendingCount: number
  readonly deployments: ReadonlyArray<Deployment>
  /** ECS (the default), CODE_DEPLOY or EXTERNAL: gehen deploys only ECS-controlled services. */
  readonly deploymentController: string
  /** The newest service events, newest first (at most a few). */
  readonly recentEvents: ReadonlyArray<string>
  /** How ECS deploys it (strategy, bake time, steps, circuit breaker, alarms, hooks); absent from older answers. */
  readonly deploymentModel?: DeploymentModel | undefined
  /** The ARN of its current service deployment, where ECS names it. */
  readonly currentServiceDeployment?: string | undefined
}

/** One task, as ECS reports it. */
export interface TaskState {
  readonly taskArn: string
  readonly taskDefinitionArn: string
  readonly lastStatus: string
  /** HEALTHY, UNHEALTHY or UNKNOWN. */
  readonly healthStatus?: string | undefined
  readonly stoppedReason?: string | undefined
  /** The deployment that started it (ECS's `startedBy` for service tasks). */
  readonly startedBy?: string | undefined
}

/** A DescribeServices answer: a service found, or named in `failures`. */
export type ServiceLookup =
  | { readonly _tag: "Found"; readonly name: string; readonly state: ServiceState }
  | { readonly _tag: "Missing"; readonly name: string; readonly reason: string }

/**
 * The ECS operations gehen performs, in domain terms. Every call names its region
 * so one run can deploy to several regions; the live adapter keeps one client per region.
 */
export interface EcsApi {
  /** DescribeServices for at most 10 names of one cluster. */
  readonly describeServices: (
    cluster: ClusterRef,
    names: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<ServiceLookup>, AwsCallError>
  /** DescribeTaskDefinition (include TAGS) of an ARN, `family:revision` or a family (its newest ACTIVE revision). */
  readonly describeTaskDefinition: (
    region: string,
    taskDefinition: string
  ) => Effect.Effect<DescribedTaskDefinition, AwsCallError>
  /** The ACTIVE revisions of a family, newest first (ListTaskDefinitions with sort DESC, every page). */
  readonly listTaskDefinitions: (region: string, family: string) => Effect.Effect<ReadonlyArray<string>, AwsCallError>
  /** TagResource on a task definition revision: adds (or overwrites) these tags. */
  readonly tagTaskDefinition: (
    region: string,
    arn: string,
    tags: Readonly<Record<string, string>>
  ) => Effect.Effect<void, AwsCallError>
  /** DeregisterTaskDefinition of one revision: INACTIVE, no longer chosen by family; what runs keeps running. */
  readonly deregisterTaskDefinition: (region: string, arn: string) => Effect.Effect<void, AwsCallError>
  /** RegisterTaskDefinition; answers the new revision's ARN. */
  readonly registerTaskDefinition: (
    region: string,
    input: RegisterTaskDefinitionCommandInput
  ) => Effect.Effect<string, AwsCallError>
  /** UpdateService to a task definition, forcing a new deployment; answers the deployment it started. */
  readonly updateService: (
    service: ServiceRef,
    taskDefinitionArn: string
  ) => Effect.Effect<StartedDeployment, AwsCallError>
  /**
   * ARNs of the service's tasks (ListTasks, every page): those meant to run, or with
   * `STOPPED` those ECS stopped recently (e.g. for failing health checks).
   */
  readonly listTasks: (
    service: ServiceRef,
    desiredStatus?: "RUNNING" | "STOPPED"
  ) => Effect.Effect<ReadonlyArray<string>, AwsCallError>
  /** One page of ListTasks (AWS may answer fewer tasks than a page holds, with a nextToken): for reads that must stay in a budget. */
  readonly listTasksPage: (
    service: ServiceRef,
    options?: { readonly desiredStatus?: "RUNNING" | "STOPPED" | undefined; readonly nextToken?: string | undefined }
  ) => Effect.Effect<
    { readonly taskArns: ReadonlyArray<string>; readonly nextToken?: string | undefined },
    AwsCallError
  >
  /** DescribeTasks in chunks of 100; never called with an empty list. */
  readonly describeTasks: (
    cluster: ClusterRef,
    taskArns: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<TaskState>, AwsCallError>
  /**
   * One page of ListServiceDeployments: the service's deployments created after
   * `createdAfter` (epoch ms; AWS does not say whether the bound is included), from
   * `nextToken`. One call: the caller asks for no more pages than it needs.
   */
  readonly listServiceDeployments: (
    service: ServiceRef,
    options?: { readonly createdAfter?: number | undefined; readonly nextToken?: string | undefined }
  ) => Effect.Effect<ServiceDeploymentPage, AwsCallError>
  /** DescribeServiceDeployments in chunks of 20 ARNs; ARNs ECS does not know are left out. */
  readonly describeServiceDeployments: (
    region: string,
    arns: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<ServiceDeploymentState>, AwsCallError>
  /** DescribeServiceRevisions in chunks of 20 ARNs: the task definition each revision ran; unknown ARNs left out. */
  readonly describeServiceRevisions: (
    region: string,
    arns: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<{ readonly arn: string; readonly taskDefinition: string }>, AwsCallError>
  /** StopServiceDeployment with stopType ROLLBACK: ECS shifts traffic back to the previous revision. */
  readonly stopServiceDeployment: (region: string, arn: string) => Effect.Effect<void, AwsCallError>
  /** ContinueServiceDeployment: answers a PAUSE lifecycle hook with CONTINUE or ROLLBACK. */
  readonly continueServiceDeployment: (
    region: string,
    arn: string,
    hookId: string,
    action: "CONTINUE" | "ROLLBACK"
  ) => Effect.Effect<void, AwsCallError>
}

export class Ecs extends Context.Tag("gehen/Ecs")<Ecs, EcsApi>() {}

/**
 * DescribeTaskDefinition that asks once per task definition and region, however many
 * services and rules share it (concurrent askers wait for the one call).
 */
export const describeTaskDefinitionOnce: Effect.Effect<
  (region: string, taskDefinition: string) => Effect.Effect<DescribedTaskDefinition, AwsCallError>,
  never,
  Ecs
> = Effect.gen(function*() {
  const ecs = yield* Ecs
  const once = yield* Effect.cachedFunction((key: string) => {
    const at = key.indexOf("|")
    return ecs.describeTaskDefinition(key.slice(0, at), key.slice(at + 1))
  })
  return (region, taskDefinition) => once(`${region}|${taskDefinition}`)
})
