/** Seeding services (not recorded as calls): a steady service as ECS would show it after a completed deployment. */
import type { SimEcsOps } from "./EcsOps.js"
import { shortName } from "./Faults.js"
import {
  type CircuitBreakerFlags,
  type DeploymentControllerType,
  parseArn,
  rollingConfig,
  type ServiceRec,
  type SimDeploymentConfig,
  type SimStrategy
} from "./Records.js"
import type { SimRollouts } from "./Rollouts.js"
import type { SimStore } from "./Store.js"

export interface AddServiceSpec {
  /** Cluster name or ARN; created when missing. */
  readonly cluster: string
  readonly name: string
  /** Task definition ARN, `family:revision` or family; must be seeded in the region. */
  readonly taskDefinition: string
  readonly region?: string | undefined
  /** Default 2. */
  readonly desiredCount?: number | undefined
  /** Default ACTIVE. */
  readonly status?: "ACTIVE" | "DRAINING" | "INACTIVE" | undefined
  /** Default true: steady tasks report HEALTHY. */
  readonly healthCheck?: boolean | undefined
  /**
   * deploymentConfiguration.deploymentCircuitBreaker: a boolean sets both flags; as an
   * object `enable` defaults to true and `rollback` to `enable`. Default: both on.
   */
  readonly circuitBreaker?:
    | boolean
    | {
      readonly enable?: boolean | undefined
      readonly rollback?: boolean | undefined
      readonly threshold?: CircuitBreakerFlags["threshold"]
      readonly resetOnHealthyTask?: boolean | undefined
    }
    | undefined
  /** Default ECS. CODE_DEPLOY and EXTERNAL services refuse an UpdateService with a task definition. */
  readonly deploymentController?: DeploymentControllerType | undefined
  /** This service's DescribeServices lag (see SimModelOptions.describeLagSeconds). */
  readonly describeLagSeconds?: number | undefined
  /** How ECS deploys it: strategy (default ROLLING), bake time, steps, alarms, lifecycle hooks. */
  readonly deployment?: DeploymentSpec | undefined
}

export interface DeploymentSpec {
  readonly strategy?: SimStrategy | undefined
  readonly bakeTimeInMinutes?: number | undefined
  readonly linear?:
    | { readonly stepPercent?: number | undefined; readonly stepBakeTimeInMinutes?: number | undefined }
    | undefined
  readonly canary?: {
    readonly canaryPercent?: number | undefined
    readonly canaryBakeTimeInMinutes?: number | undefined
  } | undefined
  /** CloudWatch alarms watched during a deployment; `rollback` defaults to true. */
  readonly alarms?: { readonly names: ReadonlyArray<string>; readonly rollback?: boolean | undefined } | undefined
  readonly hooks?:
    | ReadonlyArray<{
      readonly targetType?: "AWS_LAMBDA" | "PAUSE" | undefined
      readonly hookTargetArn?: string | undefined
      readonly lifecycleStages: ReadonlyArray<string>
    }>
    | undefined
}

const deploymentConfigOf = (spec: DeploymentSpec | undefined): SimDeploymentConfig => {
  const strategy = spec?.strategy ?? "ROLLING"
  const d = rollingConfig
  return {
    strategy,
    bakeTimeInMinutes: strategy === "ROLLING" ? 0 : spec?.bakeTimeInMinutes ?? 0,
    linear: {
      stepPercent: spec?.linear?.stepPercent ?? d.linear.stepPercent,
      stepBakeTimeInMinutes: spec?.linear?.stepBakeTimeInMinutes ?? d.linear.stepBakeTimeInMinutes
    },
    canary: {
      canaryPercent: spec?.canary?.canaryPercent ?? d.canary.canaryPercent,
      canaryBakeTimeInMinutes: spec?.canary?.canaryBakeTimeInMinutes ?? d.canary.canaryBakeTimeInMinutes
    },
    alarms: spec?.alarms === undefined
      ? d.alarms
      : { names: [...spec.alarms.names], enable: spec.alarms.names.length > 0, rollback: spec.alarms.rollback ?? true },
    hooks: (spec?.hooks ?? []).map((h) => ({
      targetType: h.targetType ?? "AWS_LAMBDA",
      hookTargetArn: h.hookTargetArn,
      lifecycleStages: [...h.lifecycleStages]
    }))
  }
}

const breakerFlags = (spec: AddServiceSpec["circuitBreaker"]): CircuitBreakerFlags => {
  if (spec === undefined || typeof spec === "boolean") return { enable: spec ?? true, rollback: spec ?? true }
  const enable = spec.enable ?? true
  return {
    enable,
    rollback: spec.rollback ?? enable,
    ...(spec.threshold === undefined ? {} : { threshold: spec.threshold }),
    ...(spec.resetOnHealthyTask === undefined ? {} : { resetOnHealthyTask: spec.resetOnHealthyTask })
  }
}

/** Adds the service (and its cluster when missing) with one COMPLETED deployment; answers its ARN. Throws on a bad spec. */
export const seedService = (
  store: SimStore,
  rollouts: SimRollouts,
  ecs: SimEcsOps,
  spec: AddServiceSpec,
  now: number
): string => {
  const region = spec.region ?? (spec.cluster.startsWith("arn:") ? parseArn(spec.cluster)?.region : undefined) ??
    store.defaultRegion
  const clusterName = shortName(spec.cluster)
  store.addCluster(clusterName, region)
  const cluster = store.findCluster(region, clusterName)
  if (cluster === undefined) throw new Error("unreachable: cluster just added")
  const td = store.resolveTaskDef(region, spec.taskDefinition)
  if (td === undefined) throw new Error(`addService: task definition ${spec.taskDefinition} is not seeded in ${region}`)
  if (cluster.services.has(spec.name)) throw new Error(`addService: ${spec.name} already exists in ${clusterName}`)
  const desiredCount = spec.desiredCount ?? 2
  if (!Number.isInteger(desiredCount) || desiredCount < 0) throw new Error(`addService: desiredCount ${desiredCount}`)
  const svc: ServiceRec = {
    name: spec.name,
    arn: `arn:aws:ecs:${region}:${store.accountId}:service/${clusterName}/${spec.name}`,
    cluster,
    createdAt: now,
    status: spec.status ?? "ACTIVE",
    desiredCount,
    taskDefinitionArn: td.arn,
    circuitBreaker: breakerFlags(spec.circuitBreaker),
    deploymentController: spec.deploymentController ?? "ECS",
    deployments: [],
    tasks: [],
    events: [],
    timers: [],
    staleView: undefined,
    deploymentConfig: deploymentConfigOf(spec.deployment),
    serviceDeployments: [],
    probes: 0
  }
  if (spec.describeLagSeconds !== undefined) {
    ecs.setDescribeLag(spec.describeLagSeconds, { region, cluster: clusterName, service: spec.name })
  }
  cluster.services.set(spec.name, svc)
  rollouts.seedSteady(svc, now, spec.healthCheck ?? true)
  return svc.arn
}
