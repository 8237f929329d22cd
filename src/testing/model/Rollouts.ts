/**
 * The rollout engine: deployments and their tasks (start, health, drain, crash, circuit
 * breaker), according to each deployment's behaviour, and ECS's rollbacks (after an
 * alarm, StopServiceDeployment or a failure): a traffic-shifting service deployment
 * shifts its traffic back, a rolling one is undone by a new deployment. It owns the state
 * machine: the service deployments' records and traffic-shift stages (Shifts) and the
 * timers, events and tasks (Timeline) are steps it calls; neither calls back into it.
 *
 * Clock-free: `sync(now)` runs every timer due by `now`, in time order.
 */
import { type BehaviourContext, type BehaviourPicker, resolveBehaviour } from "./Behaviour.js"
import {
  circuitBreakerThreshold,
  type DeploymentRec,
  desiredStatus,
  essentialExitReason,
  isLive,
  secs,
  type ServiceDeploymentRec,
  type ServiceRec,
  type TaskRec
} from "./Records.js"
import { SimShifts } from "./Shifts.js"
import type { SimStore } from "./Store.js"
import { SimTimeline } from "./Timeline.js"

const breakerReason = "ECS deployment circuit breaker: tasks failed to start."

export class SimRollouts {
  /** The timers, events and tasks. */
  private readonly timeline: SimTimeline
  /** The service deployments' records and traffic shifts. */
  readonly shifts: SimShifts

  constructor(private readonly store: SimStore, private readonly picker: () => BehaviourPicker) {
    this.timeline = new SimTimeline(store)
    this.shifts = new SimShifts(store, this.timeline)
  }

  /** Runs every rollout timer due by `now`, in time order. Time never goes backwards. */
  sync(now: number): void {
    this.timeline.sync(now)
  }

  // ---------------------------------------------------------------- tasks

  /** Launches one task of a deployment according to its behaviour and schedules what follows. */
  private launch(svc: ServiceRec, d: DeploymentRec, at: number): TaskRec {
    const b = d.behaviour
    const runs = b.kind !== "stuck" && b.kind !== "circuit-breaker"
    const checked = b.healthCheck || b.kind === "unhealthy"
    const task = this.timeline.addTask(svc, d, {
      createdAt: at,
      pendingAt: at + Math.round(secs(b.startAfter) / 3),
      runningAt: runs ? at + secs(b.startAfter) : undefined,
      healthAt: runs && checked ? at + secs(b.healthyAfter) : undefined,
      health: checked ? (b.kind === "unhealthy" ? "UNHEALTHY" : "HEALTHY") : undefined
    })
    if (b.kind === "circuit-breaker" || b.kind === "crash-loop") {
      // circuit-breaker: the container exits as it starts; crash-loop: soon after it runs.
      const crashAt = at + secs(b.kind === "crash-loop" ? b.crashAfter : b.startAfter)
      this.timeline.stopTask(task, crashAt, crashAt, essentialExitReason)
      this.timeline.schedule(svc, crashAt, (t) => this.onCrash(svc, d, task, t))
    }
    if (b.kind === "unhealthy" && task.healthAt !== undefined) {
      this.timeline.schedule(svc, task.healthAt + secs(b.replaceAfter), (t) => this.onUnhealthy(svc, d, task, t))
    }
    return task
  }

  private launchMany(svc: ServiceRec, d: DeploymentRec, at: number, n: number): void {
    if (n <= 0) return
    const started = Array.from({ length: n }, () => this.launch(svc, d, at))
    this.timeline.event(
      svc,
      at,
      `(service ${svc.name}) has started ${n} tasks: ${started.map((t) => `(task ${t.id})`).join(" ")}.`
    )
  }

  // ---------------------------------------------------------------- deployments

  /** A new service revision of `svc` running `tdArn`, with an id of its own (unrelated to any deployment id). */
  private newRevision(svc: ServiceRec, tdArn: string): string {
    const arn =
      `arn:aws:ecs:${svc.cluster.region}:${this.store.accountId}:service-revision/${svc.cluster.name}/${svc.name}/${this.store.latitude.revisionId()}`
    this.store.serviceRevisions.set(arn, tdArn)
    return arn
  }

