import type * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Progress } from "../ports/Progress.js"
import type { RunReport } from "../report/Report.js"
import * as CiProgress from "./CiProgress.js"
import type { CliEnvironment } from "./Environment.js"
import * as LiveProgress from "./LiveProgress.js"
import { appendStepSummary, stepSummaryMarkdown } from "./StepSummary.js"
import type { Style } from "./Style.js"

/**
 * Progress for where gehen runs: live lines on a terminal; plain timestamped lines
 * when piped or in CI; plus groups and error annotations on GitHub Actions. `finish`
 * leaves the live block (or closes the open group) before anything else is printed.
 */
export const makeProgress = (
  env: CliEnvironment["Type"],
  style: Style
): Effect.Effect<{ readonly progress: Progress["Type"]; readonly finish: Effect.Effect<void> }, never, Scope.Scope> => {
  const mode = CiProgress.progressMode(env.env, env.isTTY)
  // Whatever comes after the progress (the summary, through Console) follows what it printed.
  const flushed = (finish: Effect.Effect<void>) => Effect.zipRight(finish, Effect.sync(() => env.flushStderr?.()))
  return mode === "live"
    ? Effect.map(
      LiveProgress.make({ write: env.writeStderr, style, columns: env.columns, rows: env.rows }),
      (r) => ({ progress: { emit: r.emit }, finish: flushed(r.stop) })
    )
    : Effect.map(
      CiProgress.make({ write: env.writeStderr, style, githubActions: mode === "github" }),
      (r) => ({ progress: { emit: r.emit }, finish: flushed(r.finish) })
    )
}

/** On GitHub Actions, the outcome table and a gantt chart of the run go to the job summary. */
export const writeStepSummary = (
  env: CliEnvironment["Type"],
  report: RunReport
): Effect.Effect<void, never, FileSystem.FileSystem> => {
  const path = env.env["GITHUB_STEP_SUMMARY"]
  if (path === undefined || path === "") return Effect.void
  return appendStepSummary(path, stepSummaryMarkdown(report)).pipe(
    Effect.catchAll((e) => Console.error(`gehen: could not write the step summary to ${path}: ${e.message}`))
  )
}
