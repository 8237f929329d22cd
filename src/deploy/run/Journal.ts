import * as Arr from "effect/Array"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { type TargetId, targetKey } from "../../domain/Targets.js"
import { type Phase, Progress, type ProgressStatus } from "../../ports/Progress.js"
import type { PhaseTiming } from "../../report/Report.js"
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
  readonly phasesOf: (target: TargetId) => Effect.Effect<ReadonlyArray<PhaseTiming>>
  /** Every target's phases so far, by target key: what the report shows. */
  readonly phases: Effect.Effect<ReadonlyMap<string, ReadonlyArray<PhaseTiming>>>
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

/** One phase of one target as recorded: open while `endedAt` is null. */
interface Recorded {
  readonly phase: Phase
  readonly startedAt: number
  readonly endedAt: number | null
  readonly status: PhaseTiming["status"]
}

interface State {
  /** By target key ("run" for the run's own phases), in the order they started. */
  readonly phases: HashMap.HashMap<string, ReadonlyArray<Recorded>>
  /** The last observation said, by `<target key>#<phase>`: a poll that saw nothing new says nothing. */
  readonly said: HashMap.HashMap<string, string>
}

const iso = (ms: number) => new Date(ms).toISOString()

const timing = (p: Recorded): PhaseTiming => ({
  phase: p.phase,
  startedAt: iso(p.startedAt),
  endedAt: p.endedAt === null ? null : iso(p.endedAt),
  status: p.status
})

const listOf = (s: State, key: string): ReadonlyArray<Recorded> =>
  Option.getOrElse(HashMap.get(s.phases, key), () => [])

/** The target's phases with the last open `phase` ended now (or, skipped, one more that took no time). */
const ended = (
  list: ReadonlyArray<Recorded>,
  phase: Phase,
  status: Recorded["status"],
  now: number
): ReadonlyArray<Recorded> => {
  return Option.match(Arr.findLastIndex(list, (p) => p.phase === phase && p.endedAt === null), {
    onSome: (i) => list.map((p, j) => (j === i ? { ...p, endedAt: now, status } : p)),
    onNone: () => (status === "skipped" ? [...list, { phase, startedAt: now, endedAt: now, status }] : list)
  })
}

export const makeJournal: Effect.Effect<Journal, never, Progress> = Effect.gen(function*() {
  const progress = yield* Progress
  const spans = yield* makePhaseSpans
  const state = yield* Ref.make<State>({ phases: HashMap.empty(), said: HashMap.empty() })
  const keyOf = (target: TargetId | undefined) => (target === undefined ? "run" : targetKey(target))

  const emit = (target: TargetId | undefined, phase: Phase, status: ProgressStatus, message: string) =>
    Effect.flatMap(Clock.currentTimeMillis, (at) => progress.emit({ target, phase, status, message, at }))

  const journal: Journal = {
    start: (target, phase, message) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const key = keyOf(target)
        yield* Ref.update(state, (s) => ({
          phases: HashMap.set(s.phases, key, [...listOf(s, key), {
            phase,
            startedAt: now,
            endedAt: null,
            status: "running"
          }]),
          said: HashMap.remove(s.said, `${key}#${phase}`)
        }))
        yield* spans.start(target, phase, message)
        yield* emit(target, phase, "started", message)
      }),
    observe: (target, phase, message) =>
      Effect.flatMap(
        Ref.modify(state, (s) => {
          const key = `${keyOf(target)}#${phase}`
          const repeated = Option.contains(HashMap.get(s.said, key), message)
          return [!repeated, repeated ? s : { ...s, said: HashMap.set(s.said, key, message) }]
        }),
        (fresh) => (fresh
          ? Effect.zipRight(spans.event(target, phase, message), emit(target, phase, "observed", message))
          : Effect.void)
      ),
    end: (target, phase, status, message) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const key = keyOf(target)
        yield* Ref.update(
          state,
          (s) => ({ ...s, phases: HashMap.set(s.phases, key, ended(listOf(s, key), phase, status, now)) })
        )
        yield* spans.end(target, phase, status, message)
        yield* emit(target, phase, status, message)
      }),
    phasesOf: (target) => Effect.map(Ref.get(state), (s) => listOf(s, targetKey(target)).map(timing)),
    phases: Effect.map(
      Ref.get(state),
      (s) => new Map([...s.phases].map(([key, list]) => [key, list.map(timing)] as const))
    ),
    closeOpen: (status, failing = new Set()) => {
      const statusOf = (key: string): ClosedStatus => (failing.has(key) ? "failed" : status)
      return Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.update(state, (s) => ({
          ...s,
          phases: HashMap.map(s.phases, (list, key) =>
            list.map((p) => (p.endedAt === null ? { ...p, endedAt: now, status: statusOf(key) } : p)))
        }))).pipe(Effect.zipLeft(spans.closeOpen(statusOf)))
    },
    inPhase: spans.within,
    finish: spans.finish
  }
  return journal
})
