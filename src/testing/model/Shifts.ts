/**
 * Service deployments: the record ECS keeps of each deployment (status, lifecycle stage,
 * hooks, traffic weights) and, for BLUE_GREEN, LINEAR and CANARY services, the stages
 * that move traffic from the blue tasks to the green ones. ROLLING services only get the
 * record; the rollout engine moves their tasks as before. These are steps the rollout
 * engine (Rollouts) calls; they start no deployment, so they never call back into it.
 */
import {
  type DeploymentRec,
  type HookRec,
  isLive,
  isServing,
  mins,
  secs,
  type ServiceDeploymentRec,
  type ServiceRec
} from "./Records.js"
import type { SimStore } from "./Store.js"
import type { SimTimeline } from "./Timeline.js"

/** The stages after the green tasks are up, in order. */
const afterScaleUp = [
  "POST_SCALE_UP",
  "TEST_TRAFFIC_SHIFT",
  "POST_TEST_TRAFFIC_SHIFT",
  "PRODUCTION_TRAFFIC_SHIFT",
  "POST_PRODUCTION_TRAFFIC_SHIFT",
  "BAKE_TIME",
  "CLEAN_UP"
] as const

/** A PAUSE hook waits this long for ContinueServiceDeployment, then rolls back (ECS's default timeout action). */
const hookTimeoutMs = mins(60)
/** A Lambda hook answers SUCCEEDED after this long. */
const lambdaMs = secs(2)
/** How long a rollback's traffic shift back and clean-up take. */
const rollbackMs = secs(5)

export class SimShifts {
  constructor(private readonly store: SimStore, private readonly timeline: SimTimeline) {}

  /** The service deployment rolling out `d` (a rollback deployment ECS started belongs to the one it undoes). */
  of(svc: ServiceRec, d: DeploymentRec): ServiceDeploymentRec | undefined {
    return svc.serviceDeployments.find((sd) => sd.deploymentId === d.id) ??
      (d.isRollback
        ? svc.serviceDeployments.find((sd) => sd.rollback !== undefined && sd.status === "ROLLBACK_IN_PROGRESS")
        : undefined)
  }

  /** The deployment the record rolls out. */
  deploymentOf(svc: ServiceRec, sd: ServiceDeploymentRec): DeploymentRec | undefined {
    return svc.deployments.find((d) => d.id === sd.deploymentId)
  }

  /** Traffic-shifting: a strategy other than ROLLING. */
  shifts(svc: ServiceRec): boolean {
    return svc.deploymentConfig.strategy !== "ROLLING"
  }

  /** Records a new deployment; one still in progress is STOPPED (a newer one replaced it). */
  open(svc: ServiceRec, d: DeploymentRec, at: number, status: "IN_PROGRESS" | "SUCCESSFUL"): ServiceDeploymentRec {
    for (const old of svc.serviceDeployments) {
      if (old.status === "IN_PROGRESS" || old.status === "PENDING") {
        this.finish(old, at, "STOPPED", `Service deployment stopped: a newer deployment (${d.id}) replaced it.`)
      }
    }
    const sd: ServiceDeploymentRec = {
      arn:
        `arn:aws:ecs:${svc.cluster.region}:${this.store.accountId}:service-deployment/${svc.cluster.name}/${svc.name}/sd${this.store.next()}`,
      deploymentId: d.id,
      targetRevisionArn: d.revisionArn,
      sourceRevisionArns: [...new Set(svc.deployments.filter((x) => x !== d).map((x) => x.revisionArn))],
      strategy: svc.deploymentConfig.strategy,
      bakeTimeInMinutes: svc.deploymentConfig.bakeTimeInMinutes,
      createdAt: at,
      updatedAt: at,
      finishedAt: status === "SUCCESSFUL" ? at : undefined,
      status,
      statusReason: status === "SUCCESSFUL" ? "Service deployment completed." : "Service deployment in progress.",
      lifecycleStage: status === "SUCCESSFUL" ? undefined : "SCALE_UP",
      hooks: [],
      productionWeight: status === "SUCCESSFUL" || !this.shifts(svc) ? 100 : 0,
      testWeight: status === "SUCCESSFUL" || !this.shifts(svc) ? 100 : 0,
      rollback: undefined
    }
    svc.serviceDeployments.unshift(sd)
    return sd
  }

