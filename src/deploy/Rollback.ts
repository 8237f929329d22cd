import type { Target } from "@aws-sdk/client-eventbridge"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import { type RuleRef, type ServiceRef, targetKey } from "../domain/Targets.js"
import { shortName } from "../domain/TaskDefinitionArn.js"
import { Ecs } from "../ports/Ecs.js"
import type { AwsCallError, PutTargetsRejected } from "../ports/Errors.js"
import { ScheduledTasks } from "../ports/ScheduledTasks.js"
import type { VersionProbe } from "../ports/VersionProbe.js"
import { type DrainItem, drainChecks, watchForFailures } from "./DrainCheck.js"
import type { Journal } from "./Journal.js"
import type { Change, Changes } from "./Ledger.js"
import { type Issued, restoreThroughEcs } from "./FastRestore.js"
import type { Followed } from "./Following.js"
import { restoreWayOf } from "./RestoreWay.js"
import type { Confirmation, RestoreResult } from "./Verdicts.js"
import type { RestoredBy } from "../report/Report.js"
import { versionChecks } from "./VersionCheck.js"

export interface RollbackOptions {
  readonly timeout: Duration.Duration
  readonly interval: Duration.Duration
  readonly journal: Journal
  /** Most restores in flight at once (the config's `concurrency`). */
  readonly concurrency: number
  /** Check that the restored services serve their previous version and drain (not after a signal). */
  readonly confirm: boolean
  /** The service deployments the run followed, by target key: which way a service goes back. */
  readonly followed?: ReadonlyMap<string, Followed> | undefined
  /** True the first time the run finds the service deployments API not offered. */
  readonly firstNotice?: Effect.Effect<boolean> | undefined
}

export interface RollbackResult {
  /** By target key: how each restore call went. */
  readonly restores: ReadonlyMap<string, RestoreResult>
  /** By target key, for restored services: what the confirmation saw. */
  readonly confirmations: ReadonlyMap<string, Confirmation>
  /** By target key: how each restored service was put back. */
  readonly restoredBy?: ReadonlyMap<string, RestoredBy> | undefined
}

/** How long a throttled or failing restore keeps being retried before gehen prints the manual command. */
export const RESTORE_PATIENCE = Duration.minutes(2)

/** Throttling, a 5xx or no answer at all: trying again can help. */
export const retryable = (e: AwsCallError | PutTargetsRejected): boolean =>
  e._tag === "PutTargetsRejected"
    ? e.failures.some((f) => /ConcurrentModification|Internal|Throttl/i.test(f.code))
    : e.httpStatus === undefined || e.httpStatus >= 500 || /Throttl|TooManyRequests|RequestLimitExceeded/i.test(e.code)

/** Jittered exponential backoff from 1 s, capped at 10 s between tries, for up to two minutes. */
const restoreRetry = Schedule.exponential(Duration.seconds(1)).pipe(
  Schedule.union(Schedule.spaced(Duration.seconds(10))),
  Schedule.jittered,
  Schedule.upTo(RESTORE_PATIENCE)
)

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** The AWS CLI command that puts a service back by hand. */
export const updateServiceCommand = (ref: ServiceRef, taskDefinition: string): string =>
  [
    "aws ecs update-service",
    `--region ${ref.region}`,
    `--cluster ${shellQuote(ref.cluster)}`,
    `--service ${shellQuote(ref.service)}`,
    `--task-definition ${shellQuote(taskDefinition)}`,
    "--force-new-deployment"
  ].join(" ")

/** The AWS CLI command that puts a rule's target back by hand. */
export const putTargetsCommand = (rule: RuleRef, target: Target): string =>
  [
    "aws events put-targets",
    `--region ${rule.region}`,
    ...(rule.eventBusName === undefined ? [] : [`--event-bus-name ${shellQuote(rule.eventBusName)}`]),
    `--rule ${shellQuote(rule.rule)}`,
    `--targets ${shellQuote(JSON.stringify([target]))}`
  ].join(" ")


/**
 * Issues the restore of one change. A service goes back with UpdateService to the task
 * definition it ran (a redeploy has none to go back to); a rule gets its target back.
 */
