/** Seeding services (not recorded as calls): a steady service as ECS would show it after a completed deployment. */
import type { SimEcsOps } from "./SimEcsOps.js"
import { shortName } from "./SimFaults.js"
import { type CircuitBreakerFlags, type DeploymentControllerType, parseArn, type ServiceRec } from "./SimRecords.js"
import type { SimRollouts } from "./SimRollouts.js"
import type { SimStore } from "./SimStore.js"

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
  readonly circuitBreaker?: boolean | { readonly enable?: boolean | undefined; readonly rollback?: boolean | undefined } | undefined
  /** Default ECS. CODE_DEPLOY and EXTERNAL services refuse an UpdateService with a task definition. */
  readonly deploymentController?: DeploymentControllerType | undefined
  /** This service's DescribeServices lag (see SimModelOptions.describeLagSeconds). */
  readonly describeLagSeconds?: number | undefined
}

const breakerFlags = (spec: AddServiceSpec["circuitBreaker"]): CircuitBreakerFlags => {
  if (spec === undefined || typeof spec === "boolean") return { enable: spec ?? true, rollback: spec ?? true }
  const enable = spec.enable ?? true
  return { enable, rollback: spec.rollback ?? enable }
}

/** Adds the service (and its cluster when missing) with one COMPLETED deployment; answers its ARN. Throws on a bad spec. */
export const seedService = (store: SimStore, rollouts: SimRollouts, ecs: SimEcsOps, spec: AddServiceSpec, now: number): string => {
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
    staleView: undefined
  }
  if (spec.describeLagSeconds !== undefined) {
    ecs.setDescribeLag(spec.describeLagSeconds, { region, cluster: clusterName, service: spec.name })
  }
  cluster.services.set(spec.name, svc)
  rollouts.seedSteady(svc, now, spec.healthCheck ?? true)
  return svc.arn
}
