import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import type { Ecs } from "../ports/Ecs.js"
import { Progress } from "../ports/Progress.js"
import type { ScheduledTasks } from "../ports/ScheduledTasks.js"
import { VERSION } from "../Version.js"
import { makeProblems, type Problems } from "./Problems.js"
import type { RunSummary } from "./RunSummary.js"
import { anyReceiver, monitoringSettings } from "./Settings.js"
import type { Sink } from "./Sink.js"
import { makeTaskLabels } from "./TaskLabels.js"

/**
 * A deploy run as the team's monitoring sees it: Datadog events and metrics
 * (`DD_AGENT_HOST`), Sentry reports (`SENTRY_DSN`), an OpenTelemetry trace
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`). Each receiver's client is loaded only when its
 * variable is set; with none set this is a no-op and loads nothing.
 */
export interface Monitoring {
  /**
   * Runs the deploy watched: its progress seen by the receivers too, its AWS answers
   * read for the task definitions' docker labels (Datadog's tags), its spans exported
   * (under `TRACEPARENT`). Nothing else changes: the services it needs stay the same.
   */
  readonly watch: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | Progress | Ecs | ScheduledTasks>
  /** The run's end: its final report (the first one counts). */
  readonly report: (report: RunSummary) => Effect.Effect<void>
}

/**
 * Without a trace receiver the run's spans go nowhere: Effect makes no-op spans instead
 * (each AWS call, phase and target would otherwise build one for nothing).
 */
const untraced = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.withTracerEnabled(self, false)

const off: Monitoring = { watch: untraced, report: () => Effect.void }

/** All the time the receivers get at the end: the exit never waits longer for them. */
export const FLUSH_BUDGET = Duration.seconds(2)
/**
 * What the receivers get once a second signal has come (CI's SIGTERM, 2.5 s before its
 * SIGKILL): the restores had their grace already; the exit must beat the kill.
 */
export const HURRIED_FLUSH_BUDGET = Duration.millis(300)
/** Each receiver's own budget, a little less, so it can still say what it could not send. */
const RECEIVER_BUDGET = Duration.millis(1800)
/** A receiver's host name gets this long to resolve (within the receiver's budget when the run is short). */
const LOOKUP_DEADLINE_MS = 1500
/** A failed lookup is tried again after this long. */
const RETRY_LOOKUP_MS = 5000

export interface MonitoringOptions {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly gitsha: string
  readonly writeStderr: (line: string) => void
  /** gehen's version (Sentry's release, the trace's service.version); the CLI's by default. */
  readonly version?: string | undefined
  /** Completes at the second signal: from then on the flush gets {@link HURRIED_FLUSH_BUDGET}. */
  readonly hurry?: Effect.Effect<void> | undefined
}

/** The first line of a cause, for the one line on stderr. */
const briefly = (cause: Cause.Cause<unknown>) => Cause.pretty(cause).split("\n")[0] ?? "unknown error"

const start = (name: string, problems: Problems, make: Effect.Effect<Sink, never, Scope.Scope>) =>
  make.pipe(
    Effect.map(Option.some),
    Effect.catchAllCause((cause) =>
      Effect.as(problems.note(name, `could not start: ${briefly(cause)}`), Option.none<Sink>())
    )
  )

/**
 * Starts the receivers the environment names. In the caller's scope: when it closes
 * (the command ends, however: deployed, failed, interrupted, or a defect, which goes to
 * Sentry), what was recorded is flushed within {@link FLUSH_BUDGET}, and a receiver that
 * could not be reached is named in one line on stderr. Nothing here fails the run.
 */
