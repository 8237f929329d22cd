import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type * as Tracer from "effect/Tracer"
import { type TargetId, targetKey, targetLabel } from "../../domain/Targets.js"
import type { Phase, ProgressStatus } from "../../ports/Progress.js"
import type { RunReport } from "../../report/Report.js"

/**
 * The run's trace, with Effect's own tracing (whatever tracer the caller runs it with:
 * the CLI's OTLP exporter, an embedding app's, or none): one span per target and one per
 * phase under it, opened and closed as the journal records the phases. Phases are not
 * one Effect each (a drain polls every service in shared rounds), so their spans follow
 * the journal's start and end rather than wrapping code.
 */
export interface PhaseSpans {
  readonly start: (target: TargetId | undefined, phase: Phase, message: string) => Effect.Effect<void>
  /** An observation while the phase runs: an event on its span. */
  readonly event: (target: TargetId | undefined, phase: Phase, message: string) => Effect.Effect<void>
  readonly end: (
    target: TargetId | undefined,
    phase: Phase,
    status: Exclude<ProgressStatus, "started" | "observed">,
    message: string
  ) => Effect.Effect<void>
  /** Ends every open phase span with the status its target's key gets. */
  readonly closeOpen: (statusOf: (targetKey: string) => ClosedStatus) => Effect.Effect<void>
  /** Runs `self` under the target's open phase span, so its calls' spans nest there. */
  readonly within: (
    target: TargetId | undefined,
    phase: Phase
  ) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Ends every target's span, with its outcome when known (by target key). */
  readonly finish: (outcomes: ReadonlyMap<string, { readonly outcome: string }>) => Effect.Effect<void>
}

// Persistent maps: a fleet of 1000 targets opens thousands of phases, and copying a Map at each would be quadratic.
interface State {
  readonly targets: HashMap.HashMap<string, Tracer.Span>
  /** Open phase spans by `<target key>#<phase>`. */
  readonly open: HashMap.HashMap<string, Tracer.Span>
  /** Targets with a failed phase: their span ends failed too. */
  readonly failed: HashSet.HashSet<string>
}

const RUN = "run"
const keyOf = (target: TargetId | undefined) => (target === undefined ? RUN : targetKey(target))
const phaseKey = (target: TargetId | undefined, phase: Phase) => `${keyOf(target)}#${phase}`

const targetAttributes = (target: TargetId): Record<string, unknown> =>
  target.kind === "service"
    ? {
      "gehen.target.kind": target.kind,
      "gehen.target.name": target.name,
      "gehen.ecs.cluster": target.cluster,
      "cloud.region": target.region
    }
    : {
      "gehen.target.kind": target.kind,
      "gehen.target.name": target.name,
      "gehen.event_bus": target.eventBusName ?? "default",
      "cloud.region": target.region
    }

/** How a phase still open at the end of the forward phases (or of the rollback's checks) ends. */
export type ClosedStatus = "failed" | "interrupted" | "cancelled"

const exitOf = (status: ProgressStatus | ClosedStatus, message: string): Exit.Exit<unknown, unknown> =>
  status === "failed"
    ? Exit.fail(message)
    : status === "interrupted" || status === "cancelled"
    ? Exit.interrupt(FiberId.none)
    : Exit.void

const closedReason: Record<ClosedStatus, string> = {
  failed: "the run failed while this phase ran",
  interrupted: "interrupted",
  cancelled: "cut short: another target failed"
}

// Spans made here are never the fiber's current span: no stack trace to capture.
const spanOptions = (parent: Tracer.AnySpan | undefined, attributes: Record<string, unknown>): Tracer.SpanOptions => ({
  parent,
  attributes,
  captureStackTrace: false
})

/** With the tracer off (no trace receiver): no spans, nothing kept. */
const noSpans: PhaseSpans = {
  start: () => Effect.void,
  event: () => Effect.void,
  end: () => Effect.void,
  closeOpen: () => Effect.void,
  within: () => (self) => self,
  finish: () => Effect.void
}

/** Made under the run's span (the current one), which every target's span is a child of. */
export const makePhaseSpans: Effect.Effect<PhaseSpans> = Effect.flatMap(
  FiberRef.get(FiberRef.currentTracerEnabled),
  (on) => (on ? tracedPhaseSpans : Effect.succeed(noSpans))
)

