import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import { type TargetId, targetKey, targetLabel } from "../../domain/Targets.js"
import { shortName } from "../../domain/TaskDefinitionArn.js"
import type { Ecs } from "../../ports/Ecs.js"
import type { Phase } from "../../ports/Progress.js"
import type { VersionProbe } from "../../ports/VersionProbe.js"
import { RunContext } from "../run/RunContext.js"
import { type DrainFailed, type DrainItem, makePoller } from "./DrainPoller.js"

export { assessDrain, type Assessment, type Awaited, type DrainFailure, failureThreshold } from "./DrainAssessment.js"
export { DrainFailed, type DrainItem } from "./DrainPoller.js"

/** Some services had not drained when the phase deadline passed. */
export class DrainTimedOut extends Data.TaggedError("DrainTimedOut")<{
  readonly phase: Phase
  readonly timeout: Duration.Duration
  /** `newReady`: the new deployment ran its desired count, only old tasks lingered. */
  readonly pending: ReadonlyArray<{ readonly target: TargetId; readonly lastSeen: string; readonly newReady: boolean }>
}> {
  /** Every late service runs the new version in full: nothing failed, old tasks just linger. */
  get newVersionLive(): boolean {
    return this.pending.every((p) => p.newReady)
  }
  override get message() {
    const who = this.pending.map((p) => `${targetLabel(p.target)} (${p.lastSeen})`)
    return this.newVersionLive
      ? `timed out after ${Duration.format(this.timeout)} waiting for old tasks to drain: ${who.join("; ")}`
      : `timed out after ${Duration.format(this.timeout)}: the new deployment did not reach its desired count: ${
        this.pending.filter((p) => !p.newReady).map((p) => `${targetLabel(p.target)} (${p.lastSeen})`).join("; ")
      }`
  }
}

/** How one service's drain check ended. */
export type DrainResult =
  | { readonly _tag: "Drained" }
  | { readonly _tag: "Failed"; readonly error: DrainFailed }
  | { readonly _tag: "TimedOut"; readonly lastSeen: string; readonly newReady: boolean }

interface DrainOptions {
  readonly timeout: Duration.Duration
  readonly phase: Phase
}

/**
 * Polls every service until it has drained onto its new deployment, failed, or the
 * deadline passed, each judged on its own: one service's failure ends its check, not
 * the others'. All services are polled together in rounds, so DescribeServices batches
 * up to 10 services of a cluster into one call. One deadline covers the phase.
 */
export const drainChecks = (
  items: ReadonlyArray<DrainItem>,
  options: DrainOptions
): Effect.Effect<ReadonlyMap<string, DrainResult>, never, Ecs | VersionProbe | RunContext> =>
  Effect.gen(function*() {
    if (items.length === 0) return new Map<string, DrainResult>()
    const { interval, journal } = yield* RunContext
    const { phase, timeout } = options
    for (const item of items) {
      yield* journal.start(
        item.target,
        phase,
        `waiting for ${shortName(item.taskDefinition)} to be the only deployment`
      )
    }
    // Failures arrive from the services' polling fibers: a Ref, not a shared Map.
    const results = yield* Ref.make<ReadonlyMap<string, DrainResult>>(new Map())
    const onFailed = (error: DrainFailed) =>
      Ref.update(results, (m) => new Map(m).set(targetKey(error.target), { _tag: "Failed", error })).pipe(
        Effect.zipRight(journal.end(error.target, phase, "failed", error.detail))
      )
    const { pending, round } = yield* makePoller(items, { phase, watch: false, onFailed })
    const finished = yield* Effect.repeat(round, {
      schedule: Schedule.spaced(interval),
      until: (left) => left.size === 0
    }).pipe(
      // With onFailed, failures are handed over, never raised.
      Effect.orDie,
      Effect.timeoutOption(timeout)
    )
    const failed = yield* Ref.get(results)
    const late = yield* pending
    const out = new Map(failed)
    for (const item of items) {
      const key = targetKey(item.target)
      if (out.has(key)) continue
      const w = late.get(key)
      if (w === undefined || Option.isSome(finished)) {
        out.set(key, { _tag: "Drained" })
        continue
      }
      out.set(key, { _tag: "TimedOut", lastSeen: w.lastSeen, newReady: w.newReady })
      yield* journal.end(w.item.target, phase, "failed", `timed out: ${w.lastSeen}`)
    }
    return out
  })