  private finish(sd: ServiceDeploymentRec, at: number, status: string, reason: string): void {
    sd.status = status
    sd.statusReason = reason
    sd.updatedAt = at
    sd.finishedAt = at
  }

  // ---------------------------------------------------------------- ROLLING

  /** A rolling deployment completed: its record SUCCESSFUL, or the rollback it was ROLLBACK_SUCCESSFUL. */
  completed(svc: ServiceRec, d: DeploymentRec, at: number): void {
    const sd = this.of(svc, d)
    if (sd === undefined || (sd.status !== "IN_PROGRESS" && sd.status !== "ROLLBACK_IN_PROGRESS")) return
    if (sd.status === "ROLLBACK_IN_PROGRESS") {
      this.finish(sd, at, "ROLLBACK_SUCCESSFUL", `Rolled back: ${sd.rollback?.reason ?? ""}`)
    } else this.finish(sd, at, "SUCCESSFUL", "Service deployment completed.")
  }

  /** A rolling deployment FAILED: rolled back by ECS (`rolledBack`), or stopped where it is. */
  failed(svc: ServiceRec, d: DeploymentRec, at: number, reason: string, rollingBack: boolean): void {
    const sd = this.of(svc, d)
    if (sd === undefined) return
    if (sd.status === "ROLLBACK_IN_PROGRESS") {
      return this.finish(sd, at, "ROLLBACK_FAILED", `The rollback failed: ${reason}`)
    }
    if (sd.status !== "IN_PROGRESS") return
    if (rollingBack) this.rollingBack(sd, at, reason)
    else this.finish(sd, at, "STOPPED", reason)
  }

  private rollingBack(sd: ServiceDeploymentRec, at: number, reason: string): void {
    sd.status = "ROLLBACK_IN_PROGRESS"
    sd.statusReason = reason
    sd.rollback = { reason, startedAt: at }
    sd.updatedAt = at
  }

  // ---------------------------------------------------------------- traffic shifting

  /** The green tasks are up: run the stages from POST_SCALE_UP on. */
  ready(svc: ServiceRec, d: DeploymentRec, at: number): void {
    const sd = this.of(svc, d)
    if (sd === undefined || sd.status !== "IN_PROGRESS" || sd.lifecycleStage !== "SCALE_UP") return
    this.enter(svc, sd, 0, at)
  }

  private enter(svc: ServiceRec, sd: ServiceDeploymentRec, index: number, at: number): void {
    if (sd.status !== "IN_PROGRESS") return
    const stage = afterScaleUp[index]
    if (stage === undefined) return
    sd.lifecycleStage = stage
    sd.updatedAt = at
    const next = (after: number) => this.timeline.schedule(svc, at + after, (t) => this.enter(svc, sd, index + 1, t))
    const hooks = svc.deploymentConfig.hooks.filter((h) => h.lifecycleStages.includes(stage))
    if (hooks.length > 0 && !sd.hooks.some((h) => h.stage === stage)) {
      for (const h of hooks) {
        const hook: HookRec = {
          hookId: `hook-${this.store.next()}`,
          targetType: h.targetType,
          stage,
          status: h.targetType === "PAUSE" ? "AWAITING_ACTION" : "IN_PROGRESS",
          expiresAt: at + hookTimeoutMs
        }
        sd.hooks.push(hook)
        if (h.targetType === "PAUSE") {
          this.timeline.schedule(svc, hook.expiresAt, (t) => {
            if (hook.status !== "AWAITING_ACTION") return
            hook.status = "TIMED_OUT"
            this.rollBackShift(svc, sd, t, `Lifecycle hook ${hook.hookId} timed out at ${stage}.`)
          })
        } else {
          this.timeline.schedule(svc, at + lambdaMs, (t) => {
            hook.status = "SUCCEEDED"
            this.resume(svc, sd, stage, t)
          })
        }
      }
      return
    }
    this.act(svc, sd, stage, at, next)
  }

