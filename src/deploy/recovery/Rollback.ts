import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as HashSet from "effect/HashSet"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { targetKey } from "../../domain/Targets.js"
import { shortName } from "../../domain/TaskDefinitionArn.js"
import { Ecs } from "../../ports/Ecs.js"
import type { Phase } from "../../ports/Progress.js"
import { ecsTargetOf, ScheduledTasks } from "../../ports/ScheduledTasks.js"
import type { VersionProbe } from "../../ports/VersionProbe.js"
import { GetServiceState, makeServiceStatesResolver } from "../../reads/ServiceStates.js"
import type { RestoredBy } from "../../report/Report.js"
import type { Change, Changes } from "../apply/Ledger.js"
import {
  drainChecks,
  type DrainFailed,
  type DrainFailure,
  type DrainItem,
  watchForFailures
} from "../checks/DrainCheck.js"
import type { Followed } from "../checks/Following.js"
import { versionChecks } from "../checks/VersionCheck.js"
import { bounded, cutOf, persistently, RESTORE_PATIENCE } from "../run/Deadlines.js"
import type { Journal } from "../run/Journal.js"
import { RunContext } from "../run/RunContext.js"
import type { Confirmation, RestoreResult } from "../run/Verdicts.js"
import { type Issued, restoreThroughEcs } from "./FastRestore.js"
import { notRestored, type Pace } from "./Restores.js"
import { restoreWayOf } from "./RestoreWay.js"

export { HURRY_GRACE, RESTORE_PATIENCE, retryable } from "../run/Deadlines.js"
export { putTargetsCommand, updateServiceCommand } from "./ManualCommands.js"

/**
 * How to roll back; the run's context (journal, concurrency, check interval, the service
 * deployments it followed, which say which way a service goes back) comes from {@link RunContext}.
 */
export interface RollbackOptions {
  /** The confirmation's deadline. */
  readonly timeout: Duration.Duration
  /** Check that the restored services serve their previous version and drain (not after a signal). */
  readonly confirm: boolean
  /**
   * Completes when the caller wants the rollback over (a second signal): the waits for
   * confirmations end, and restores sent or not yet sent get {@link HURRY_GRACE} more to
   * be issued; then each says whether it was never sent or sent without an answer.
   */
  readonly hurry?: Effect.Effect<void> | undefined
}

export interface RollbackResult {
  /** By target key: how each restore call went. */
  readonly restores: ReadonlyMap<string, RestoreResult>
  /** By target key, for restored services: what the confirmation saw. */
  readonly confirmations: ReadonlyMap<string, Confirmation>
  /** By target key: how each restored service was put back. */
  readonly restoredBy?: ReadonlyMap<string, RestoredBy> | undefined
}

/**
 * Puts a service back with UpdateService to what it ran before (persistently: every
 * attempt bounded, for at most the restore patience; then the manual command).
 */
const restoreByUpdate = (
  change: Extract<Change, { kind: "service" }>,
  journal: Journal,
  pace: Pace
): Effect.Effect<Issued, never, Ecs> =>
  Effect.gen(function*() {
    const { plan, restoreTo } = change
    const { target } = plan
    const ecs = yield* Ecs
    yield* journal.start(target, "rollback", `rolling back to ${shortName(restoreTo)}`)
    const sent = yield* Effect.either(
      persistently("UpdateService", plan.ref.region, ecs.updateService(plan.ref, restoreTo), RESTORE_PATIENCE, pace)
        .pipe(
          journal.inPhase(target, "rollback")
        )
    )
    if (Either.isRight(sent)) {
      yield* journal.end(target, "rollback", "succeeded", `update to ${shortName(restoreTo)} started`)
      return { result: { _tag: "Restored" }, deployment: sent.right, way: "update-service" }
    }
    return yield* notRestored(target, sent.left, journal)
  })

/**
 * Another writer's deployment replaced the change since (a newer primary deployment of
 * another task definition than the run's two; the rule's target moved on): the change is
 * left to it, never put back over it. Answers who replaced it. A failed read, or a stale
 * one (older than the run's own deployment), says no.
 */