const restoreOne = (
  change: Change,
  journal: Journal,
  followed: ReadonlyMap<string, Followed>
): Effect.Effect<Issued, never, Ecs | ScheduledTasks> =>
  Effect.gen(function*() {
    const { target } = change.plan
    if (change.kind === "service") {
      const { plan } = change
      const way = restoreWayOf(plan.model, followed.get(change.key))
      if (way._tag !== "update-service") {
        const fast = yield* restoreThroughEcs(change, way, journal)
        if (Option.isSome(fast)) return fast.value
      }
      if (plan.action._tag === "Redeploy") {
        const reason = "updateStrategy redeploy: there is no previous task definition to go back to; " +
          "the forced deployment of the same revision stays"
        yield* journal.end(target, "rollback", "skipped", reason)
        return { result: { _tag: "NothingToRestore", reason } }
      }
      const ecs = yield* Ecs
      yield* journal.start(target, "rollback", `rolling back to ${shortName(plan.currentTaskDefinition)}`)
      const sent = yield* Effect.either(
        ecs.updateService(plan.ref, plan.currentTaskDefinition).pipe(
          Effect.retry({ schedule: restoreRetry, while: retryable }),
          journal.inPhase(target, "rollback")
        )
      )
      if (Either.isRight(sent)) {
        yield* journal.end(target, "rollback", "succeeded", `update to ${shortName(plan.currentTaskDefinition)} started`)
        return { result: { _tag: "Restored" }, deployment: sent.right, way: "update-service" }
      }
      yield* journal.end(target, "rollback", "failed", `ROLLBACK FAILED: ${sent.left.message}`)
      return {
        result: {
          _tag: "RestoreFailed",
          error: sent.left.message,
          manualCommand: updateServiceCommand(plan.ref, plan.currentTaskDefinition)
        }
      }
    }
    const events = yield* ScheduledTasks
    const { plan } = change
    yield* journal.start(target, "rollback", `pointing rule ${plan.rule} back at ${shortName(plan.currentTaskDefinition)}`)
    const sent = yield* Effect.either(
      events.putTarget(plan.ruleRef, plan.ecsTarget).pipe(
        Effect.retry({ schedule: restoreRetry, while: retryable }),
        journal.inPhase(target, "rollback")
      )
    )
    if (Either.isRight(sent)) {
      yield* journal.end(target, "rollback", "succeeded", `rule ${plan.rule} runs ${shortName(plan.currentTaskDefinition)} again`)
      return { result: { _tag: "Restored" } }
    }
    yield* journal.end(target, "rollback", "failed", `ROLLBACK FAILED: ${sent.left.message}`)
    return {
      result: { _tag: "RestoreFailed", error: sent.left.message, manualCommand: putTargetsCommand(plan.ruleRef, plan.ecsTarget) }
    }
  })

/**
 * Checks, per service and under one shared deadline, that each restored service serves
 * its previous version and drains onto the deployment its restore started. One
 * service's failure is its own: the others' checks go on. Results land in `into` as
 * they come, so an interruption keeps what was already seen.
 */
