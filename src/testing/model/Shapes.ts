/** The model's records in the AWS SDK's shapes, as DescribeServices, DescribeTasks and friends answer them. */
import type {
  Container,
  Deployment,
  DeploymentConfiguration,
  DeploymentLifecycleHookStage,
  RegisterTaskDefinitionRequest,
  Service,
  ServiceDeployment,
  ServiceDeploymentBrief,
  Task,
  TaskDefinition
} from "@aws-sdk/client-ecs"
import type { Rule } from "@aws-sdk/client-eventbridge"
import type { SimLatitude } from "./Choices.js"
import {
  clone,
  type DeploymentRec,
  desiredStatus,
  essentialExitReason,
  healthStatus,
  type RuleRec,
  type ServiceDeploymentRec,
  type ServiceRec,
  taskCounts,
  type TaskDefRec,
  type TaskRec,
  taskStatus
} from "./Records.js"
import type { SimStore } from "./Store.js"

/**
 * An answer's time and the order of its lists as the run's choices have them (`lat`), or
 * (without one, for inspection) to the millisecond and newest first.
 */
const at = (lat: SimLatitude | undefined, ms: number): Date => (lat === undefined ? new Date(ms) : lat.time(ms))
const newestFirst = <A>(lat: SimLatitude | undefined, items: ReadonlyArray<A>, keyOf: (a: A) => string): Array<A> =>
  lat === undefined ? [...items] : lat.order([...items].reverse(), keyOf)

export const toDeployment = (svc: ServiceRec, d: DeploymentRec, now: number, lat?: SimLatitude): Deployment => {
  const out: Deployment = {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinitionArn,
    desiredCount: d.desiredCount,
    ...taskCounts(svc.tasks, d.id, now),
    failedTasks: d.failedTasks,
    createdAt: at(lat, d.createdAt),
    updatedAt: at(lat, d.updatedAt),
    launchType: "FARGATE"
  }
  // Only the ECS controller reports a rollout state.
  if (svc.deploymentController === "ECS") {
    out.rolloutState = d.rolloutState
    out.rolloutStateReason = d.rolloutStateReason
  }
  return out
}

export const toService = (svc: ServiceRec, now: number, lat?: SimLatitude): Service => {
  const deployments = newestFirst(lat, svc.deployments, (d) => d.id).map((d) => toDeployment(svc, d, now, lat))
  return {
    serviceArn: svc.arn,
    serviceName: svc.name,
    clusterArn: svc.cluster.arn,
    status: svc.status,
    desiredCount: svc.desiredCount,
    runningCount: deployments.reduce((n, d) => n + (d.runningCount ?? 0), 0),
    pendingCount: deployments.reduce((n, d) => n + (d.pendingCount ?? 0), 0),
    launchType: "FARGATE",
    taskDefinition: svc.taskDefinitionArn,
    deploymentConfiguration: toDeploymentConfiguration(svc),
    deployments,
    events: newestFirst(lat, svc.events, (e) => e.id).map((e) => ({
      id: e.id,
      createdAt: at(lat, e.at),
      message: e.message
    })),
    createdAt: at(lat, svc.createdAt),
    schedulingStrategy: "REPLICA",
    deploymentController: { type: svc.deploymentController },
    ...(svc.serviceDeployments[0] === undefined ? {} : { currentServiceDeployment: svc.serviceDeployments[0].arn })
  }
}

