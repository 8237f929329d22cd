import type { RunReport, TargetReport } from "../report/Report.js"

/** The parts of a run's report the monitoring receivers are told about. */
export type RunSummary = Pick<
  RunReport,
  | "command"
  | "gitsha"
  | "updateStrategy"
  | "outcome"
  | "exitCode"
  | "startedAt"
  | "endedAt"
  | "error"
  | "services"
  | "scheduledTasks"
>

/** What names a service or scheduled task: a `TargetId` (while running) or a `TargetReport` (at the end). */
export interface TargetFacts {
  readonly kind: "service" | "scheduled-task"
  readonly name: string
  /** The cluster's name; null or absent for a scheduled task. */
  readonly cluster?: string | null | undefined
  readonly region: string
}

export const targetsOf = (
  report: RunSummary
): ReadonlyArray<TargetReport> => [...report.services, ...report.scheduledTasks]

/** `api (prod-a)`, `nightly (scheduled task)`: as the summary names targets. */
export const labelOf = (t: TargetFacts): string =>
  t.kind === "service" ? `${t.name} (${t.cluster ?? "?"})` : `${t.name} (scheduled task)`

/** Seconds between two ISO instants, to the millisecond. */
export const secondsBetween = (from: string, to: string): number =>
  Math.max(0, Math.round(Date.parse(to) - Date.parse(from))) / 1000