const confirmRestores = (
  restored: ReadonlyArray<{ readonly change: Extract<Change, { kind: "service" }>; readonly issued: Issued }>,
  options: RollbackOptions,
  into: Ref.Ref<ReadonlyMap<string, Confirmation>>
): Effect.Effect<void, never, Ecs | VersionProbe> =>
  Effect.gen(function*() {
    if (restored.length === 0) return
    const { interval, journal, timeout } = options
    const startedAt = yield* Clock.currentTimeMillis
    const failed = yield* Ref.make(new Map<string, string>())
    const rollouts: Array<DrainItem> = restored.map(({ change, issued }) => ({
      target: change.plan.target,
      ref: change.plan.ref,
      taskDefinition: change.plan.currentTaskDefinition,
      deployment: issued.deployment,
      model: change.plan.model,
      rollbackOf: issued.rollbackOf
    }))
    // A previous version that cannot come back fails its own check at once, not at the deadline.
    const watcher = yield* Effect.fork(
      watchForFailures(rollouts, {
        interval,
        journal,
        phase: "rollback-drain",
        firstNotice: options.firstNotice,
        onFailed: (e) => Ref.update(failed, (m) => new Map(m).set(targetKey(e.target), e.detail))
      }).pipe(Effect.ignore)
    )
    const probes = restored.flatMap(({ change }) =>
      change.plan.url !== undefined && change.plan.previousTags.length > 0
        ? [{ target: change.plan.target, url: change.plan.url, wanted: change.plan.previousTags }]
        : []
    )
    const versions = yield* versionChecks(probes, {
      timeout,
      interval,
      journal,
      phase: "rollback-version-check",
      stop: (key) => Effect.map(Ref.get(failed), (m) => Option.fromNullable(m.get(key)))
    })
    yield* Fiber.interrupt(watcher)
    const failures = yield* Ref.get(failed)
    const confirm = (key: string, confirmation: Confirmation) => Ref.update(into, (m) => new Map(m).set(key, confirmation))
    const draining: Array<DrainItem> = []
    for (const item of rollouts) {
      const key = targetKey(item.target)
      const failure = failures.get(key)
      const version = versions.get(key)
      if (failure !== undefined) yield* confirm(key, { _tag: "NotConfirmed", error: failure })
      else if (version?._tag === "TimedOut") yield* confirm(key, { _tag: "NotConfirmed", error: `version check timed out: ${version.lastSeen}` })
      else if (version?._tag === "Stopped") yield* confirm(key, { _tag: "NotConfirmed", error: version.reason })
      else draining.push(item)
    }
    const elapsed = (yield* Clock.currentTimeMillis) - startedAt
    const remaining = Duration.millis(Math.max(0, Duration.toMillis(timeout) - elapsed))
    const drains = yield* drainChecks(draining, {
      timeout: remaining,
      interval,
      journal,
      phase: "rollback-drain",
      firstNotice: options.firstNotice
    })
    for (const item of draining) {
      const key = targetKey(item.target)
      const drain = drains.get(key)
      yield* confirm(
        key,
        drain === undefined || drain._tag === "Drained"
          ? { _tag: "Confirmed" }
          : drain._tag === "Failed"
          ? { _tag: "NotConfirmed", error: drain.error.detail }
          : { _tag: "NotConfirmed", error: `not settled by the deadline: ${drain.lastSeen}` }
      )
    }
  })

/**
 * Puts every change of the ledger back, services and scheduled tasks together, at most
 * `concurrency` at once. Once started the restores are issued whatever happens: a
 * signal skips only the confirmation waits that follow. Never fails: the result says
 * how each restore went and what each confirmation saw.
 */
export const rollback = (
  changes: Changes,
  options: RollbackOptions
): Effect.Effect<RollbackResult, never, Ecs | ScheduledTasks | VersionProbe> =>
  Effect.uninterruptible(
    Effect.gen(function*() {
      const all = [...changes.values()]
      const followed = options.followed ?? new Map<string, Followed>()
      const issued = yield* Effect.forEach(all, (change) => restoreOne(change, options.journal, followed), {
        concurrency: options.concurrency
      })
      const restores = new Map(all.map((change, i) => [change.key, issued[i]!.result] as const))
      // What the confirmation saw so far, kept when a signal cuts it short.
      const seen = yield* Ref.make<ReadonlyMap<string, Confirmation>>(new Map())
      const restored = all.flatMap((change, i) =>
        change.kind === "service" && issued[i]!.result._tag === "Restored" ? [{ change, issued: issued[i]! }] : []
      )
      if (options.confirm) {
        // Interruptible whatever the caller's region (the checks' deadlines interrupt their
        // polls): a signal here ends the waiting, not the rollback.
        yield* Effect.interruptible(confirmRestores(restored, options, seen)).pipe(Effect.exit)
        yield* options.journal.closeOpen("interrupted")
      }
      const confirmations = new Map(yield* Ref.get(seen))
      for (const { change } of restored) {
        if (!confirmations.has(change.key)) {
          confirmations.set(change.key, {
            _tag: "Unchecked",
            reason: options.confirm ? "interrupted: rollback issued, not confirmed" : "rollback issued, not confirmed (interrupted)"
          })
        }
      }
      const restoredBy = new Map(all.flatMap((change, i) => {
        const way = issued[i]!.way
        return way === undefined ? [] : [[change.key, way] as const]
      }))
      return { restores, confirmations, restoredBy }
    })
  )