/** deploymentConfiguration as DescribeServices answers it: only what the service sets beyond ROLLING's defaults. */
export const toDeploymentConfiguration = (svc: ServiceRec): DeploymentConfiguration => {
  const c = svc.deploymentConfig
  const out: DeploymentConfiguration = {
    deploymentCircuitBreaker: {
      enable: svc.circuitBreaker.enable,
      rollback: svc.circuitBreaker.rollback,
      ...(svc.circuitBreaker.threshold === undefined
        ? {}
        : { thresholdConfiguration: { ...svc.circuitBreaker.threshold } }),
      ...(svc.circuitBreaker.resetOnHealthyTask === undefined
        ? {}
        : { resetOnHealthyTask: svc.circuitBreaker.resetOnHealthyTask })
    },
    maximumPercent: 200,
    minimumHealthyPercent: 100,
    strategy: c.strategy
  }
  if (c.strategy !== "ROLLING") out.bakeTimeInMinutes = c.bakeTimeInMinutes
  if (c.strategy === "LINEAR") out.linearConfiguration = { ...c.linear }
  if (c.strategy === "CANARY") out.canaryConfiguration = { ...c.canary }
  if (c.alarms.names.length > 0) {
    out.alarms = { alarmNames: [...c.alarms.names], enable: c.alarms.enable, rollback: c.alarms.rollback }
  }
  if (c.hooks.length > 0) {
    out.lifecycleHooks = c.hooks.map((h) => ({
      targetType: h.targetType,
      lifecycleStages: [...h.lifecycleStages] as Array<DeploymentLifecycleHookStage>,
      ...(h.hookTargetArn === undefined ? {} : { hookTargetArn: h.hookTargetArn })
    }))
  }
  return out
}

const revisionSummary = (
  svc: ServiceRec,
  arn: string,
  deploymentId: string | undefined,
  sd: ServiceDeploymentRec,
  now: number,
  target: boolean
) => {
  const counts = deploymentId === undefined
    ? { runningCount: 0, pendingCount: 0 }
    : taskCounts(svc.tasks, deploymentId, now)
  return {
    arn,
    requestedTaskCount: svc.desiredCount,
    runningTaskCount: counts.runningCount,
    pendingTaskCount: counts.pendingCount,
    requestedProductionTrafficWeight: target ? sd.productionWeight : 100 - sd.productionWeight,
    requestedTestTrafficWeight: target ? sd.testWeight : 100 - sd.testWeight
  }
}

export const toServiceDeploymentBrief = (
  svc: ServiceRec,
  sd: ServiceDeploymentRec,
  lat?: SimLatitude
): ServiceDeploymentBrief => ({
  serviceDeploymentArn: sd.arn,
  serviceArn: svc.arn,
  clusterArn: svc.cluster.arn,
  createdAt: at(lat, sd.createdAt),
  startedAt: at(lat, sd.createdAt),
  ...(sd.finishedAt === undefined ? {} : { finishedAt: at(lat, sd.finishedAt) }),
  targetServiceRevisionArn: sd.targetRevisionArn,
  status: sd.status as ServiceDeploymentBrief["status"],
  statusReason: sd.statusReason
})

export const toServiceDeployment = (
  svc: ServiceRec,
  sd: ServiceDeploymentRec,
  now: number,
  lat?: SimLatitude
): ServiceDeployment => {
  const byRevision = (arn: string) => svc.deployments.find((d) => d.revisionArn === arn)?.id
  const sources = lat === undefined ? sd.sourceRevisionArns : lat.order(sd.sourceRevisionArns, (arn) => arn)
  const out: ServiceDeployment = {
    serviceDeploymentArn: sd.arn,
    serviceArn: svc.arn,
    clusterArn: svc.cluster.arn,
    createdAt: at(lat, sd.createdAt),
    startedAt: at(lat, sd.createdAt),
    updatedAt: at(lat, sd.updatedAt),
    sourceServiceRevisions: sources.map((arn) => revisionSummary(svc, arn, byRevision(arn), sd, now, false)),
    targetServiceRevision: revisionSummary(svc, sd.targetRevisionArn, sd.deploymentId, sd, now, true),
    status: sd.status as ServiceDeployment["status"],
    statusReason: sd.statusReason,
    deploymentConfiguration: {
      ...toDeploymentConfiguration(svc),
      strategy: sd.strategy,
      bakeTimeInMinutes: sd.bakeTimeInMinutes
    },
    lifecycleHookDetails: sd.hooks.map((h) => ({
      hookId: h.hookId,
      targetType: h.targetType,
      status: h.status,
      expiresAt: at(lat, h.expiresAt)
    }))
  }
  if (sd.lifecycleStage !== undefined) out.lifecycleStage = sd.lifecycleStage as ServiceDeployment["lifecycleStage"]
  if (sd.finishedAt !== undefined) {
    if (sd.status === "STOPPED") out.stoppedAt = at(lat, sd.finishedAt)
    else out.finishedAt = at(lat, sd.finishedAt)
  }
  if (sd.rollback !== undefined) {
    out.rollback = { reason: sd.rollback.reason, startedAt: at(lat, sd.rollback.startedAt) }
  }
  return out
}

