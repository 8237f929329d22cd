/**
 * What happens to services over time: the timers that move their rollouts along, their
 * event lists, and their tasks, started and stopped. The rollout engine (Rollouts) and the
 * traffic shifts (Shifts) both act through it; it knows neither, so the dependencies run
 * one way: Rollouts -> Shifts -> Timeline.
 *
 * Clock-free: `sync(now)` runs every timer due by `now`, in time order.
 */
import {
  type DeploymentRec,
  maxEvents,
  type ServiceRec,
  stoppedRetentionMs,
  type TaskRec,
  type TimerRec
} from "./Records.js"
import type { SimStore } from "./Store.js"

/** When a task was created, went PENDING, RUNNING and HEALTHY (or not). */
export type TaskTimeline = Pick<TaskRec, "createdAt" | "pendingAt" | "runningAt" | "healthAt" | "health">

export class SimTimeline {
  private timerSeq = 0

  constructor(private readonly store: SimStore) {}

  // ---------------------------------------------------------------- time

  /** Runs every rollout timer due by `now`, in time order. Time never goes backwards. */
  sync(now: number): void {
    this.store.lastNow = Math.max(this.store.lastNow, now)
    const t = this.store.lastNow
    for (const svc of this.store.allServices()) {
      for (;;) {
        let next: TimerRec | undefined
        for (const timer of svc.timers) {
          if (
            timer.at <= t &&
            (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
          ) {
            next = timer
          }
        }
        if (next === undefined) break
        const due = next
        svc.timers = svc.timers.filter((x) => x !== due)
        due.run(due.at)
      }
      this.prune(svc, t)
    }
  }

  private prune(svc: ServiceRec, now: number): void {
    const old = svc.tasks.filter((t) => t.stopAt !== undefined && t.stopAt < now - stoppedRetentionMs)
    if (old.length === 0) return
    for (const t of old) {
      this.store.taskIndex.delete(t.arn)
      this.store.taskIndex.delete(t.id)
    }
    svc.tasks = svc.tasks.filter((t) => !old.includes(t))
  }

  schedule(svc: ServiceRec, at: number, run: (at: number) => void): void {
    svc.timers.push({ at, seq: this.timerSeq++, run })
  }

  // ---------------------------------------------------------------- tasks and events

  event(svc: ServiceRec, at: number, message: string): void {
    svc.events.unshift({ id: `ev-${this.store.next()}`, at, message })
    if (svc.events.length > maxEvents) svc.events.length = maxEvents
  }

  addTask(svc: ServiceRec, d: DeploymentRec, timeline: TaskTimeline): TaskRec {
    const seq = this.store.next()
    const id = seq.toString(16).padStart(32, "0")
    const task: TaskRec = {
      seq,
      id,
      arn: `arn:aws:ecs:${svc.cluster.region}:${this.store.accountId}:task/${svc.cluster.name}/${id}`,
      taskDefinitionArn: d.taskDefinitionArn,
      deploymentId: d.id,
      ...timeline,
      stopDecidedAt: undefined,
      stopAt: undefined,
      stoppedReason: undefined
    }
    svc.tasks.push(task)
    this.store.taskIndex.set(task.arn, { task, service: svc })
    this.store.taskIndex.set(task.id, { task, service: svc })
    return task
  }

  stopTask(t: TaskRec, decidedAt: number, stopAt: number, reason: string): void {
    if (t.stopAt === undefined || t.stopAt > stopAt) {
      t.stopAt = stopAt
      t.stoppedReason = reason
    }
    if (t.stopDecidedAt === undefined || t.stopDecidedAt > decidedAt) t.stopDecidedAt = decidedAt
  }
}