  /** Goes on past `stage` once none of its hooks is still waiting. */
  private resume(svc: ServiceRec, sd: ServiceDeploymentRec, stage: string, at: number): void {
    if (sd.status !== "IN_PROGRESS" || sd.lifecycleStage !== stage) return
    if (sd.hooks.some((h) => h.stage === stage && h.status !== "SUCCEEDED")) return
    const index = afterScaleUp.findIndex((s) => s === stage)
    this.act(
      svc,
      sd,
      stage,
      at,
      (after) => this.timeline.schedule(svc, at + after, (t) => this.enter(svc, sd, index + 1, t))
    )
  }

  /** A stage without hooks or waiting lasts a second, or as long as the deployment's tasks take to start if quicker. */
  private gap(svc: ServiceRec, sd: ServiceDeploymentRec): number {
    return secs(Math.min(1, this.deploymentOf(svc, sd)?.behaviour.startAfter ?? 1))
  }

  /** What a stage does, then when the next one starts. */
  private act(
    svc: ServiceRec,
    sd: ServiceDeploymentRec,
    stage: string,
    at: number,
    next: (after: number) => void
  ): void {
    const c = svc.deploymentConfig
    const gap = this.gap(svc, sd)
    switch (stage) {
      case "TEST_TRAFFIC_SHIFT":
        sd.testWeight = 100
        return next(gap)
      case "PRODUCTION_TRAFFIC_SHIFT": {
        if (sd.strategy === "BLUE_GREEN") {
          sd.productionWeight = 100
          return next(gap)
        }
        const steps = sd.strategy === "CANARY"
          ? [c.canary.canaryPercent, 100]
          : Array.from(
            { length: Math.ceil(100 / c.linear.stepPercent) },
            (_, i) => Math.min(100, (i + 1) * c.linear.stepPercent)
          )
        const wait = mins(sd.strategy === "CANARY" ? c.canary.canaryBakeTimeInMinutes : c.linear.stepBakeTimeInMinutes)
        const step = (i: number, t: number): void => {
          if (sd.status !== "IN_PROGRESS") return
          sd.productionWeight = steps[i] ?? 100
          sd.updatedAt = t
          if (i + 1 >= steps.length) return this.timeline.schedule(svc, t + gap, (u) => this.enter(svc, sd, 4, u))
          this.timeline.schedule(svc, t + wait, (u) => step(i + 1, u))
        }
        return step(0, at)
      }
      case "BAKE_TIME":
        return next(mins(sd.bakeTimeInMinutes))
      case "CLEAN_UP":
        return this.cleanUp(svc, sd, at)
      default:
        return next(gap)
    }
  }

  /** The blue tasks stop; the green deployment is the only one, COMPLETED. */
  private cleanUp(svc: ServiceRec, sd: ServiceDeploymentRec, at: number): void {
    const d = this.deploymentOf(svc, sd)
    if (d === undefined) return
    const drainMs = secs(d.behaviour.drainAfter)
    for (const o of svc.deployments) {
      if (o === d) continue
      o.desiredCount = 0
      for (const t of svc.tasks) {
        if (t.deploymentId === o.id && isLive(t, at)) {
          this.timeline.stopTask(t, at, at + drainMs, `Scaling activity initiated by (deployment ${d.id})`)
        }
      }
    }
    this.timeline.schedule(svc, at + drainMs, (t) => {
      if (sd.status !== "IN_PROGRESS") return
      svc.deployments = [d]
      d.rolloutState = "COMPLETED"
      d.rolloutStateReason = `ECS deployment ${d.id} completed.`
      d.updatedAt = t
      this.finish(sd, t, "SUCCESSFUL", "Service deployment completed.")
      this.timeline.event(svc, t, `(service ${svc.name}) (deployment ${d.id}) deployment completed.`)
      this.timeline.event(svc, t, `(service ${svc.name}) has reached a steady state.`)
    })
  }