/**
 * The service as a lagging DescribeServices answers it: the view kept at the last
 * UpdateService (deployments, task definition, events), with the task counts of now.
 */
export const toStaleService = (svc: ServiceRec, view: Service, now: number, lat?: SimLatitude): Service => {
  const out = clone(view)
  const live = toService(svc, now, lat)
  out.runningCount = live.runningCount
  out.pendingCount = live.pendingCount
  out.deployments = (out.deployments ?? []).map((d) => ({ ...d, ...taskCounts(svc.tasks, d.id ?? "", now) }))
  return out
}

export const toTask = (store: SimStore, svc: ServiceRec, t: TaskRec, now: number, lat?: SimLatitude): Task => {
  const status = taskStatus(t, now)
  const health = healthStatus(t, now)
  const td = store.taskDefByArn(t.taskDefinitionArn)
  const crashed = status === "STOPPED" && t.stoppedReason === essentialExitReason
  const containers: Array<Container> = (td?.input.containerDefinitions ?? []).map((c, i) => {
    const container: Container = {
      containerArn: `arn:aws:ecs:${svc.cluster.region}:${store.accountId}:container/${svc.cluster.name}/${t.id}/${i}`,
      taskArn: t.arn,
      name: c.name,
      image: c.image,
      lastStatus: status === "PROVISIONING" ? "PENDING" : status,
      healthStatus: health
    }
    // The essential container is what exited; the others were stopped with the task.
    if (crashed) container.exitCode = c.essential === false ? 143 : 1
    return container
  })
  const task: Task = {
    taskArn: t.arn,
    clusterArn: svc.cluster.arn,
    taskDefinitionArn: t.taskDefinitionArn,
    lastStatus: status,
    desiredStatus: desiredStatus(t, now),
    healthStatus: health,
    startedBy: t.deploymentId,
    group: `service:${svc.name}`,
    launchType: "FARGATE",
    createdAt: at(lat, t.createdAt),
    containers
  }
  if (t.runningAt !== undefined && now >= t.runningAt) task.startedAt = at(lat, t.runningAt)
  if (status === "STOPPED" && t.stopAt !== undefined) {
    task.stoppedAt = at(lat, t.stopAt)
    task.stoppedReason = t.stoppedReason
    task.stopCode = crashed ? "EssentialContainerExited" : "ServiceSchedulerInitiated"
  }
  return task
}

export const toTaskDefinition = (store: SimStore, rec: TaskDefRec): TaskDefinition => {
  const rest: RegisterTaskDefinitionRequest = clone(rec.input)
  delete rest.tags
  const td: TaskDefinition = {
    ...rest,
    taskDefinitionArn: rec.arn,
    family: rec.family,
    revision: rec.revision,
    status: rec.status,
    compatibilities: ["EC2", "FARGATE"],
    registeredAt: new Date(rec.registeredAt),
    registeredBy: `arn:aws:iam::${store.accountId}:root`
  }
  if (rec.deregisteredAt !== undefined) td.deregisteredAt = new Date(rec.deregisteredAt)
  return td
}

export const toRule = (r: RuleRec): Rule => ({
  Name: r.name,
  Arn: r.arn,
  State: r.state,
  ScheduleExpression: r.scheduleExpression,
  EventBusName: r.eventBusName
})
