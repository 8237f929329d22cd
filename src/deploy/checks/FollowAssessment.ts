import {
  type DeploymentModel,
  rolledBackByEcs,
  type ServiceDeploymentState,
  stopped
} from "../../domain/DeploymentModel.js"
import type { ServiceState } from "../../ports/Ecs.js"
import { assessDrain, type Assessment, type Awaited } from "./DrainAssessment.js"

/** What gehen saw of a paused lifecycle hook, for the observation. */
export interface HookView {
  readonly handled: boolean
  readonly command: string | undefined
}

const stageNames: Readonly<Record<string, string>> = {
  RECONCILE_SERVICE: "reconciling",
  PRE_SCALE_UP: "before scale-up",
  SCALE_UP: "starting green tasks",
  POST_SCALE_UP: "after scale-up",
  TEST_TRAFFIC_SHIFT: "shifting test traffic",
  POST_TEST_TRAFFIC_SHIFT: "test traffic on green",
  PRODUCTION_TRAFFIC_SHIFT: "shifting production traffic",
  POST_PRODUCTION_TRAFFIC_SHIFT: "production traffic on green",
  BAKE_TIME: "baking",
  CLEAN_UP: "cleaning up blue tasks"
}

/** The stage in words; while baking, the time baked of the bake time ("baking, 4 of 10 min"). */
export const stageText = (
  sd: ServiceDeploymentState,
  model: DeploymentModel | undefined,
  stageSince: number | undefined,
  now: number
): string => {
  const stage = sd.lifecycleStage
  const name = stage === undefined ? sd.status : stageNames[stage] ?? stage
  if (stage === "BAKE_TIME" && stageSince !== undefined) {
    const bake = sd.bakeTimeInMinutes ?? model?.bakeTimeInMinutes ?? 0
    return `baking, ${Math.min(bake, Math.floor((now - stageSince) / 60_000))} of ${bake} min`
  }
  if (stage === "PRODUCTION_TRAFFIC_SHIFT" && sd.productionTrafficWeight !== undefined) {
    return `${name}, ${sd.productionTrafficWeight}% on the new revision`
  }
  return name
}

/**
 * A service followed through its service deployment: ECS rolling it back fails the
 * service at once ("rolled back by ECS", with ECS's reason), and so does a stop ("stopped
 * by ECS": a breaker or alarm without rollback, or a person; "replaced" when DescribeServices
 * shows a newer deployment); SUCCESSFUL is drained once
 * DescribeServices agrees (the new deployment the only one, all desired tasks running);
 * in progress, the stage is the observation. DescribeServices' own failures (a FAILED
 * rollout, failing tasks) still count while in progress.
 */
export const assessFollowed = (
  state: ServiceState,
  awaited: Awaited,
  sd: ServiceDeploymentState,
  settled: boolean,
  stage: string,
  hook: HookView | undefined
): Assessment => {
  const why = sd.statusReason ?? sd.rollbackReason ?? sd.status
  if (rolledBackByEcs(sd.status)) {
    return { _tag: "Failed", reason: "rolled-back-by-ecs", detail: `rolled back by ECS (${sd.status}): ${why}` }
  }
  const drain = assessDrain(state, awaited, settled)
  if (stopped(sd.status)) {
    // Stopped where it stood, not rolled back: a newer deployment, or ECS (or a person) stopping this one.
    return drain._tag === "Failed" && drain.reason === "replaced"
      ? drain
      : { _tag: "Failed", reason: "stopped-by-ecs", detail: `stopped by ECS, not rolled back (${sd.status}): ${why}` }
  }
  if (sd.status === "SUCCESSFUL") {
    return drain._tag === "Waiting"
      ? { ...drain, observation: `service deployment SUCCESSFUL; DescribeServices: ${drain.observation}` }
      : drain._tag === "Drained"
      ? { _tag: "Drained", observation: `service deployment SUCCESSFUL; ${drain.observation}` }
      // ECS says done: a stale view naming another deployment is not a replacement.
      : {
        _tag: "Waiting",
        observation: "service deployment SUCCESSFUL; DescribeServices not caught up",
        newReady: true
      }
  }
  if (drain._tag === "Failed" && drain.reason !== "replaced") return drain
  const waiting = hook === undefined
    ? stage
    : hook.handled
    ? `${stage}, at a lifecycle hook gehen answers`
    : `${stage}, waiting for a person at a lifecycle hook: ${hook.command ?? ""}`
  return { _tag: "Waiting", observation: waiting, newReady: sd.lifecycleStage === "CLEAN_UP" }
}

/**
 * A rollback ECS runs, confirmed: ROLLBACK_SUCCESSFUL with DescribeServices showing the
 * previous task definition alone; ROLLBACK_FAILED, or the deployment completing instead,
 * fails the confirmation.
 */
export const assessRollback = (
  state: ServiceState,
  awaited: Awaited,
  sd: ServiceDeploymentState,
  settled: boolean
): Assessment => {
  if (sd.status === "ROLLBACK_FAILED") {
    return {
      _tag: "Failed",
      reason: "ecs-rollback-failed",
      detail: `ECS's rollback failed (ROLLBACK_FAILED)${sd.statusReason === undefined ? "" : `: ${sd.statusReason}`}`
    }
  }
  if (sd.status === "SUCCESSFUL" || stopped(sd.status)) {
    return {
      _tag: "Failed",
      reason: "replaced",
      detail: `service deployment ${sd.status} instead of rolled back${
        sd.statusReason === undefined ? "" : `: ${sd.statusReason}`
      }`
    }
  }
  if (sd.status !== "ROLLBACK_SUCCESSFUL") {
    return { _tag: "Waiting", observation: `ECS rolling back (${sd.status})`, newReady: false }
  }
  const drain = assessDrain(state, { taskDefinition: awaited.taskDefinition }, settled)
  return drain._tag === "Failed"
    ? { _tag: "Waiting", observation: "ROLLBACK_SUCCESSFUL; DescribeServices not caught up", newReady: false }
    : drain._tag === "Drained"
    ? { _tag: "Drained", observation: `ROLLBACK_SUCCESSFUL; ${drain.observation}` }
    : { ...drain, observation: `ROLLBACK_SUCCESSFUL; ${drain.observation}` }
}
