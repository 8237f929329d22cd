import type { Deployment as SdkDeployment, Service, Task } from "@aws-sdk/client-ecs"
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
  recentEvents: (s.events ?? []).flatMap((e) => (e.message === undefined ? [] : [e.message])).slice(0, recentEvents)
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
  return { id: primary?.id, createdAt: primary?.createdAt?.getTime() }
}
