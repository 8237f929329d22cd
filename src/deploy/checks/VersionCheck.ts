import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import { servesVersion } from "../../domain/ServedVersion.js"
import { type TargetId, targetKey, targetLabel } from "../../domain/Targets.js"
import type { Phase } from "../../ports/Progress.js"
import { VersionProbe } from "../../ports/VersionProbe.js"
import type { ServiceTarget } from "../plan/Plan.js"
import { RunContext } from "../run/RunContext.js"

/** Some services did not serve the wanted version before the phase deadline. */
export class VersionCheckTimedOut extends Data.TaggedError("VersionCheckTimedOut")<{
  readonly phase: Phase
  readonly timeout: Duration.Duration
  readonly pending: ReadonlyArray<
    { readonly target: TargetId; readonly wanted: ReadonlyArray<string>; readonly lastSeen: string }
  >
}> {
  override get message() {
    const who = this.pending.map((p) =>
      `${targetLabel(p.target)} (wanted ${p.wanted.join(" or ")}; last seen: ${p.lastSeen})`
    )
    return `version check timed out after ${Duration.format(this.timeout)}: ${who.join("; ")}`
  }
}

export interface VersionCheckItem {
  readonly target: ServiceTarget
  readonly url: string
  /** Accepted versions (a rollback may accept any previous tag of the changed containers). */
  readonly wanted: ReadonlyArray<string>
}

/** How one service's version check ended. */
export type VersionResult =
  | { readonly _tag: "Served"; readonly version: string }
  | { readonly _tag: "TimedOut"; readonly lastSeen: string }
  /** Given up on: `stop` said the service failed otherwise. */
  | { readonly _tag: "Stopped"; readonly reason: string }

export interface VersionCheckOptions {
  readonly timeout: Duration.Duration
  readonly phase: Phase
  /** Asked before each probe: a reason to stop checking this service (it failed in another way). */
  readonly stop?: ((key: string) => Effect.Effect<Option.Option<string>>) | undefined
  /**
   * Asked after each probe: a reason to hold a served version back (LINEAR/CANARY traffic
   * not fully shifted) and a note on the service's deployment for the observation.
   */
  readonly gate?:
    | ((key: string) => Effect.Effect<{ readonly hold: Option.Option<string>; readonly note: Option.Option<string> }>)
    | undefined
}

/**
 * Polls each service's url at once, then every `interval`, until it serves a wanted
 * version, each service on its own. One deadline covers the phase; when it passes, the
 * services still polling are timed out.
 */
export const versionChecks = (
  items: ReadonlyArray<VersionCheckItem>,
  options: VersionCheckOptions
): Effect.Effect<ReadonlyMap<string, VersionResult>, never, VersionProbe | RunContext> =>
  Effect.gen(function*() {
    if (items.length === 0) return new Map<string, VersionResult>()
    const probe = yield* VersionProbe
    const { interval, journal } = yield* RunContext
    const { phase, timeout } = options
    // Written by every service's polling fiber at every poll: Refs of persistent maps (a copied Map
    // per poll would make each round of a large fleet quadratic).
    const results = yield* Ref.make(HashMap.empty<string, VersionResult>())
    const lastSeen = yield* Ref.make(HashMap.empty<string, string>())
    const settle = (key: string, result: VersionResult) => Ref.update(results, HashMap.set(key, result))
    const stop = options.stop ?? (() => Effect.succeed(Option.none<string>()))

    const poll = (item: VersionCheckItem) => {
      const key = targetKey(item.target)
      const once = Effect.gen(function*() {
        const stopped = yield* stop(key)
        if (Option.isSome(stopped)) {
          yield* settle(key, { _tag: "Stopped", reason: stopped.value })
          yield* journal.end(item.target, phase, "failed", stopped.value)
          return true
        }
        const result = yield* probe.probe(item.url).pipe(journal.inPhase(item.target, phase))
        const gate = options.gate === undefined
          ? { hold: Option.none<string>(), note: Option.none<string>() }
          : yield* options.gate(key)
        const served = result._tag === "Served" && item.wanted.some((w) => servesVersion(result.server, w))
        if (served && Option.isNone(gate.hold)) {
          yield* settle(key, { _tag: "Served", version: result.version })
          yield* journal.end(item.target, phase, "succeeded", `serving ${result.version}`)
          return true
        }
        const note = Option.match(gate.note, { onNone: () => "", onSome: (n) => ` (${n})` })
        // What was seen, for the timeout's message (which names what was wanted once); the live line adds the want.
        const seen = served && Option.isSome(gate.hold)
          ? `serving ${result.version} on part of the traffic: ${gate.hold.value}`
          : result._tag === "Served"
          ? `serving ${result.version}${note}`
          : `not ready: ${result.reason}${note}`
        yield* Ref.update(lastSeen, HashMap.set(key, seen))
        yield* journal.observe(
          item.target,
          phase,
          result._tag === "Served" && !served
            ? `serving ${result.version}, want ${item.wanted.join(" or ")}${note}`
            : seen
        )
        return false
      })
      return journal.start(item.target, phase, `checking ${item.url} for ${item.wanted.join(" or ")}`).pipe(
        Effect.zipRight(Effect.repeat(once, { schedule: Schedule.spaced(interval), until: (done) => done }))
      )
    }

    yield* Effect.forEach(items, poll, { concurrency: "unbounded", discard: true }).pipe(Effect.timeoutOption(timeout))
    const seen = yield* Ref.get(lastSeen)
    for (const item of items) {
      const key = targetKey(item.target)
      if (HashMap.has(yield* Ref.get(results), key)) continue
      const last = Option.getOrElse(HashMap.get(seen, key), () => "no answer")
      yield* settle(key, { _tag: "TimedOut", lastSeen: last })
      yield* journal.end(item.target, phase, "failed", `timed out: ${last}`)
    }
    return new Map(yield* Ref.get(results))
  })

/** {@link versionChecks} that fails when any service did not serve a wanted version in time. */
export const versionCheck = (
  items: ReadonlyArray<VersionCheckItem>,
  options: VersionCheckOptions
): Effect.Effect<void, VersionCheckTimedOut, VersionProbe | RunContext> =>
  Effect.flatMap(versionChecks(items, options), (results) => {
    const pending = items.flatMap((item) => {
      const r = results.get(targetKey(item.target))
      return r === undefined || r._tag === "Served"
        ? []
        : [{ target: item.target, wanted: item.wanted, lastSeen: r._tag === "TimedOut" ? r.lastSeen : r.reason }]
    })
    return pending.length === 0
      ? Effect.void
      : Effect.fail(new VersionCheckTimedOut({ phase: options.phase, timeout: options.timeout, pending }))
  })
