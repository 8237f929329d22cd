/**
 * The simulator's records (what the model keeps per cluster, service, deployment,
 * task, task definition and rule) and the pure functions reading a task's state at a time.
 */
import type { RegisterTaskDefinitionRequest, Service, Tag } from "@aws-sdk/client-ecs"
import type { Target } from "@aws-sdk/client-eventbridge"
import type { ResolvedBehaviour } from "./Behaviour.js"

export type TaskStatus = "PROVISIONING" | "PENDING" | "RUNNING" | "STOPPED"

/** Who deploys the service: ECS rolling updates (the default), CodeDeploy blue/green, or an external controller. */
export type DeploymentControllerType = "ECS" | "CODE_DEPLOY" | "EXTERNAL"

export const deploymentControllerTypes: ReadonlyArray<DeploymentControllerType> = ["ECS", "CODE_DEPLOY", "EXTERNAL"]

/** deploymentConfiguration.deploymentCircuitBreaker of a service. */
export interface CircuitBreakerFlags {
  /** The circuit breaker watches rollouts: enough failed tasks turn a deployment FAILED. */
  readonly enable: boolean
  /** A FAILED deployment is rolled back to the previous task definition (only with `enable`). */
  readonly rollback: boolean
  /** thresholdConfiguration; absent: ECS's default, BOUNDED_PERCENT 50. */
  readonly threshold?:
    | { readonly type: "COUNT" | "BOUNDED_PERCENT" | "UNBOUNDED_PERCENT"; readonly value: number }
    | undefined
  /** Whether a task reaching a healthy state resets the failure count (ECS's default: true). */
  readonly resetOnHealthyTask?: boolean | undefined
}

export const essentialExitReason = "Essential container in task exited"

export interface TaskRec {
  readonly seq: number
  readonly id: string
  readonly arn: string
  readonly taskDefinitionArn: string
  readonly deploymentId: string
  readonly createdAt: number
  readonly pendingAt: number
  /** Never RUNNING when undefined. */
  readonly runningAt: number | undefined
  /** When the health check first reports `health`. */
  readonly healthAt: number | undefined
  /** undefined: no health check (UNKNOWN). */
  readonly health: "HEALTHY" | "UNHEALTHY" | undefined
  /** When desiredStatus turned STOPPED. */
  stopDecidedAt: number | undefined
  stopAt: number | undefined
  stoppedReason: string | undefined
}

export interface DeploymentRec {
  readonly id: string
  readonly taskDefinitionArn: string
  readonly createdAt: number
  updatedAt: number
  status: "PRIMARY" | "ACTIVE"
  desiredCount: number
  failedTasks: number
  /** When its failure count last rose (a healthy task since then resets it, unless the breaker says not to). */
  lastFailureAt?: number | undefined
  rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED"
  rolloutStateReason: string
  readonly behaviour: ResolvedBehaviour
  readonly isRollback: boolean
  readonly previousTaskDefinitionArn: string | undefined
  /** The service revision it runs: a new one, or (ECS's own rollback) the last successful one again. */
  readonly revisionArn: string
}

/** deploymentConfiguration.strategy of a service. */
export type SimStrategy = "ROLLING" | "BLUE_GREEN" | "LINEAR" | "CANARY"

/** How ECS deploys a service beyond rolling updates (strategy, bake time, steps, alarms, hooks). */
export interface SimDeploymentConfig {
  readonly strategy: SimStrategy
  readonly bakeTimeInMinutes: number
  readonly linear: { readonly stepPercent: number; readonly stepBakeTimeInMinutes: number }
  readonly canary: { readonly canaryPercent: number; readonly canaryBakeTimeInMinutes: number }
  readonly alarms: { readonly names: ReadonlyArray<string>; readonly enable: boolean; readonly rollback: boolean }
  readonly hooks: ReadonlyArray<{
    readonly targetType: "AWS_LAMBDA" | "PAUSE"
    readonly hookTargetArn?: string | undefined
    readonly lifecycleStages: ReadonlyArray<string>
  }>
}

export interface HookRec {
  readonly hookId: string
  readonly targetType: "AWS_LAMBDA" | "PAUSE"
  readonly stage: string
  status: "AWAITING_ACTION" | "IN_PROGRESS" | "SUCCEEDED" | "FAILED" | "TIMED_OUT"
  readonly expiresAt: number
}

/** One service deployment (ListServiceDeployments / DescribeServiceDeployments). */
export interface ServiceDeploymentRec {
  readonly arn: string
  /** The deployment (service.deployments[].id) it rolls out. */
  readonly deploymentId: string
  readonly targetRevisionArn: string
  readonly sourceRevisionArns: ReadonlyArray<string>
  readonly strategy: SimStrategy
  readonly bakeTimeInMinutes: number
  readonly createdAt: number
  updatedAt: number
  finishedAt: number | undefined
  status: string
  statusReason: string
  lifecycleStage: string | undefined
  hooks: Array<HookRec>
  /** The new revision's share of production and test traffic (0–100). */
  productionWeight: number
  testWeight: number
  rollback: { readonly reason: string; readonly startedAt: number } | undefined
}

export interface TimerRec {
  readonly at: number
  readonly seq: number
  readonly run: (at: number) => void
}