const supersededBy = (
  change: Change,
  resolver: ServiceStatesResolver
): Effect.Effect<Option.Option<string>, never, ScheduledTasks> =>
  Effect.gen(function*() {
    if (change.kind === "service") {
      const lookup = yield* Effect.either(Effect.request(GetServiceState({ ref: change.plan.ref }), resolver))
      if (Either.isLeft(lookup) || lookup.right._tag !== "Found") return Option.none()
      const primary = lookup.right.state.deployments.find((d) => d.status === "PRIMARY")
      const ours = change.deployment
      const since = ours?.createdAt ?? ours?.requestedAt
      if (
        primary === undefined || primary.id === ours?.id || since === undefined || (primary.createdAt ?? 0) <= since
      ) return Option.none()
      if (
        primary.taskDefinition === change.newTaskDefinition || primary.taskDefinition === change.restoreTo
      ) return Option.none()
      return Option.some(`deployment ${primary.id} of ${shortName(primary.taskDefinition)}`)
    }
    const targets = yield* Effect.either((yield* ScheduledTasks).targetsOf(change.plan.ruleRef))
    if (Either.isLeft(targets)) return Option.none()
    const now = ecsTargetOf(targets.right)
    if (Either.isLeft(now)) return Option.none()
    const td = now.right.taskDefinition
    return td === change.newTaskDefinition || td === change.plan.currentTaskDefinition
      ? Option.none()
      : Option.some(`the rule pointed at ${shortName(td)}`)
  })

/**
 * Issues the restore of one change. A service goes back with UpdateService to the task
 * definition it ran (a redeploy has none to go back to); a rule gets its target back. A
 * change another writer has replaced since is left to it.
 */
const restoreOne = (
  change: Change,
  replaced: Option.Option<string>,
  journal: Journal,
  followed: ReadonlyMap<string, Followed>,
  pace: Pace
): Effect.Effect<Issued, never, Ecs | ScheduledTasks> =>
  Effect.gen(function*() {
    const { target } = change.plan
    if (Option.isSome(replaced)) {
      const reason = `replaced by ${replaced.value} since: another writer deployed over this run; left to it`
      yield* journal.end(target, "rollback", "skipped", reason)
      return { result: { _tag: "Superseded", by: replaced.value } }
    }
    if (change.kind === "service") {
      const { plan } = change
      const way = restoreWayOf(plan.model, followed.get(change.key))
      if (way._tag !== "update-service") {
        const fast = yield* restoreThroughEcs(change, way, journal, pace)
        if (Option.isSome(fast)) return fast.value
      }
      if (plan.action._tag === "Redeploy") {
        const reason = "updateStrategy redeploy: there is no previous task definition to go back to; " +
          "the forced deployment of the same revision stays"
        yield* journal.end(target, "rollback", "skipped", reason)
        return { result: { _tag: "NothingToRestore", reason } }
      }
      return yield* restoreByUpdate(change, journal, pace)
    }
    const events = yield* ScheduledTasks
    const { plan } = change
    yield* journal.start(
      target,
      "rollback",
      `pointing rule ${plan.rule} back at ${shortName(plan.currentTaskDefinition)}`
    )
    const sent = yield* Effect.either(
      persistently("PutTargets", plan.region, events.putTarget(plan.ruleRef, plan.ecsTarget), RESTORE_PATIENCE, pace)
        .pipe(
          journal.inPhase(target, "rollback")
        )
    )
    if (Either.isRight(sent)) {
      yield* journal.end(
        target,
        "rollback",
        "succeeded",
        `rule ${plan.rule} runs ${shortName(plan.currentTaskDefinition)} again`
      )
      return { result: { _tag: "Restored" } }
    }
    return yield* notRestored(target, sent.left, journal)
  })

/**
 * What a restored service's url may serve: what the pre-flight saw it serve before the
 * run, else the tags of what it returns to.
 */
const previousTags = (change: Extract<Change, { kind: "service" }>): ReadonlyArray<string> =>
  change.adopted === true && change.plan.action._tag === "Unchanged" && change.plan.action.inFlight !== undefined
    ? change.plan.action.inFlight.previousTags
    : change.plan.servedBefore !== undefined
    ? [change.plan.servedBefore]
    : change.plan.previousTags

type ServiceStatesResolver = Effect.Effect.Success<typeof makeServiceStatesResolver>

type Restored = { readonly change: Extract<Change, { kind: "service" }>; readonly issued: Issued }