/**
 * Waits until every service has drained onto its new deployment. The first failure
 * fails the phase at once (the deploy then rolls back); at the deadline, the services
 * still pending fail it with `DrainTimedOut`.
 */
export const drainCheck = (
  items: ReadonlyArray<DrainItem>,
  options: DrainOptions
): Effect.Effect<void, DrainFailed | DrainTimedOut, Ecs | VersionProbe | RunContext> =>
  Effect.gen(function*() {
    if (items.length === 0) return
    const { interval, journal } = yield* RunContext
    const { phase, timeout } = options
    for (const item of items) {
      yield* journal.start(
        item.target,
        phase,
        `waiting for ${shortName(item.taskDefinition)} to be the only deployment`
      )
    }
    const { pending, round } = yield* makePoller(items, { phase, watch: false })
    const finished = yield* Effect.repeat(round, {
      schedule: Schedule.spaced(interval),
      until: (left) => left.size === 0
    }).pipe(
      Effect.tapError((e) => journal.end(e.target, phase, "failed", e.detail)),
      Effect.timeoutOption(timeout)
    )
    if (Option.isSome(finished)) return
    const late = [...(yield* pending).values()]
    for (const w of late) yield* journal.end(w.item.target, phase, "failed", `timed out: ${w.lastSeen}`)
    return yield* Effect.fail(
      new DrainTimedOut({
        phase,
        timeout,
        pending: late.map((w) => ({ target: w.item.target, lastSeen: w.lastSeen, newReady: w.newReady }))
      })
    )
  })

/**
 * Watches the deployments for failures (UNHEALTHY or crashing tasks, a FAILED rollout,
 * a replacement) while another phase waits, so a broken version fails at once instead
 * of at that phase's deadline. Without `onFailed` the first failure ends the watch (race
 * it against the phase it guards); with it, each failure is handed over and the watch
 * goes on for the others. Never succeeds.
 */
export const watchForFailures = (
  items: ReadonlyArray<DrainItem>,
  options: {
    /** The phase the run is in, which a failure is recorded under: "drain" (default), "version-check" or "rollback-drain". */
    readonly phase?: Phase | undefined
    /** The phase the run is in now, when it moves on while the watch goes on (the rollback's checks). */
    readonly phaseNow?: Effect.Effect<Phase> | undefined
    readonly onFailed?: ((failure: DrainFailed) => Effect.Effect<void>) | undefined
  } = {}
): Effect.Effect<never, DrainFailed, Ecs | VersionProbe | RunContext> =>
  Effect.gen(function*() {
    const { interval, journal } = yield* RunContext
    const phase = options.phase ?? "drain"
    // Recorded in the phase the run is in: the target's own, when it has that phase open.
    const record = (e: DrainFailed) =>
      Effect.gen(function*() {
        const now = yield* options.phaseNow ?? Effect.succeed(phase)
        const open = (yield* journal.phasesOf(e.target)).some((p) => p.phase === now && p.endedAt === null)
        if (!open) yield* journal.start(e.target, now, "watching the new deployment")
        yield* journal.end(e.target, now, "failed", e.detail)
      })
    const onFailed = options.onFailed
    const { round } = yield* makePoller(items, {
      phase,
      watch: true,
      onFailed: onFailed === undefined ? undefined : (e) => Effect.zipRight(record(e), onFailed(e))
    })
    return yield* Effect.forever(Effect.zipRight(round, Effect.sleep(interval))).pipe(Effect.tapError(record))
  })