export const startMonitoring = (options: MonitoringOptions): Effect.Effect<Monitoring, never, Scope.Scope> =>
  Effect.gen(function*() {
    const settings = monitoringSettings(options.env)
    for (const note of settings.notes) options.writeStderr(`gehen: monitoring: ${note}\n`)
    if (!anyReceiver(settings)) return off
    const problems = yield* makeProblems
    const labels = yield* makeTaskLabels
    const { datadog, sentry, tracing } = settings
    const version = options.version ?? VERSION
    // One lookup per host for the run, shared by the receivers, never on the thread pool the exit waits for.
    const resolve = yield* Effect.promise(() => import("./HostLookup.js")).pipe(
      Effect.map((m) =>
        m.rememberingLookups((host) => m.resolveHost(host, { deadlineMs: LOOKUP_DEADLINE_MS }), RETRY_LOOKUP_MS)
      )
    )

    const [dd, sn, tr] = yield* Effect.all([
      datadog === undefined ? Effect.succeed(Option.none<Sink>()) : start(
        "Datadog",
        problems,
        Effect.flatMap(
          Effect.promise(() => import("./Datadog.js")),
          (m) => m.makeDatadog(datadog, options.gitsha, labels, problems, resolve.addresses)
        )
      ),
      sentry === undefined ? Effect.succeed(Option.none<Sink>()) : start(
        "Sentry",
        problems,
        Effect.flatMap(
          Effect.promise(() => import("./Sentry.js")),
          (m) => m.makeSentry(sentry, version, problems, resolve.lookup)
        )
      ),
      tracing === undefined ?
        Effect.succeed(Option.none()) :
        Effect.flatMap(
          Effect.promise(() => import("./Tracing.js")),
          (m) => m.makeTracing(tracing, version, problems, resolve.lookup)
        ).pipe(
          Effect.map(Option.some),
          Effect.catchAllCause((cause) =>
            Effect.as(problems.note("OpenTelemetry", `could not start: ${briefly(cause)}`), Option.none())
          )
        )
    ], { concurrency: "unbounded" })
    const sinks: ReadonlyArray<Sink> = [
      ...Option.toArray(dd),
      ...Option.toArray(sn),
      ...Option.toArray(Option.map(tr, (t) => ({
        progress: () => Effect.void,
        report: () => Effect.void,
        defect: () => Effect.void,
        flush: t.flush
      })))
    ]
    // A receiver's own trouble is a problem to mention, never the run's.
    const safely = (effect: Effect.Effect<void>) =>
      Effect.catchAllCause(effect, (cause) => problems.note("monitoring", briefly(cause)))
    const each = (f: (sink: Sink) => Effect.Effect<void>) =>
      Effect.forEach(sinks, (sink) => safely(f(sink)), { discard: true, concurrency: "unbounded" })
    const reported = yield* Ref.make(false)

    yield* Effect.addFinalizer((exit) =>
      Effect.gen(function*() {
        if (Exit.isFailure(exit) && Cause.isDie(exit.cause)) yield* each((sink) => sink.defect(exit.cause))
        // Finalizers are uninterruptible: disconnected, the budget ends the wait on time
        // whatever a receiver's flush does (what is still in flight is left to the exit).
        const cut = options.hurry === undefined ? Effect.never : Effect.zipRight(
          options.hurry,
          Effect.sleep(HURRIED_FLUSH_BUDGET)
        )
        // A second signal cuts the budget short: the race runs in its own interruptible fiber.
        const flushed = yield* each((sink) => sink.flush(RECEIVER_BUDGET)).pipe(
          Effect.interruptible,
          Effect.disconnect,
          Effect.timeoutOption(FLUSH_BUDGET),
          Effect.raceFirst(Effect.as(cut, "hurried" as const)),
          Effect.interruptible,
          Effect.disconnect
        )
        if (flushed === "hurried") {
          yield* problems.note(
            "monitoring",
            `gave up sending ${
              Duration.toMillis(HURRIED_FLUSH_BUDGET)
            } ms after the second signal, so that gehen exits before CI's kill`
          )
        } else if (Option.isNone(flushed)) {
          yield* problems.note("monitoring", `gave up sending after ${Duration.toMillis(FLUSH_BUDGET) / 1000} s`)
        }
        const line = yield* problems.line
        if (line !== undefined) {
          options.writeStderr(`${line}\n`)
        }
      })
    )

    const observed = (inner: Progress["Type"]): Progress["Type"] => ({
      emit: (event) => Effect.zipLeft(inner.emit(event), each((sink) => sink.progress(event)))
    })
    const monitoring: Monitoring = {
      watch: (self) => {
        const watched = self.pipe(Effect.updateService(Progress, observed))
        const labelled = datadog === undefined ? watched : labels.observe(watched)
        return Option.isSome(tr) ? tr.value.traced(labelled) : untraced(labelled)
      },
      report: (report) =>
        Effect.flatMap(
          Ref.getAndSet(reported, true),
          (done) => (done ? Effect.void : each((sink) => sink.report(report)))
        )
    }
    return monitoring
  })
