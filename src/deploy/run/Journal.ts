import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type Phase, Progress, type ProgressStatus } from "../../ports/Progress.js"
import type { PhaseTiming } from "../../report/Report.js"
import { type TargetId, targetKey } from "../../domain/Targets.js"
import { type ClosedStatus, makePhaseSpans } from "./Spans.js"

/**
 * Records what each target went through (phase timings for the report) and
 * forwards it to `Progress`, dropping observations that repeat the last one
 * so a poll that saw nothing new says nothing.
 */
export interface Journal {
  readonly start: (target: TargetId | undefined, phase: Phase, message: string) => Effect.Effect<void>
  readonly observe: (target: TargetId | undefined, phase: Phase, message: string) => Effect.Effect<void>
  readonly end: (
    target: TargetId | undefined,
    phase: Phase,
    status: Exclude<ProgressStatus, "started" | "observed">,
    message: string
  ) => Effect.Effect<void>
  /** The phases of one target so far, open ones with `endedAt: null`. */
  readonly phasesOf: (target: TargetId) => ReadonlyArray<PhaseTiming>
  /**
   * Ends every still-open phase with `status`; those of the `failing` targets (by key)
   * as failed. A phase another target's failure cut short is "cancelled", not failed.
   */
  readonly closeOpen: (status: ClosedStatus, failing?: ReadonlySet<string>) => Effect.Effect<void>
  /** Runs `effect` within the target's open phase in the run's trace: its calls' spans nest under the phase's. */
  readonly inPhase: (
    target: TargetId | undefined,
    phase: Phase
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Ends the targets' spans in the run's trace, with their outcomes by target key; the run records nothing after. */
  readonly finish: (outcomes: ReadonlyMap<string, { readonly outcome: string }>) => Effect.Effect<void>
}

interface OpenPhase {
  phase: Phase
  startedAt: number
  endedAt: number | null
  status: PhaseTiming["status"]
}

const iso = (ms: number) => new Date(ms).toISOString()

export const makeJournal: Effect.Effect<Journal, never, Progress> = Effect.gen(function*() {
  const progress = yield* Progress
  const spans = yield* makePhaseSpans
  const phases = new Map<string, Array<OpenPhase>>()
  const lastObservation = new Map<string, string>()
  const keyOf = (target: TargetId | undefined) => (target === undefined ? "run" : targetKey(target))

  const emit = (target: TargetId | undefined, phase: Phase, status: ProgressStatus, message: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (at) => progress.emit({ target, phase, status, message, at }))

  const journal: Journal = {
    start: (target, phase, message) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const key = keyOf(target)
        const list = phases.get(key) ?? []
        list.push({ phase, startedAt: now, endedAt: null, status: "running" })
        phases.set(key, list)
        lastObservation.delete(`${key}#${phase}`)
        yield* spans.start(target, phase, message)
        yield* emit(target, phase, "started", message)
      }),
    observe: (target, phase, message) =>
      Effect.suspend(() => {
        const key = `${keyOf(target)}#${phase}`
        if (lastObservation.get(key) === message) return Effect.void
        lastObservation.set(key, message)
        return Effect.zipRight(spans.event(target, phase, message), emit(target, phase, "observed", message))
      }),
    end: (target, phase, status, message) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const list = phases.get(keyOf(target)) ?? []
        const open = [...list].reverse().find((p) => p.phase === phase && p.endedAt === null)
        if (open) {
          open.endedAt = now
          open.status = status
        } else if (status === "skipped") {
          list.push({ phase, startedAt: now, endedAt: now, status })
          phases.set(keyOf(target), list)
        }
        yield* spans.end(target, phase, status, message)
        yield* emit(target, phase, status, message)
      }),
    phasesOf: (target) =>
      (phases.get(targetKey(target)) ?? []).map((p) => ({
        phase: p.phase,
        startedAt: iso(p.startedAt),
        endedAt: p.endedAt === null ? null : iso(p.endedAt),
        status: p.status
      })),
    closeOpen: (status, failing = new Set()) => {
      const statusOf = (key: string): ClosedStatus => (failing.has(key) ? "failed" : status)
      return Effect.map(Clock.currentTimeMillis, (now) => {
        for (const [key, list] of phases) {
          for (const p of list) {
            if (p.endedAt === null) {
              p.endedAt = now
              p.status = statusOf(key)
            }
          }
        }
      }).pipe(Effect.zipLeft(spans.closeOpen(statusOf)))
    },
    inPhase: spans.within,
    finish: spans.finish
  }
  return journal
})
