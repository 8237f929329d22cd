import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { shaMatches } from "../domain/GitSha.js"
import type { Journal } from "./Journal.js"
import type { ServiceTarget } from "./Plan.js"
import type { Phase } from "../ports/Progress.js"
import { type TargetId, targetKey, targetLabel } from "../domain/Targets.js"
import { VersionProbe } from "../ports/VersionProbe.js"

/** Some services did not serve the wanted version before the phase deadline. */
export class VersionCheckTimedOut extends Data.TaggedError("VersionCheckTimedOut")<{
  readonly phase: Phase
  readonly timeout: Duration.Duration
  readonly pending: ReadonlyArray<{ readonly target: TargetId; readonly wanted: ReadonlyArray<string>; readonly lastSeen: string }>
}> {
  override get message() {
    const who = this.pending.map((p) => `${targetLabel(p.target)} (wanted ${p.wanted.join(" or ")}, ${p.lastSeen})`)
    return `version check timed out after ${Duration.format(this.timeout)}: ${who.join("; ")}`
  }
}

export interface VersionCheckItem {
  readonly target: ServiceTarget
  readonly url: string
  /** Accepted versions (a rollback may accept any previous tag of the changed containers). */
  readonly wanted: ReadonlyArray<string>
}

/**
 * Polls each service's url at once, then every `interval`, until it serves a
 * wanted version. One deadline covers the whole phase; when it passes, every
 * polling fiber is interrupted.
 */
export const versionCheck = (
  items: ReadonlyArray<VersionCheckItem>,
  options: { readonly timeout: Duration.Duration; readonly interval: Duration.Duration; readonly phase: Phase; readonly journal: Journal }
): Effect.Effect<void, VersionCheckTimedOut, VersionProbe> =>
  Effect.gen(function*() {
    if (items.length === 0) return
    const probe = yield* VersionProbe
    const { interval, journal, phase, timeout } = options
    const lastSeen = new Map<string, string>()
    const done = new Set<string>()

    const poll = (item: VersionCheckItem) => {
      const key = targetKey(item.target)
      const once = Effect.gen(function*() {
        const result = yield* probe.probe(item.url)
        if (result._tag === "Served" && item.wanted.some((w) => shaMatches(result.version, w))) {
          done.add(key)
          yield* journal.end(item.target, phase, "succeeded", `serving ${result.version}`)
          return true
        }
        const seen = result._tag === "Served"
          ? `serving ${result.version}, want ${item.wanted.join(" or ")}`
          : `not ready: ${result.reason}`
        lastSeen.set(key, seen)
        yield* journal.observe(item.target, phase, seen)
        return false
      })
      return journal.start(item.target, phase, `checking ${item.url} for ${item.wanted.join(" or ")}`).pipe(
        Effect.zipRight(Effect.repeat(once, { schedule: Schedule.spaced(interval), until: (ok) => ok }))
      )
    }

    const finished = yield* Effect.forEach(items, poll, { concurrency: "unbounded", discard: true }).pipe(
      Effect.timeoutOption(timeout)
    )
    if (Option.isSome(finished)) return
    const pending = items.filter((i) => !done.has(targetKey(i.target)))
    for (const item of pending) {
      yield* journal.end(item.target, phase, "failed", `timed out: ${lastSeen.get(targetKey(item.target)) ?? "no answer"}`)
    }
    return yield* Effect.fail(
      new VersionCheckTimedOut({
        phase,
        timeout,
        pending: pending.map((i) => ({
          target: i.target,
          wanted: i.wanted,
          lastSeen: lastSeen.get(targetKey(i.target)) ?? "no answer"
        }))
      })
    )
  })
