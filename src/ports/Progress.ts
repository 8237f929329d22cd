import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { TargetId } from "../domain/Targets.js"
import type { Phase } from "../report/Phases.js"

// The phases and their words for people live in report/Phases.ts.
export { type Phase, phaseTitle } from "../report/Phases.js"

/** What happened: a phase started or ended, or something was observed while it ran. */
export type ProgressStatus = "started" | "observed" | "succeeded" | "failed" | "skipped"

export interface ProgressEvent {
  /** The service or scheduled task, or undefined for the run as a whole. */
  readonly target: TargetId | undefined
  readonly phase: Phase
  readonly status: ProgressStatus
  readonly message: string
  /** Clock time in ms. */
  readonly at: number
}

/**
 * Where the programs say what they do. The CLI renders it for people and CI;
 * an embedding app can log it, collect it, or drop it (`Progress.silent`).
 */
export class Progress extends Context.Tag("gehen/Progress")<
  Progress,
  { readonly emit: (event: ProgressEvent) => Effect.Effect<void> }
>() {
  static readonly silent: Layer.Layer<Progress> = Layer.succeed(Progress, { emit: () => Effect.void })

  /** Collects every event into `events` (for tests and embedding). */
  static readonly collect = (events: Array<ProgressEvent>): Layer.Layer<Progress> =>
    Layer.succeed(Progress, { emit: (event) => Effect.sync(() => void events.push(event)) })
}