  /** The revision ECS's own rollback returns to: the last successful one running `tdArn` (no new revision). */
  private lastRevision(svc: ServiceRec, tdArn: string): string {
    const before = svc.deployments.find((x) => x.taskDefinitionArn === tdArn && !x.isRollback)
    return before?.revisionArn ?? this.newRevision(svc, tdArn)
  }

  /** A service's first deployment: COMPLETED, its tasks RUNNING (and HEALTHY with a health check) since `now`. */
  seedSteady(svc: ServiceRec, now: number, healthCheck: boolean): void {
    const d: DeploymentRec = {
      id: this.store.deploymentId(),
      taskDefinitionArn: svc.taskDefinitionArn,
      createdAt: now,
      updatedAt: now,
      status: "PRIMARY",
      desiredCount: svc.desiredCount,
      failedTasks: 0,
      rolloutState: "COMPLETED",
      rolloutStateReason: "",
      behaviour: resolveBehaviour({ kind: "healthy", healthCheck }),
      isRollback: false,
      previousTaskDefinitionArn: undefined,
      revisionArn: this.newRevision(svc, svc.taskDefinitionArn)
    }
    d.rolloutStateReason = `ECS deployment ${d.id} completed.`
    svc.deployments.push(d)
    if (svc.status !== "INACTIVE") {
      for (let i = 0; i < svc.desiredCount; i++) {
        this.timeline.addTask(svc, d, {
          createdAt: now,
          pendingAt: now,
          runningAt: now,
          healthAt: now,
          health: healthCheck ? "HEALTHY" : undefined
        })
      }
    }
    this.shifts.open(svc, d, now, "SUCCESSFUL")
    this.timeline.event(svc, now, `(service ${svc.name}) has reached a steady state.`)
  }

  startDeployment(svc: ServiceRec, tdArn: string, at: number, rollback: boolean): DeploymentRec {
    const ctx: BehaviourContext = {
      region: svc.cluster.region,
      cluster: svc.cluster.name,
      service: svc.name,
      taskDefinitionArn: tdArn,
      imageTags: this.store.imageTagsOf(tdArn),
      rollback
    }
    const behaviour = resolveBehaviour(this.picker()(ctx))
    const previous = svc.deployments.find((x) => x.status === "PRIMARY")
    for (const x of svc.deployments) {
      if (x.status === "PRIMARY") {
        x.status = "ACTIVE"
        x.updatedAt = at
      }
    }
    const d: DeploymentRec = {
      id: this.store.deploymentId(),
      taskDefinitionArn: tdArn,
      createdAt: at,
      updatedAt: at,
      status: "PRIMARY",
      desiredCount: svc.desiredCount,
      failedTasks: 0,
      rolloutState: "IN_PROGRESS",
      rolloutStateReason: "",
      behaviour,
      isRollback: rollback,
      previousTaskDefinitionArn: previous?.taskDefinitionArn,
      revisionArn: rollback ? this.lastRevision(svc, tdArn) : this.newRevision(svc, tdArn)
    }
    d.rolloutStateReason = `ECS deployment ${d.id} in progress.`
    // ECS's own rollback belongs to the service deployment it undoes.
    if (!rollback) {
      const sd = this.shifts.open(svc, d, at, "IN_PROGRESS")
      if (behaviour.alarmAfter !== undefined) {
        this.timeline.schedule(svc, at + secs(behaviour.alarmAfter), (t) => this.alarm(svc, sd, t))
      }
    }
    svc.deployments.unshift(d)
    svc.taskDefinitionArn = tdArn
    this.launchMany(svc, d, at, d.desiredCount)
    switch (behaviour.kind) {
      case "healthy":
      case "slow":
      case "never-drain": {
        const readyIn = behaviour.healthCheck ? behaviour.healthyAfter : behaviour.startAfter
        this.timeline.schedule(svc, at + (d.desiredCount === 0 ? 0 : secs(readyIn)), (t) => this.onReady(svc, d, t))
        break
      }
      case "circuit-breaker":
        this.timeline.schedule(svc, at + secs(behaviour.failAfter), (t) => this.failDeployment(svc, d, t))
        break
      case "crash-loop":
      case "unhealthy":
      case "stuck":
        break
    }
    return d
  }