/**
 * Checks, per service and under one deadline (`until`, epoch ms), that each restored
 * service serves its previous version and drains onto the deployment its restore
 * started. One service's failure is its own: the others' checks go on. Results land in
 * `into` as they come, so an interruption keeps what was already seen.
 */
const confirmRestores = (
  restored: ReadonlyArray<Restored>,
  until: number,
  into: Ref.Ref<ReadonlyMap<string, Confirmation>>
): Effect.Effect<ReadonlyMap<string, DrainFailure>, never, Ecs | VersionProbe | RunContext> =>
  Effect.scoped(Effect.gen(function*() {
    if (restored.length === 0) return new Map<string, DrainFailure>()
    const left = Effect.map(Clock.currentTimeMillis, (now) => Duration.millis(Math.max(0, until - now)))
    const failed = yield* Ref.make(new Map<string, DrainFailed>())
    const rollouts: Array<DrainItem> = restored.map(({ change, issued }) => ({
      target: change.plan.target,
      ref: change.plan.ref,
      taskDefinition: change.restoreTo,
      deployment: issued.deployment,
      model: change.plan.model,
      rollbackOf: issued.rollbackOf
    }))
    // A previous version that cannot come back fails its own check at once, not at the deadline,
    // recorded in the check the run is in. Scoped: a signal that ends the confirmation ends the watch.
    const checking = yield* Ref.make<Phase>("rollback-version-check")
    yield* Effect.forkScoped(
      watchForFailures(rollouts, {
        phase: "rollback-drain",
        phaseNow: Ref.get(checking),
        onFailed: (e) => Ref.update(failed, (m) => new Map(m).set(targetKey(e.target), e))
      }).pipe(Effect.ignore)
    )
    const probes = restored.flatMap(({ change }) =>
      change.plan.url !== undefined && previousTags(change).length > 0
        ? [{ target: change.plan.target, url: change.plan.url, wanted: previousTags(change) }]
        : []
    )
    const versions = yield* versionChecks(probes, {
      timeout: yield* left,
      phase: "rollback-version-check",
      stop: (key) => Effect.map(Ref.get(failed), (m) => Option.fromNullable(m.get(key)?.detail))
    })
    const failures = yield* Ref.get(failed)
    const confirm = (key: string, confirmation: Confirmation) =>
      Ref.update(into, (m) => new Map(m).set(key, confirmation))
    const reasons = new Map<string, DrainFailure>()
    const draining: Array<DrainItem> = []
    for (const item of rollouts) {
      const key = targetKey(item.target)
      const failure = failures.get(key)
      const version = versions.get(key)
      if (failure !== undefined) {
        reasons.set(key, failure.reason)
        yield* confirm(key, { _tag: "NotConfirmed", error: failure.detail })
      } else if (version?._tag === "TimedOut") {
        const wanted = probes.find((p) => targetKey(p.target) === key)?.wanted ?? []
        yield* confirm(key, {
          _tag: "NotConfirmed",
          error: `version check timed out: wanted ${wanted.join(" or ")}; last seen: ${version.lastSeen}`
        })
      } else if (version?._tag === "Stopped") yield* confirm(key, { _tag: "NotConfirmed", error: version.reason })
      else draining.push(item)
    }
    yield* Ref.set(checking, "rollback-drain")
    const drains = yield* drainChecks(draining, { timeout: yield* left, phase: "rollback-drain" })
    for (const item of draining) {
      const key = targetKey(item.target)
      const drain = drains.get(key)
      if (drain?._tag === "Failed") reasons.set(key, drain.error.reason)
      yield* confirm(
        key,
        drain === undefined || drain._tag === "Drained"
          ? { _tag: "Confirmed" }
          : drain._tag === "Failed"
          ? { _tag: "NotConfirmed", error: drain.error.detail }
          : { _tag: "NotConfirmed", error: `not settled by the deadline: ${drain.lastSeen}` }
      )
    }
    return reasons
  }))

/**
 * Puts every change of the ledger back, services and scheduled tasks together, at most
 * `concurrency` at once. Once started the restores are issued whatever happens: a
 * signal skips only the confirmation waits that follow. Where ECS's own rollback fails
 * (ROLLBACK_FAILED), gehen restores the service itself with UpdateService and confirms
 * that, within the same deadline. Never fails: the result says how each restore went
 * and what each confirmation saw.
 */
