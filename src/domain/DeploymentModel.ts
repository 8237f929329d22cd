/**
 * ECS's service deployments in gehen's terms: how a service is deployed (its
 * deploymentConfiguration) and each deployment's record (ListServiceDeployments,
 * DescribeServiceDeployments). Pure data and pure readings of it.
 */
/** deploymentConfiguration.strategy; ROLLING when ECS names none. */
export type Strategy = "ROLLING" | "BLUE_GREEN" | "LINEAR" | "CANARY"

export const strategies: ReadonlyArray<Strategy> = ["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"]

export interface LifecycleHook {
  /** AWS_LAMBDA (the default) or PAUSE. */
  readonly targetType: string
  readonly hookTargetArn?: string | undefined
  readonly lifecycleStages: ReadonlyArray<string>
}

/** The failure threshold of a deployment circuit breaker (ThresholdConfiguration). */
export interface BreakerThreshold {
  /** COUNT: `value` tasks; BOUNDED_PERCENT: `value`% of the desired count, kept within 3..200; UNBOUNDED_PERCENT: without bounds. */
  readonly type: "COUNT" | "BOUNDED_PERCENT" | "UNBOUNDED_PERCENT"
  readonly value: number
}

/** deploymentConfiguration.deploymentCircuitBreaker. */
export interface CircuitBreaker {
  readonly enable: boolean
  readonly rollback: boolean
  /** Absent: ECS's default, BOUNDED_PERCENT 50. */
  readonly threshold?: BreakerThreshold | undefined
  /** Whether a task reaching a healthy state resets the failure count (ECS's default: true). */
  readonly resetOnHealthyTask?: boolean | undefined
}

/** ECS's default breaker threshold: half the desired count. */
export const DEFAULT_THRESHOLD: BreakerThreshold = { type: "BOUNDED_PERCENT", value: 50 }

/**
 * How many failed tasks fail a deployment: the service's breaker threshold where it
 * configures one; else ECS's default (half the desired count, at least 3 and at most
 * 200), which gehen also holds services without a breaker to, whose crash loops ECS
 * would let run for ever.
 */
export const failureThreshold = (desiredCount: number, breaker?: CircuitBreaker | undefined): number => {
  const t = breaker?.enable === true ? breaker.threshold ?? DEFAULT_THRESHOLD : DEFAULT_THRESHOLD
  if (t.type === "COUNT") return Math.max(1, Math.floor(t.value))
  const share = Math.ceil((t.value * desiredCount) / 100)
  return t.type === "BOUNDED_PERCENT" ? Math.min(200, Math.max(3, share)) : Math.max(1, share)
}

/** How ECS deploys a service, from DescribeServices' deploymentConfiguration. */
export interface DeploymentModel {
  readonly strategy: Strategy
  readonly bakeTimeInMinutes: number
  readonly linear?: { readonly stepPercent: number; readonly stepBakeTimeInMinutes: number } | undefined
  readonly canary?: { readonly canaryPercent: number; readonly canaryBakeTimeInMinutes: number } | undefined
  readonly circuitBreaker: CircuitBreaker
  readonly alarms: { readonly names: ReadonlyArray<string>; readonly enable: boolean; readonly rollback: boolean }
  readonly lifecycleHooks: ReadonlyArray<LifecycleHook>
}

export const rollingModel: DeploymentModel = {
  strategy: "ROLLING",
  bakeTimeInMinutes: 0,
  circuitBreaker: { enable: false, rollback: false },
  alarms: { names: [], enable: false, rollback: false },
  lifecycleHooks: []
}

/** One service deployment as ListServiceDeployments briefs it. */
export interface ServiceDeploymentBrief {
  readonly arn: string
  readonly status: string
  readonly statusReason?: string | undefined
  readonly createdAt?: number | undefined
  readonly startedAt?: number | undefined
  readonly finishedAt?: number | undefined
  readonly targetServiceRevisionArn?: string | undefined
}

export interface HookState {
  readonly hookId: string
  /** AWS_LAMBDA or PAUSE. */
  readonly targetType: string
  /** AWAITING_ACTION, IN_PROGRESS, SUCCEEDED, FAILED or TIMED_OUT. */
  readonly status: string
  readonly expiresAt?: number | undefined
}

