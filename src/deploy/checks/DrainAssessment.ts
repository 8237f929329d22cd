import { type CircuitBreaker, failureThreshold } from "../../domain/DeploymentModel.js"
import { shortName } from "../../domain/TaskDefinitionArn.js"
import type { Deployment, ServiceState, StartedDeployment } from "../../ports/Ecs.js"

/** Why a new deployment failed. */
export type DrainFailure =
  | "unhealthy"
  | "crash-loop"
  | "circuit-breaker"
  | "replaced"
  | "missing"
  | "rolled-back-by-ecs"
  | "stopped-by-ecs"
  /** ECS's own rollback of the deployment failed: gehen restores the service itself. */
  | "ecs-rollback-failed"

export type Assessment =
  | { readonly _tag: "Drained"; readonly observation: string }
  /** `newReady`: the new deployment runs its desired count (only old tasks may linger). */
  | { readonly _tag: "Waiting"; readonly observation: string; readonly newReady: boolean }
  | { readonly _tag: "Failed"; readonly reason: DrainFailure; readonly detail: string }

/** The deployment a drain check waits for. */
export interface Awaited {
  /** The task definition the service must settle on. */
  readonly taskDefinition: string
  /**
   * The deployment UpdateService started, by id: judged as that deployment, not by task
   * definition (a redeploy or a re-run shares it with the old one). Absent when gehen
   * started none (`updateStrategy: none`) or never saw the answer.
   */
  readonly deployment?: StartedDeployment | undefined
}

export { failureThreshold } from "../../domain/DeploymentModel.js"

/** Where a service's bar of failed tasks comes from, in words. */
export const barReason = (breaker: CircuitBreaker | undefined): string => {
  const t = breaker?.enable === true ? breaker.threshold : undefined
  if (t === undefined) return "half the desired count, at least 3"
  return t.type === "COUNT"
    ? `the service's circuit breaker threshold, ${t.value} tasks`
    : `the service's circuit breaker threshold, ${t.value}% of the desired count${
      t.type === "BOUNDED_PERCENT" ? " (3 to 200)" : ""
    }`
}

/**
 * What a poll saw, in words. A deploy counts the new deployment and the old ones; a
 * rollback names the revision it restores and what else still runs, by task definition
 * (its "old" deployments are the failed new version and earlier ones of the same revision).
 */
const observe = (mine: Deployment, others: ReadonlyArray<Deployment>, restoring: boolean): string => {
  const progress = (mine.pendingCount > 0 ? `, ${mine.pendingCount} pending` : "") +
    (mine.failedTasks > 0 ? `, ${mine.failedTasks} failed` : "")
  if (!restoring) {
    const oldRunning = others.reduce((n, d) => n + d.runningCount, 0)
    return `${mine.runningCount}/${mine.desiredCount} new running` + progress +
      (others.length > 0 ? `, old deployment${others.length > 1 ? "s" : ""} ${oldRunning} running` : "")
  }
  const still = new Map<string, number>()
  for (const d of others) {
    const name = d.taskDefinition === mine.taskDefinition
      ? `an earlier deployment of ${shortName(d.taskDefinition)}`
      : shortName(d.taskDefinition)
    still.set(name, (still.get(name) ?? 0) + d.runningCount)
  }
  return `${mine.runningCount}/${mine.desiredCount} of ${shortName(mine.taskDefinition)} running` + progress +
    [...still].map(([name, n]) => `, ${name} still ${n} running`).join("")
}