  /**
   * Traffic back on the blue revision at once, the green tasks stopped, the blue deployment
   * PRIMARY again; ROLLBACK_SUCCESSFUL once the green tasks are gone.
   */
  rollBackShift(svc: ServiceRec, sd: ServiceDeploymentRec, at: number, reason: string): void {
    if (sd.status !== "IN_PROGRESS") return
    this.rollingBack(sd, at, reason)
    sd.productionWeight = 0
    sd.testWeight = 0
    const green = this.deploymentOf(svc, sd)
    const blue = svc.deployments.find((d) => d !== green)
    if (green !== undefined) {
      green.rolloutState = "FAILED"
      green.rolloutStateReason = reason
      green.status = "ACTIVE"
      green.desiredCount = 0
      green.updatedAt = at
      for (const t of svc.tasks) {
        if (t.deploymentId === green.id && isLive(t, at)) {
          this.timeline.stopTask(t, at, at + rollbackMs, "Service deployment rolled back")
        }
      }
    }
    if (blue !== undefined) {
      blue.status = "PRIMARY"
      blue.updatedAt = at
      svc.taskDefinitionArn = blue.taskDefinitionArn
    }
    this.timeline.event(svc, at, `(service ${svc.name}) service deployment ${sd.arn} rolling back: ${reason}`)
    this.timeline.schedule(svc, at + rollbackMs, (t) => {
      if (sd.status !== "ROLLBACK_IN_PROGRESS") return
      if (green?.behaviour.rollbackFails === true) {
        // The blue tasks did not come back either: the service is left to whoever deploys next.
        return this.finish(sd, t, "ROLLBACK_FAILED", `The rollback failed: ${reason}`)
      }
      if (blue !== undefined) {
        svc.deployments = [blue]
        blue.rolloutState = "COMPLETED"
      }
      this.finish(sd, t, "ROLLBACK_SUCCESSFUL", `Rolled back: ${reason}`)
    })
  }

  /** ContinueServiceDeployment on a waiting PAUSE hook. */
  continueHook(
    svc: ServiceRec,
    sd: ServiceDeploymentRec,
    hook: HookRec,
    action: "CONTINUE" | "ROLLBACK",
    at: number
  ): void {
    if (action === "ROLLBACK") {
      hook.status = "FAILED"
      return this.rollBackShift(svc, sd, at, `Lifecycle hook ${hook.hookId} answered ROLLBACK at ${hook.stage}.`)
    }
    hook.status = "SUCCEEDED"
    this.resume(svc, sd, hook.stage, at)
  }

  // ---------------------------------------------------------------- what the listeners serve

  /** The shifting deployment of a traffic-shifting service, if one is under way. */
  private shifting(svc: ServiceRec): ServiceDeploymentRec | undefined {
    if (!this.shifts(svc)) return undefined
    return svc.serviceDeployments.find((sd) => sd.status === "IN_PROGRESS" || sd.status === "ROLLBACK_IN_PROGRESS")
  }

  /**
   * Which deployment a request on the production (or test) listener reaches: by the
   * traffic weights while a shift is under way (a partial weight spread evenly over
   * requests), undefined when no shift is (the newest serving deployment answers).
   */
  listenerDeployment(svc: ServiceRec, listener: "production" | "test", now: number): DeploymentRec | undefined {
    const sd = this.shifting(svc)
    if (sd === undefined) return undefined
    const green = this.deploymentOf(svc, sd)
    const blue = svc.deployments.find((d) =>
      d !== green && svc.tasks.some((t) => t.deploymentId === d.id && isServing(t, now))
    )
    const weight = listener === "test" ? sd.testWeight : sd.productionWeight
    const n = svc.probes++
    const toGreen = weight >= 100 ||
      (weight > 0 && Math.floor(((n + 1) * weight) / 100) > Math.floor((n * weight) / 100))
    return toGreen ? green : blue ?? green
  }
}