export interface ServiceRec {
  readonly name: string
  readonly arn: string
  readonly cluster: ClusterRec
  readonly createdAt: number
  status: "ACTIVE" | "DRAINING" | "INACTIVE"
  desiredCount: number
  taskDefinitionArn: string
  readonly circuitBreaker: CircuitBreakerFlags
  readonly deploymentController: DeploymentControllerType
  /** Newest first. */
  deployments: Array<DeploymentRec>
  /** Creation order. */
  tasks: Array<TaskRec>
  /** Newest first. */
  events: Array<{ readonly id: string; readonly at: number; readonly message: string }>
  timers: Array<TimerRec>
  /** What DescribeServices answers until `until` (eventual consistency after an UpdateService). */
  staleView: { readonly view: Service; until: number } | undefined
  readonly deploymentConfig: SimDeploymentConfig
  /** Newest first. */
  serviceDeployments: Array<ServiceDeploymentRec>
  /** Version probes answered so far: spreads a partial traffic shift over probes. */
  probes: number
}

export interface ClusterRec {
  readonly name: string
  readonly region: string
  readonly arn: string
  readonly services: Map<string, ServiceRec>
}

export interface TaskDefRec {
  readonly arn: string
  readonly region: string
  readonly family: string
  readonly revision: number
  readonly input: RegisterTaskDefinitionRequest
  /** TagResource and UntagResource change them. */
  tags: Array<Tag>
  readonly registeredAt: number
  status: "ACTIVE" | "INACTIVE"
  deregisteredAt: number | undefined
}

export interface RuleRec {
  readonly name: string
  readonly region: string
  /** `default` unless the rule is on a custom event bus. */
  readonly eventBusName: string
  readonly arn: string
  readonly scheduleExpression: string
  readonly state: "ENABLED" | "DISABLED"
  targets: Array<Target>
}

export const secs = (s: number): number => Math.round(s * 1000)
export const mins = (m: number): number => Math.round(m * 60_000)

export const rollingConfig: SimDeploymentConfig = {
  strategy: "ROLLING",
  bakeTimeInMinutes: 0,
  linear: { stepPercent: 10, stepBakeTimeInMinutes: 6 },
  canary: { canaryPercent: 5, canaryBakeTimeInMinutes: 10 },
  alarms: { names: [], enable: false, rollback: false },
  hooks: []
}
/** Stopped tasks stay describable this long, like ECS (at least an hour). */
export const stoppedRetentionMs = 3_600_000
export const maxEvents = 100

export const clone = <A>(a: A): A => structuredClone(a)

export const taskStatus = (t: TaskRec, now: number): TaskStatus =>
  t.stopAt !== undefined && now >= t.stopAt
    ? "STOPPED"
    : t.runningAt !== undefined && now >= t.runningAt
    ? "RUNNING"
    : now >= t.pendingAt
    ? "PENDING"
    : "PROVISIONING"

export const healthStatus = (t: TaskRec, now: number): "HEALTHY" | "UNHEALTHY" | "UNKNOWN" =>
  t.health !== undefined && t.healthAt !== undefined && now >= t.healthAt &&
    (t.stopAt === undefined || t.healthAt < t.stopAt)
    ? t.health
    : "UNKNOWN"

export const isLive = (t: TaskRec, at: number): boolean => t.stopAt === undefined || t.stopAt > at

export const desiredStatus = (t: TaskRec, now: number): "RUNNING" | "STOPPED" =>
  t.stopDecidedAt !== undefined && now >= t.stopDecidedAt ? "STOPPED" : "RUNNING"

/** Serving traffic: RUNNING and HEALTHY, or RUNNING without a health check. */
export const isServing = (t: TaskRec, now: number): boolean =>
  taskStatus(t, now) === "RUNNING" && (t.health === undefined || healthStatus(t, now) === "HEALTHY")

/** Counts of a deployment's tasks at `now`, as DescribeServices reports them. */
export const taskCounts = (
  tasks: ReadonlyArray<TaskRec>,
  deploymentId: string,
  now: number
): { readonly pendingCount: number; readonly runningCount: number } => {
  let pendingCount = 0
  let runningCount = 0
  for (const t of tasks) {
    if (t.deploymentId !== deploymentId) continue
    const s = taskStatus(t, now)
    if (s === "RUNNING") runningCount++
    else if (s === "PENDING" || s === "PROVISIONING") pendingCount++
  }
  return { pendingCount, runningCount }
}

/**
 * The deployment circuit breaker's failed-task threshold (ThresholdConfiguration): COUNT
 * is the value itself; the percentages multiply the desired count, BOUNDED_PERCENT kept
 * within 3..200. ECS's default is BOUNDED_PERCENT 50.
 */
export const circuitBreakerThreshold = (desiredCount: number, threshold?: CircuitBreakerFlags["threshold"]): number => {
  const t = threshold ?? { type: "BOUNDED_PERCENT", value: 50 }
  if (t.type === "COUNT") return t.value
  const n = Math.ceil((desiredCount * t.value) / 100)
  return t.type === "BOUNDED_PERCENT" ? Math.min(200, Math.max(3, n)) : n
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v)

/** Parses `arn:aws:<svc>:<region>:<account>:<resource>`. */
export const parseArn = (arn: string): { readonly region: string; readonly resource: string } | undefined => {
  const parts = arn.split(":")
  if (parts.length < 6 || parts[0] !== "arn") return undefined
  return { region: parts[3] ?? "", resource: parts.slice(5).join(":") }
}