const tracedPhaseSpans: Effect.Effect<PhaseSpans> = Effect.gen(function*() {
  const root = Option.getOrUndefined(yield* Effect.option(Effect.currentParentSpan))
  // Plain Refs (no semaphore): recording a phase never waits, so it adds no suspension point to the programs.
  const state = yield* Ref.make<State>({ targets: HashMap.empty(), open: HashMap.empty(), failed: HashSet.empty() })

  // Clock.currentTimeNanos of the TestClock fails on fractional milliseconds (a jittered
  // sleep); the unsafe reading floors them, as Effect's own spans read the time.
  const nowNanos = Clock.clockWith((clock) => Effect.sync(() => clock.unsafeCurrentTimeNanos()))
  const endSpan = (span: Tracer.Span, exit: Exit.Exit<unknown, unknown>) =>
    Effect.flatMap(nowNanos, (now) => Effect.sync(() => span.end(now, exit)))

  /** The target's span, made on its first phase; the run's span for run-level phases (the plan). */
  const parentOf = (target: TargetId | undefined): Effect.Effect<Tracer.AnySpan | undefined> => {
    if (target === undefined) return Effect.succeed(root)
    const key = targetKey(target)
    return Effect.flatMap(Ref.get(state), (s) => {
      const existing = Option.getOrUndefined(HashMap.get(s.targets, key))
      if (existing !== undefined) return Effect.succeed(existing)
      return Effect.flatMap(
        Effect.makeSpan(targetLabel(target), spanOptions(root, targetAttributes(target))),
        (made) =>
          Ref.modify(state, (s) => {
            // Another fiber may have made it meanwhile: keep the first (an unended span is never exported).
            const first = Option.getOrUndefined(HashMap.get(s.targets, key))
            return first !== undefined ? [first, s] : [made, { ...s, targets: HashMap.set(s.targets, key, made) }]
          })
      )
    })
  }

  const open = (target: TargetId | undefined, phase: Phase, message: string) =>
    Effect.gen(function*() {
      const parent = yield* parentOf(target)
      const span = yield* Effect.makeSpan(
        phase,
        spanOptions(parent, {
          "gehen.phase": phase,
          "gehen.target": target === undefined ? "run" : targetLabel(target),
          "gehen.phase.detail": message
        })
      )
      yield* Ref.update(state, (s) => ({ ...s, open: HashMap.set(s.open, phaseKey(target, phase), span) }))
    })

  const take = (target: TargetId | undefined, phase: Phase) =>
    Ref.modify(state, (s) => {
      const key = phaseKey(target, phase)
      const span = Option.getOrUndefined(HashMap.get(s.open, key))
      if (span === undefined) return [undefined, s] as const
      return [span, { ...s, open: HashMap.remove(s.open, key) }] as const
    })

  const markFailed = (target: TargetId | undefined) =>
    target === undefined
      ? Effect.void
      : Ref.update(state, (s) => ({ ...s, failed: HashSet.add(s.failed, targetKey(target)) }))

  return {
    start: (target, phase, message) => Effect.asVoid(open(target, phase, message)),
    event: (target, phase, message) =>
      Effect.flatMap(Ref.get(state), (s) => {
        const span = Option.getOrUndefined(HashMap.get(s.open, phaseKey(target, phase)))
        return span === undefined
          ? Effect.void
          : Effect.flatMap(nowNanos, (now) => Effect.sync(() => span.event(message, now)))
      }),
    end: (target, phase, status, message) =>
      Effect.gen(function*() {
        // A phase skipped without having started (the journal records it the same way).
        const span = (yield* take(target, phase)) ??
          (status === "skipped" ? yield* Effect.zipRight(open(target, phase, message), take(target, phase)) : undefined)
        if (span === undefined) return
        span.attribute("gehen.phase.status", status)
        span.attribute("gehen.phase.result", message)
        if (status === "failed") yield* markFailed(target)
        yield* endSpan(span, exitOf(status, message))
      }),
    closeOpen: (statusOf) =>
      Effect.gen(function*() {
        const open = yield* Ref.modify(state, (s) =>
          [[...s.open], { ...s, open: HashMap.empty<string, Tracer.Span>() }] as const)
        for (const [key, span] of open) {
          const status = statusOf(key.slice(0, key.lastIndexOf("#")))
          span.attribute("gehen.phase.status", status)
          yield* endSpan(span, exitOf(status, closedReason[status]))
        }
      }),
    within: (target, phase) => (self) =>
      Effect.flatMap(Ref.get(state), (s) => {
        const span = Option.getOrUndefined(HashMap.get(s.open, phaseKey(target, phase)))
        return span === undefined ? self : Effect.withParentSpan(self, span)
      }),
    finish: (outcomes) =>
      Effect.gen(function*() {
        const s = yield* Ref.getAndUpdate(state, (s) => ({ ...s, targets: HashMap.empty<string, Tracer.Span>() }))
        for (const [key, span] of s.targets) {
          const outcome = outcomes.get(key)?.outcome
          if (outcome !== undefined) span.attribute("gehen.target.outcome", outcome)
          const failed = HashSet.has(s.failed, key) || outcome === "failed" || outcome === "rollback-failed" ||
            outcome === "timed-out"
          yield* endSpan(span, failed ? Exit.fail(`${outcome ?? "failed"}`) : Exit.void)
        }
      })
  }
})

/** The run span's attributes known at the start. */
export const runStartAttributes = (
  gitsha: string,
  updateStrategy: string,
  services: number,
  scheduledTasks: number
): Record<string, unknown> => ({
  "gehen.gitsha": gitsha,
  "gehen.update_strategy": updateStrategy,
  "gehen.services.count": services,
  "gehen.scheduled_tasks.count": scheduledTasks
})

/** The run span's attributes from its report: outcome, exit code, targets per outcome. */
export const runEndAttributes = (report: Pick<RunReport, "outcome" | "exitCode" | "services" | "scheduledTasks">) => {
  const counts: Record<string, number> = {}
  for (const t of [...report.services, ...report.scheduledTasks]) {
    counts[`gehen.targets.${t.outcome}`] = (counts[`gehen.targets.${t.outcome}`] ?? 0) + 1
  }
  return { "gehen.outcome": report.outcome, "gehen.exit_code": report.exitCode, ...counts }
}