  /** The new deployment is healthy: drain the others (unless never-drain), then complete. */
  private onReady(svc: ServiceRec, d: DeploymentRec, at: number): void {
    if (d.status !== "PRIMARY" || d.rolloutState !== "IN_PROGRESS" || d.behaviour.kind === "never-drain") return
    // Blue/green, linear and canary: the blue tasks stay up until the shift's CLEAN_UP.
    if (this.shifts.shifts(svc) && !d.isRollback) return this.shifts.ready(svc, d, at)
    const drainMs = secs(d.behaviour.drainAfter)
    const drained: Array<TaskRec> = []
    for (const o of svc.deployments) {
      if (o === d) continue
      o.desiredCount = 0
      o.updatedAt = at
      const live = svc.tasks.filter((t) => t.deploymentId === o.id && isLive(t, at))
      live.forEach((t, i) => {
        this.timeline.stopTask(
          t,
          at,
          at + Math.round((drainMs * (i + 1)) / live.length),
          `Scaling activity initiated by (deployment ${d.id})`
        )
        drained.push(t)
      })
    }
    if (drained.length > 0) {
      this.timeline.event(
        svc,
        at,
        `(service ${svc.name}) has stopped ${drained.length} running tasks: ${
          drained.map((t) => `(task ${t.id})`).join(" ")
        }.`
      )
    }
    this.timeline.schedule(svc, at + (drained.length > 0 ? drainMs : 0), (t) => this.onComplete(svc, d, t))
  }

  private onComplete(svc: ServiceRec, d: DeploymentRec, at: number): void {
    if (d.status !== "PRIMARY" || d.rolloutState !== "IN_PROGRESS") return
    for (const t of svc.tasks) {
      if (t.deploymentId !== d.id && isLive(t, at)) {
        this.timeline.stopTask(t, at, at, `Scaling activity initiated by (deployment ${d.id})`)
      }
    }
    svc.deployments = [d]
    d.rolloutState = "COMPLETED"
    d.rolloutStateReason = `ECS deployment ${d.id} completed.`
    d.updatedAt = at
    this.shifts.completed(svc, d, at)
    this.timeline.event(svc, at, `(service ${svc.name}) (deployment ${d.id}) deployment completed.`)
    this.timeline.event(svc, at, `(service ${svc.name}) has reached a steady state.`)
  }

  /** One more failed task; a task of the deployment that turned HEALTHY since the last failure reset the count first. */
  private countFailure(svc: ServiceRec, d: DeploymentRec, at: number): void {
    const since = d.lastFailureAt ?? Number.NEGATIVE_INFINITY
    const healthySince = svc.tasks.some((t) =>
      t.deploymentId === d.id && t.health === "HEALTHY" && t.healthAt !== undefined && t.healthAt > since &&
      t.healthAt <= at &&
      (t.stopAt === undefined || t.healthAt < t.stopAt)
    )
    if (healthySince && svc.circuitBreaker.resetOnHealthyTask !== false) d.failedTasks = 0
    d.failedTasks++
    d.lastFailureAt = at
    d.updatedAt = at
  }

  /** unhealthy: ECS stops a task failing its health check and starts a replacement. */
  private onUnhealthy(svc: ServiceRec, d: DeploymentRec, task: TaskRec, at: number): void {
    if (!isLive(task, at) || d.status !== "PRIMARY") return
    this.timeline.stopTask(task, at, at, "Task failed container health checks")
    this.countFailure(svc, d, at)
    this.timeline.event(svc, at, `(service ${svc.name}) (task ${task.id}) failed container health checks.`)
    this.timeline.event(svc, at, `(service ${svc.name}) has stopped 1 running tasks: (task ${task.id}).`)
    if (d.rolloutState === "IN_PROGRESS") this.launchMany(svc, d, at, 1)
  }

  /**
   * A task's essential container exited (circuit-breaker before it ran, crash-loop after).
   * crash-loop: ECS starts a replacement, for ever, unless the service's circuit breaker
   * is on and the deployment's failed tasks reach its threshold.
   */
  private onCrash(svc: ServiceRec, d: DeploymentRec, task: TaskRec, at: number): void {
    if (task.stopAt !== at || task.stoppedReason !== essentialExitReason) return
    this.countFailure(svc, d, at)
    this.timeline.event(svc, at, `(service ${svc.name}) has stopped 1 running tasks: (task ${task.id}).`)
    if (d.status !== "PRIMARY" || d.rolloutState !== "IN_PROGRESS") return
    if (
      d.behaviour.kind === "crash-loop" && svc.circuitBreaker.enable &&
      d.failedTasks >= circuitBreakerThreshold(svc.desiredCount, svc.circuitBreaker.threshold)
    ) {
      this.failDeployment(svc, d, at)
    } else {
      this.launchMany(svc, d, at, 1)
    }
  }