/** One service deployment as DescribeServiceDeployments answers it. */
export interface ServiceDeploymentState extends ServiceDeploymentBrief {
  readonly serviceArn: string
  /** The service revisions it replaces: what the service ran before it. */
  readonly sourceServiceRevisionArns?: ReadonlyArray<string> | undefined
  /** RECONCILE_SERVICE, PRE_SCALE_UP, SCALE_UP, …, BAKE_TIME, CLEAN_UP. */
  readonly lifecycleStage?: string | undefined
  readonly updatedAt?: number | undefined
  readonly hooks: ReadonlyArray<HookState>
  /** The new revision's share of production traffic (0–100), where ECS reports it. */
  readonly productionTrafficWeight?: number | undefined
  readonly strategy?: Strategy | undefined
  readonly bakeTimeInMinutes?: number | undefined
  readonly rollbackReason?: string | undefined
}

/** Statuses after which ECS does nothing more for the deployment. */
export const finalStatuses = new Set(["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"])

/** ECS is rolling (or rolled) the deployment back to the previous revision. */
export const rolledBackByEcs = (status: string): boolean => status.startsWith("ROLLBACK_")

/**
 * The deployment was stopped where it stood, not rolled back: a circuit breaker or an
 * alarm without rollback, a person, or a newer deployment that replaced it.
 */
export const stopped = (status: string): boolean => status === "STOPPED" || status === "STOP_REQUESTED"

/** Traffic-shifting strategies: the blue tasks stay up until CLEAN_UP, so a stop shifts traffic back at once. */
export const shiftsTraffic = (strategy: Strategy): boolean => strategy !== "ROLLING"

/** Stages at which production traffic has fully shifted to the new revision. */
const shiftedStages = new Set(["POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"])

/** Production traffic is all on the new revision (BAKE_TIME or later, or done). */
export const productionShifted = (sd: ServiceDeploymentState): boolean =>
  sd.status === "SUCCESSFUL" || (sd.status === "IN_PROGRESS" && shiftedStages.has(sd.lifecycleStage ?? ""))

/** The minutes production traffic takes to shift: each linear step's bake time but the last, or the canary's. */
export const shiftMinutes = (m: DeploymentModel): number => {
  if (m.strategy === "LINEAR" && m.linear !== undefined) {
    const steps = Math.max(1, Math.ceil(100 / Math.max(1, m.linear.stepPercent)))
    return (steps - 1) * m.linear.stepBakeTimeInMinutes
  }
  if (m.strategy === "CANARY" && m.canary !== undefined) return m.canary.canaryBakeTimeInMinutes
  return 0
}

/** The minutes a deployment may spend beyond its rollout: the bake time plus the shift's step bake times. */
export const extraMinutes = (
  m: DeploymentModel
): number => (m.strategy === "ROLLING" ? 0 : m.bakeTimeInMinutes + shiftMinutes(m))

/** For LINEAR and CANARY the url answers old or new until production traffic has fully shifted. */
export const gatedByShift = (m: DeploymentModel): boolean => m.strategy === "LINEAR" || m.strategy === "CANARY"

/**
 * How far before its update a service deployment may be dated: ECS's clock and gehen's
 * differ, and ECS may report `createdAt` in whole seconds.
 */
export const FIND_MARGIN_MS = 5 * 60_000

/**
 * The service deployment an update started, when its answer named none: among those
 * listed since the update (minus a margin), the ones whose target service revision runs
 * the task definition the update asked for (revisions by ARN, from
 * DescribeServiceRevisions); the newest by `createdAt` when several. No order of the list
 * and no relation between the ids of a deployment and of a revision is assumed.
 */
export const startedServiceDeployment = (
  briefs: ReadonlyArray<ServiceDeploymentBrief>,
  revisions: ReadonlyMap<string, string>,
  taskDefinition: string
): ServiceDeploymentBrief | undefined =>
  briefs
    .filter((b) =>
      b.targetServiceRevisionArn !== undefined && revisions.get(b.targetServiceRevisionArn) === taskDefinition
    )
    .reduce<ServiceDeploymentBrief | undefined>(
      (newest, b) => (newest === undefined || (b.createdAt ?? 0) > (newest.createdAt ?? 0) ? b : newest),
      undefined
    )
