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

/** How ECS deploys a service, from DescribeServices' deploymentConfiguration. */
export interface DeploymentModel {
  readonly strategy: Strategy
  readonly bakeTimeInMinutes: number
  readonly linear?: { readonly stepPercent: number; readonly stepBakeTimeInMinutes: number } | undefined
  readonly canary?: { readonly canaryPercent: number; readonly canaryBakeTimeInMinutes: number } | undefined
  readonly circuitBreaker: { readonly enable: boolean; readonly rollback: boolean }
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

/** ECS undid (or is undoing) the deployment: a rollback or a stop. */
export const undoneByEcs = (status: string): boolean => status.startsWith("ROLLBACK_") || status === "STOPPED" || status === "STOP_REQUESTED"

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
export const extraMinutes = (m: DeploymentModel): number => (m.strategy === "ROLLING" ? 0 : m.bakeTimeInMinutes + shiftMinutes(m))

/** For LINEAR and CANARY the url answers old or new until production traffic has fully shifted. */
export const gatedByShift = (m: DeploymentModel): boolean => m.strategy === "LINEAR" || m.strategy === "CANARY"

/** A service revision ARN (`…:service-revision/<cluster>/<service>/<n>`) names the deployment `ecs-svc/<n>`. */
export const revisionMatches = (revisionArn: string | undefined, deploymentId: string | undefined): boolean => {
  if (revisionArn === undefined || deploymentId === undefined) return false
  const n = deploymentId.split("/").pop()
  return n !== undefined && n !== "" && revisionArn.split("/").pop() === n
}

/**
 * Among a service's deployments listed at or after an update, the one it started: the
 * one whose target revision is the started deployment, else (no id known) the oldest.
 */
export const startedServiceDeployment = (
  briefs: ReadonlyArray<ServiceDeploymentBrief>,
  deploymentId: string | undefined,
  updatedAt: number | undefined
): ServiceDeploymentBrief | undefined => {
  const byId = briefs.find((b) => revisionMatches(b.targetServiceRevisionArn, deploymentId))
  if (byId !== undefined || deploymentId !== undefined) return byId
  const after = briefs.filter((b) => updatedAt === undefined || (b.createdAt ?? 0) >= updatedAt)
  return [...after].sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0))[0]
}

/**
 * The API answered as if it did not exist: an emulator or older endpoint (unknown
 * operation, unsupported) or a role without the permission (access denied).
 */
export const notOffered = (code: string): boolean =>
  /UnknownOperation|UnrecognizedClient|NotImplemented|Unsupported|InvalidAction|AccessDenied|UnauthorizedOperation/i.test(code)

/** The AWS CLI command that answers a paused hook by hand. */
export const continueCommand = (region: string, arn: string, hookId: string): string =>
  `aws ecs continue-service-deployment --region ${region} --service-deployment-arn '${arn}' --hook-id '${hookId}' --action CONTINUE`
