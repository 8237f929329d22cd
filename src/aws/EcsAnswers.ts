import type {
  Deployment as SdkDeployment,
  DeploymentCircuitBreaker,
  DeploymentConfiguration,
  Service,
  ServiceDeployment,
  ServiceDeploymentBrief as SdkBrief,
  Task
} from "@aws-sdk/client-ecs"
import {
  type BreakerThreshold,
  type CircuitBreaker,
  type DeploymentModel,
  type ServiceDeploymentBrief,
  type ServiceDeploymentState,
  strategies,
  type Strategy
} from "../domain/DeploymentModel.js"
import type { Deployment, ServiceState, StartedDeployment, TaskState } from "../ports/Ecs.js"

/** How many service events a ServiceState carries (ECS lists them newest first). */
export const RECENT_EVENTS = 5

/** ECS's answers (the SDK's shapes) in gehen's terms; shared by the live adapter and the simulator. */
export const toDeployment = (d: SdkDeployment): Deployment => ({
  id: d.id ?? "",
  status: d.status ?? "",
  taskDefinition: d.taskDefinition ?? "",
  desiredCount: d.desiredCount ?? 0,
  runningCount: d.runningCount ?? 0,
  pendingCount: d.pendingCount ?? 0,
  failedTasks: d.failedTasks ?? 0,
  rolloutState: d.rolloutState,
  rolloutStateReason: d.rolloutStateReason,
  createdAt: d.createdAt?.getTime()
})

export const toServiceState = (s: Service, recentEvents: number = RECENT_EVENTS): ServiceState => ({
  serviceName: s.serviceName ?? "",
  serviceArn: s.serviceArn ?? "",
  clusterArn: s.clusterArn ?? "",
  status: s.status ?? "",
  taskDefinition: s.taskDefinition ?? "",
  desiredCount: s.desiredCount ?? 0,
  runningCount: s.runningCount ?? 0,
  pendingCount: s.pendingCount ?? 0,
  deployments: (s.deployments ?? []).map(toDeployment),
  deploymentController: s.deploymentController?.type ?? "ECS",
  // AWS documents no order for the events: newest first by their time.
  recentEvents: [...(s.events ?? [])]
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
    .flatMap((e) => (e.message === undefined ? [] : [e.message]))
    .slice(0, recentEvents),
  deploymentModel: toDeploymentModel(s.deploymentConfiguration),
  currentServiceDeployment: s.currentServiceDeployment
})

const strategyOf = (s: string | undefined): Strategy => strategies.find((x) => x === s) ?? "ROLLING"

const thresholdTypes: ReadonlyArray<BreakerThreshold["type"]> = ["COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT"]

/** The deployment circuit breaker, with its threshold where the service configures one. */
export const toCircuitBreaker = (b: DeploymentCircuitBreaker | undefined): CircuitBreaker => {
  const t = b?.thresholdConfiguration
  const type = thresholdTypes.find((x) => x === t?.type)
  return {
    enable: b?.enable ?? false,
    rollback: b?.rollback ?? false,
    ...(type === undefined || t?.value === undefined ? {} : { threshold: { type, value: t.value } }),
    ...(b?.resetOnHealthyTask === undefined ? {} : { resetOnHealthyTask: b.resetOnHealthyTask })
  }
}

/** deploymentConfiguration in gehen's terms; ECS's defaults where it names nothing. */
export const toDeploymentModel = (c: DeploymentConfiguration | undefined): DeploymentModel => {
  const strategy = strategyOf(c?.strategy)
  const lc = c?.linearConfiguration
  const cc = c?.canaryConfiguration
  return {
    strategy,
    bakeTimeInMinutes: strategy === "ROLLING" ? 0 : c?.bakeTimeInMinutes ?? 0,
    linear: strategy === "LINEAR"
      ? { stepPercent: lc?.stepPercent ?? 10, stepBakeTimeInMinutes: lc?.stepBakeTimeInMinutes ?? 6 }
      : undefined,
    canary: strategy === "CANARY"
      ? { canaryPercent: cc?.canaryPercent ?? 5, canaryBakeTimeInMinutes: cc?.canaryBakeTimeInMinutes ?? 10 }
      : undefined,
    circuitBreaker: toCircuitBreaker(c?.deploymentCircuitBreaker),
    alarms: {
      names: c?.alarms?.alarmNames ?? [],
      enable: c?.alarms?.enable ?? false,
      rollback: c?.alarms?.rollback ?? false
    },
    lifecycleHooks: (c?.lifecycleHooks ?? []).map((h) => ({
      targetType: h.targetType ?? "AWS_LAMBDA",
      hookTargetArn: h.hookTargetArn,
      lifecycleStages: h.lifecycleStages ?? []
    }))
  }
}

export const toServiceDeploymentBrief = (b: SdkBrief): ServiceDeploymentBrief => ({
  arn: b.serviceDeploymentArn ?? "",
  status: b.status ?? "",
  statusReason: b.statusReason,
  createdAt: b.createdAt?.getTime(),
  startedAt: b.startedAt?.getTime(),
  finishedAt: b.finishedAt?.getTime(),
  targetServiceRevisionArn: b.targetServiceRevisionArn
})

export const toServiceDeploymentState = (d: ServiceDeployment): ServiceDeploymentState => ({
  arn: d.serviceDeploymentArn ?? "",
  serviceArn: d.serviceArn ?? "",
  status: d.status ?? "",
  statusReason: d.statusReason,
  createdAt: d.createdAt?.getTime(),
  startedAt: d.startedAt?.getTime(),
  finishedAt: d.finishedAt?.getTime() ?? d.stoppedAt?.getTime(),
  updatedAt: d.updatedAt?.getTime(),
  targetServiceRevisionArn: d.targetServiceRevision?.arn,
  sourceServiceRevisionArns: (d.sourceServiceRevisions ?? []).flatMap((r) => (r.arn === undefined ? [] : [r.arn])),
  lifecycleStage: d.lifecycleStage,
  hooks: (d.lifecycleHookDetails ?? []).map((h) => ({
    hookId: h.hookId ?? "",
    targetType: h.targetType ?? "AWS_LAMBDA",
    status: h.status ?? "",
    expiresAt: h.expiresAt?.getTime()
  })),
  productionTrafficWeight: d.targetServiceRevision?.requestedProductionTrafficWeight,
  strategy: d.deploymentConfiguration?.strategy === undefined
    ? undefined
    : strategyOf(d.deploymentConfiguration.strategy),
  bakeTimeInMinutes: d.deploymentConfiguration?.bakeTimeInMinutes,
  rollbackReason: d.rollback?.reason
})

export const toTaskState = (t: Task): TaskState => ({
  taskArn: t.taskArn ?? "",
  taskDefinitionArn: t.taskDefinitionArn ?? "",
  lastStatus: t.lastStatus ?? "",
  healthStatus: t.healthStatus,
  stoppedReason: t.stoppedReason,
  startedBy: t.startedBy
})

/** UpdateService answers the service with the deployment it started as PRIMARY. */
export const startedDeploymentOf = (s: Service | undefined): StartedDeployment => {
  const primary = s?.deployments?.find((d) => d.status === "PRIMARY")
  return {
    id: primary?.id,
    createdAt: primary?.createdAt?.getTime(),
    serviceDeploymentArn: s?.currentServiceDeployment
  }
}
