/**
 * The JSON report of a command that was refused before it read anything (`--output json`
 * prints one on every exit): the run report's shape with outcome `error`, or for
 * `gehen status` its own report's error form; every problem listed, exit 1.
 */
import { historyErrorReport, type HistoryReport } from "../history/History.js"
import { type Problem, problemLine, type RunReport } from "../report/Report.js"
import { statusErrorReport, type StatusReport } from "../status/StatusReport.js"
import type { CommandName } from "./Argv.js"

/** A usage message as a report's problem: without the `gehen: ` every stderr line starts with. */
export const usageProblem = (message: string): Problem => ({ target: null, problem: message.replace(/^gehen: /, "") })

/** The run report of a deploy or rollback refused before it read anything: outcome error, exit 1. */
export const runErrorReport = (
  command: RunReport["command"],
  gitsha: string | null,
  problems: ReadonlyArray<Problem>,
  times: { readonly startedAt: number; readonly endedAt: number },
  updateStrategy = "current"
): RunReport => ({
  schemaVersion: 1,
  command,
  gitsha: gitsha === "" ? null : gitsha,
  updateStrategy,
  outcome: "error",
  exitCode: 1,
  startedAt: new Date(times.startedAt).toISOString(),
  endedAt: new Date(times.endedAt).toISOString(),
  error: problems.length === 1
    ? problemLine(problems[0]!)
    : `${problems.length} problems stopped the run; nothing was changed`,
  problems,
  deployedAs: null,
  services: [],
  scheduledTasks: []
})

/**
 * The report of a refused command line, shaped for the command it names: status's and
 * history's own for those, the run report for the rest (and when no command can be told).
 */
export const usageErrorReport = (
  intent: { readonly command: CommandName | undefined; readonly version: string | undefined },
  message: string,
  now: number
): RunReport | StatusReport | HistoryReport => {
  const problems = [usageProblem(message)]
  if (intent.command === "status") return statusErrorReport(new Date(now).toISOString(), problems)
  if (intent.command === "history") return historyErrorReport(new Date(now).toISOString(), problems)
  return runErrorReport(intent.command === "rollback" ? "rollback" : "deploy", intent.version ?? null, problems, {
    startedAt: now,
    endedAt: now
  })
}
