import { versionText } from "../report/Report.js"
import { labelOf, type RunSummary, secondsBetween, targetsOf } from "./RunSummary.js"

/**
 * What Sentry is told about a run that went wrong, as data. Only what the run's report
 * says: the outcome, the sha, each target's outcome, error and task definitions, and the
 * phase timings. Never the AWS CLI restore commands (a rule's target carries its input,
 * which may hold environment values), never anything of the process environment.
 */
export interface SentryEventContent {
  readonly message: string
  readonly level: "warning" | "error" | "fatal"
  readonly tags: Readonly<Record<string, string>>
  readonly contexts: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  /** One issue per kind of failure, not one per error message. */
  readonly fingerprint: ReadonlyArray<string>
}

const phasesText = (t: ReturnType<typeof targetsOf>[number]): string =>
  t.phases
    .map((p) => `${p.phase} ${p.status}${p.endedAt === null ? "" : ` ${secondsBetween(p.startedAt, p.endedAt)} s`}`)
    .join(", ")

/**
 * The event for a failed deploy (`failed`), a failed rollback (`rollback-failed`, or an
 * interrupted run with a target whose restore did not hold) and a drain that timed out;
 * none for a deploy that went through or an interruption that was put back.
 */
export const sentryEventOf = (report: RunSummary): SentryEventContent | undefined => {
  const targets = targetsOf(report)
  const rollbackFailed = report.outcome === "rollback-failed" || targets.some((t) => t.outcome === "rollback-failed")
  const kind = rollbackFailed
    ? { level: "fatal" as const, what: "rollback failed" }
    : report.outcome === "superseded" || targets.some((t) => t.outcome === "superseded")
    ? { level: "error" as const, what: "deployed over by another writer" }
    : report.outcome === "failed"
    ? { level: "error" as const, what: "deploy failed" }
    : report.outcome === "timed-out"
    ? { level: "warning" as const, what: "old tasks did not drain" }
    : undefined
  if (kind === undefined) return undefined
  return {
    message: `gehen ${kind.what}: ${versionText(report)}${report.error === null ? "" : `: ${report.error}`}`,
    level: kind.level,
    tags: {
      outcome: report.outcome,
      gitsha: report.gitsha ?? "",
      update_strategy: report.updateStrategy,
      exit_code: String(report.exitCode)
    },
    contexts: {
      run: {
        outcome: report.outcome,
        exitCode: report.exitCode,
        gitsha: report.gitsha,
        updateStrategy: report.updateStrategy,
        startedAt: report.startedAt,
        endedAt: report.endedAt,
        seconds: secondsBetween(report.startedAt, report.endedAt),
        error: report.error
      },
      targets: Object.fromEntries(targets.map((t) => [
        labelOf(t),
        {
          kind: t.kind,
          region: t.region,
          outcome: t.outcome,
          error: t.error,
          previousTaskDefinition: t.previousTaskDefinition,
          newTaskDefinition: t.newTaskDefinition,
          phases: phasesText(t)
        }
      ]))
    },
    fingerprint: ["gehen", kind.what, report.outcome]
  }
}
