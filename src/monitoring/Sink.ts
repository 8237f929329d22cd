import type * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { ProgressEvent } from "../ports/Progress.js"
import type { RunSummary } from "./RunSummary.js"

/** One receiver of what a run records (the Datadog agent, Sentry, an OTLP collector). */
export interface Sink {
  /** A step of a target, as the programs report it; must not wait on the network. */
  readonly progress: (event: ProgressEvent) => Effect.Effect<void>
  /** The run's end, once, with its final report. */
  readonly report: (report: RunSummary) => Effect.Effect<void>
  /** A defect that ended the command (not a failed deploy: those come as reports). */
  readonly defect: (cause: Cause.Cause<unknown>) => Effect.Effect<void>
  /** Sends what is still buffered, giving up after `budget` (noting it as a problem). */
  readonly flush: (budget: Duration.Duration) => Effect.Effect<void>
}