  /**
   * The circuit breaker trips (or an alarm, or a stop, with `force`): FAILED, its tasks
   * stopped, and (with rollback on, or forced) ECS rolls back once.
   */
  private failDeployment(
    svc: ServiceRec,
    d: DeploymentRec,
    at: number,
    reason: string = breakerReason,
    force = false
  ): void {
    if (d.status !== "PRIMARY" || d.rolloutState !== "IN_PROGRESS") return
    const sd = this.shifts.of(svc, d)
    if (this.shifts.shifts(svc) && sd !== undefined && !d.isRollback) {
      // Traffic never left the blue tasks for good: ECS shifts it back, or stops where it is.
      if (force || svc.circuitBreaker.rollback) return this.shifts.rollBackShift(svc, sd, at, reason)
    }
    const rollback = force || (svc.circuitBreaker.enable && svc.circuitBreaker.rollback)
    this.shifts.failed(svc, d, at, reason, rollback && !d.isRollback && d.previousTaskDefinitionArn !== undefined)
    d.rolloutState = "FAILED"
    d.rolloutStateReason = reason
    d.updatedAt = at
    d.desiredCount = 0
    for (const t of svc.tasks) {
      if (t.deploymentId === d.id && isLive(t, at)) {
        this.timeline.stopTask(t, at, at, "Deployment circuit breaker: tasks failed to start")
      }
    }
    this.timeline.event(svc, at, `(service ${svc.name}) (deployment ${d.id}) deployment failed: tasks failed to start.`)
    // ECS rolls back once; a failing rollback just stays FAILED.
    if (rollback && !d.isRollback && d.previousTaskDefinitionArn !== undefined) {
      const back = this.startDeployment(svc, d.previousTaskDefinitionArn, at, true)
      this.timeline.event(svc, at, `(service ${svc.name}) (deployment ${d.id}) rolling back to deployment ${back.id}.`)
    }
  }

  /** A CloudWatch alarm went into ALARM during the deployment. */
  private alarm(svc: ServiceRec, sd: ServiceDeploymentRec, at: number): void {
    const a = svc.deploymentConfig.alarms
    if (sd.status !== "IN_PROGRESS" || !a.enable || a.names.length === 0) return
    const reason = `CloudWatch alarm ${a.names[0]} is in ALARM.`
    this.timeline.event(svc, at, `(service ${svc.name}) ${reason}`)
    if (a.rollback) this.rollBack(svc, sd, at, reason)
  }

  /** StopServiceDeployment with stopType ROLLBACK. */
  stop(svc: ServiceRec, sd: ServiceDeploymentRec, at: number): void {
    this.rollBack(svc, sd, at, "Service deployment stopped by StopServiceDeployment (ROLLBACK).")
  }

  /** ECS rolls a service deployment back: traffic shifted back to blue, or a rolling deployment failed and rolled back. */
  private rollBack(svc: ServiceRec, sd: ServiceDeploymentRec, at: number, reason: string): void {
    if (this.shifts.shifts(svc)) return this.shifts.rollBackShift(svc, sd, at, reason)
    const d = this.shifts.deploymentOf(svc, sd)
    if (d !== undefined) this.failDeployment(svc, d, at, reason, true)
  }

  /** desiredCount changed without a new deployment: scale the primary. */
  scalePrimary(svc: ServiceRec, at: number): void {
    const d = svc.deployments.find((x) => x.status === "PRIMARY")
    if (d === undefined) return
    d.desiredCount = svc.desiredCount
    d.updatedAt = at
    const live = svc.tasks.filter((t) => t.deploymentId === d.id && isLive(t, at) && desiredStatus(t, at) === "RUNNING")
    if (live.length < svc.desiredCount) {
      this.launchMany(svc, d, at, svc.desiredCount - live.length)
    } else {
      for (const t of live.slice(svc.desiredCount)) {
        this.timeline.stopTask(t, at, at, `Scaling activity initiated by (deployment ${d.id})`)
      }
    }
  }
}