/** How `mine` stands once found: failed, drained, or still on its way. */
const judge = (state: ServiceState, mine: Deployment, restoring: boolean): Assessment => {
  if (mine.rolloutState === "FAILED") {
    return {
      _tag: "Failed",
      reason: "circuit-breaker",
      detail: `deployment ${mine.id} failed: ${mine.rolloutStateReason ?? "rolloutState FAILED"}`
    }
  }
  const breaker = state.deploymentModel?.circuitBreaker
  const threshold = failureThreshold(state.desiredCount, breaker)
  if (mine.failedTasks >= threshold) {
    // ECS's events say why its tasks stopped: failing health checks, or containers that exit.
    const health = state.recentEvents.some((e) => /unhealthy|health check/i.test(e))
    return {
      _tag: "Failed",
      reason: health ? "unhealthy" : "crash-loop",
      detail: `${mine.failedTasks} tasks of ${shortName(mine.taskDefinition)} failed` +
        (health ? " their health checks (UNHEALTHY)" : " to stay up") +
        ` (the bar is ${threshold}: ${barReason(breaker)})`
    }
  }
  const others = state.deployments.filter((d) => d !== mine)
  const observation = observe(mine, others, restoring)
  const newReady = mine.runningCount === mine.desiredCount && mine.pendingCount === 0
  const drained = others.length === 0 && newReady && mine.desiredCount === state.desiredCount
  return drained ? { _tag: "Drained", observation } : { _tag: "Waiting", observation, newReady }
}

/** By deployment id: an id not visible yet is "keep polling", never replaced or drained. */
const assessById = (
  state: ServiceState,
  started: StartedDeployment & { readonly id: string },
  restoring: boolean
): Assessment => {
  const mine = state.deployments.find((d) => d.id === started.id)
  if (mine === undefined) {
    // A stale read shows older deployments only; a newer one means someone deployed over ours.
    const newer = started.createdAt === undefined
      ? undefined
      : state.deployments.find((d) => d.createdAt !== undefined && d.createdAt > started.createdAt!)
    return newer === undefined
      ? { _tag: "Waiting", observation: `deployment ${started.id} not visible yet`, newReady: false }
      : {
        _tag: "Failed",
        reason: "replaced",
        detail: `deployment ${newer.id} of ${shortName(newer.taskDefinition)} replaced deployment ${started.id}`
      }
  }
  if (mine.status !== "PRIMARY" && mine.rolloutState !== "FAILED") {
    const primary = state.deployments.find((d) => d.status === "PRIMARY")
    return {
      _tag: "Failed",
      reason: "replaced",
      detail: `the service's primary deployment is ${primary?.id ?? "another one"}` +
        `${primary === undefined ? "" : ` (${shortName(primary.taskDefinition)})`}, not ${started.id}`
    }
  }
  return judge(state, mine, restoring)
}

/**
 * Without a deployment id (nothing started, or the answer never seen): the PRIMARY
 * deployment on the wanted task definition. `settled` says whether it must be visible
 * by now; before that, another primary is a stale read, not a replacement.
 */
const assessByTaskDefinition = (
  state: ServiceState,
  taskDefinition: string,
  settled: boolean,
  restoring: boolean
): Assessment => {
  const primary = state.deployments.find((d) => d.status === "PRIMARY")
  const failed = state.deployments.find((d) => d.taskDefinition === taskDefinition && d.rolloutState === "FAILED")
  if (failed !== undefined) return judge(state, failed, restoring)
  if (primary === undefined || primary.taskDefinition !== taskDefinition) {
    if (primary !== undefined && settled) {
      return {
        _tag: "Failed",
        reason: "replaced",
        detail: `the service's primary deployment is ${shortName(primary.taskDefinition)}, not ${
          shortName(taskDefinition)
        }`
      }
    }
    return {
      _tag: "Waiting",
      observation: `waiting for the deployment of ${shortName(taskDefinition)} to appear`,
      newReady: false
    }
  }
  return judge(state, primary, restoring)
}

/**
 * ECS's services-stable meaning, made stricter: the deployment gehen started is the
 * only one left, PRIMARY, with every desired task running and none pending. A FAILED
 * rollout, tasks that keep failing, or a newer deployment fail at once.
 */
export const assessDrain = (state: ServiceState, awaited: Awaited, settled: boolean, restoring = false): Assessment => {
  const id = awaited.deployment?.id
  return id === undefined
    ? assessByTaskDefinition(state, awaited.taskDefinition, settled, restoring)
    : assessById(state, { id, createdAt: awaited.deployment?.createdAt }, restoring)
}