export const rollback = (
  changes: Changes,
  options: RollbackOptions
): Effect.Effect<RollbackResult, never, Ecs | ScheduledTasks | VersionProbe | RunContext> =>
  Effect.uninterruptible(Effect.scoped(
    Effect.gen(function*() {
      const all = [...changes.values()]
      const { concurrency, following, journal } = yield* RunContext
      const followed = yield* following.all
      const hurried = options.hurry ?? Effect.never
      const pace: Pace = { hurried, cut: yield* cutOf(options.hurry) }
      // Which changes another writer replaced since: read for all at once (batched), given up at a hurry.
      const resolver = yield* makeServiceStatesResolver
      const replaced = yield* bounded(
        Effect.forEach(all, (change) => supersededBy(change, resolver), { concurrency, batching: true }),
        Effect.zipRight(hurried, Effect.fail("hurried" as const))
      ).pipe(Effect.orElseSucceed(() => all.map(() => Option.none<string>())))
      // At most `concurrency` restores at once, until the caller hurries: then every one goes out.
      const slots = yield* Effect.makeSemaphore(concurrency)
      yield* Effect.forkScoped(
        Effect.interruptible(Effect.zipRight(hurried, slots.resize(Math.max(all.length, concurrency))))
      )
      const issued = new Map(
        (yield* Effect.forEach(
          all,
          (change, i) => slots.withPermits(1)(restoreOne(change, replaced[i]!, journal, followed, pace)),
          { concurrency: "unbounded" }
        )).map((x, i) => [all[i]!.key, x] as const)
      )
      // What the confirmation saw so far, kept when a signal cuts it short.
      const seen = yield* Ref.make<ReadonlyMap<string, Confirmation>>(new Map())
      const restoredOf = (keys?: ReadonlySet<string>) =>
        all.flatMap((change): Array<Restored> => {
          const i = issued.get(change.key)
          return change.kind === "service" && i?.result._tag === "Restored" &&
              (keys === undefined || keys.has(change.key))
            ? [{ change, issued: i }]
            : []
        })
      // Interruptible whatever the caller's region (the checks' deadlines interrupt their
      // polls): a signal, or the caller's hurry, ends the waiting, not the rollback.
      // Effect.exit, not a catch: an interruption of the region ends in it too.
      const confirming = <A>(effect: Effect.Effect<A, never, Ecs | VersionProbe | RunContext>) =>
        Effect.interruptible(Effect.raceFirst(effect, Effect.zipRight(hurried, Effect.interrupt))).pipe(Effect.exit)
      if (options.confirm) {
        const until = (yield* Clock.currentTimeMillis) + Duration.toMillis(options.timeout)
        const first = yield* confirming(confirmRestores(restoredOf(), until, seen))
        const reasons = Exit.isSuccess(first) ? first.value : new Map<string, DrainFailure>()
        const backups = new Set([...reasons].flatMap(([k, r]) => (r === "ecs-rollback-failed" ? [k] : [])))
        if (backups.size > 0 && !(yield* signalled)) {
          for (const key of backups) {
            const change = changes.get(key)
            if (change?.kind === "service") issued.set(key, yield* restoreByUpdate(change, journal, pace))
          }
          yield* confirming(confirmRestores(restoredOf(backups), until, seen))
        }
        yield* journal.closeOpen("interrupted")
      }
      const restores = new Map(all.map((change) => [change.key, issued.get(change.key)!.result] as const))
      const confirmations = new Map(yield* Ref.get(seen))
      for (const { change } of restoredOf()) {
        if (!confirmations.has(change.key)) {
          confirmations.set(change.key, {
            _tag: "Unchecked",
            reason: options.confirm
              ? "interrupted: rollback issued, not confirmed"
              : "rollback issued, not confirmed (interrupted)"
          })
        }
      }
      const restoredBy = new Map(all.flatMap((change) => {
        const way = issued.get(change.key)?.way
        return way === undefined ? [] : [[change.key, way] as const]
      }))
      return { restores, confirmations, restoredBy }
    })
  ))

/** Whether a signal has reached this fiber (its interruption waits for the end of an uninterruptible region). */
const signalled = Effect.map(Effect.descriptor, (d) => HashSet.size(d.interruptors) > 0)
