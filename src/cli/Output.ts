import type * as FileSystem from "@effect/platform/FileSystem"
import { Console, Effect, type Layer } from "effect"
import type { Progress } from "../Progress.js"
import type { RunReport } from "../Report.js"
import * as CiProgress from "./CiProgress.js"
import type { CliEnvironment } from "./Environment.js"
import * as LiveProgress from "./LiveProgress.js"
import { appendStepSummary, stepSummaryMarkdown } from "./StepSummary.js"
import type { Style } from "./Style.js"

/**
 * Progress for where gehen runs: live lines on a terminal; plain timestamped lines
 * when piped or in CI; plus groups and error annotations on GitHub Actions.
 */
export const progressLayer = (env: CliEnvironment["Type"], style: Style): Layer.Layer<Progress> => {
  const mode = CiProgress.progressMode(env.env, env.isTTY)
  return mode === "live"
    ? LiveProgress.layer({ write: env.writeStderr, style, columns: env.columns, rows: env.rows })
    : CiProgress.layer({ write: env.writeStderr, style, githubActions: mode === "github" })
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
