import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import { shortName } from "../domain/TaskDefinitionArn.js"
import { phaseWording } from "../report/Phases.js"
import {
  type PhaseTiming,
  type RunOutcome,
  type RunReport,
  type TargetOutcome,
  type TargetReport,
  versionText
} from "../report/Report.js"

/**
 * The run as a GitHub Actions job summary (`$GITHUB_STEP_SUMMARY`): a
 * headline, a table of the outcome per target, and a Mermaid gantt chart of
 * the phases, which shows at a glance where the time went.
 */

const HEADLINE: Record<RunOutcome, string> = {
  deployed: "✅ deployed and drained",
  failed: "❌ deploy failed, rolled back",
  "rollback-failed": "🚨 deploy failed and the rollback did not complete: look now",
  superseded: "🚨 another writer deployed over this run: look now",
  "timed-out": "⏱️ timed out waiting for old tasks to drain",
  interrupted: "⚠️ interrupted",
  error: "❌ the command line was refused"
}

const OUTCOME: Record<TargetOutcome, string> = {
  deployed: "✅ deployed",
  "rolled-back": "↩️ rolled back",
  "rollback-failed": "🚨 ROLLBACK FAILED",
  "timed-out": "⏱️ timed out draining",
  skipped: "⏭️ skipped",
  failed: "❌ failed",
  unchanged: "✅ unchanged",
  superseded: "🚨 SUPERSEDED"
}

/** Text for a table cell: no Markdown or HTML effect, no line break, no `|` ending the cell. */
export const cell = (s: string): string =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]|~]/g, "\\$&")
    .replace(/\r?\n/g, "<br>")

/** A code span when the text is plainly safe in one (ARNs, `family:rev`, tags), else escaped text. */
const code = (s: string): string => (/^[\w.:/@+-]+$/.test(s) ? `\`${s}\`` : cell(s))

const change = (previous: string | null, next: string | null): string => {
  if (previous === null && next === null) return ""
  if (next === null || next === previous) return code(previous ?? "?")
  return `${code(previous ?? "?")} → ${code(next)}`
}

const duration = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000))
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
}

const who = (t: TargetReport) => (t.kind === "service" ? `service ${t.name}` : `scheduled task ${t.name}`)

const row = (t: TargetReport): string =>
  `| ${
    [
      cell(who(t)),
      cell(t.cluster ?? "–"),
      cell(t.region),
      change(
        t.previousTaskDefinition === null ? null : shortName(t.previousTaskDefinition),
        t.newTaskDefinition === null ? null : shortName(t.newTaskDefinition)
      ),
      change(t.previousTag, t.newTag),
      OUTCOME[t.outcome],
      t.error === null ? "" : cell(t.error)
    ].join(" | ")
  } |`

/**
 * A name Mermaid's gantt grammar reads as plain text: `#` starts a comment,
 * `:` the task data, `;` a new statement, `%%` a comment, and some versions
 * reject parentheses in task names; each becomes a space.
 */
export const mermaidName = (s: string, allowParens = true): string =>
  s.replace(allowParens ? /[#:;%\r\n]/g : /[#:;%()\r\n]/g, " ").replace(/\s+/g, " ").trim() || "-"

const TAGS: Record<PhaseTiming["status"], string> = {
  succeeded: "done",
  failed: "crit",
  // Unfinished: drawn as running until the end of the run.
  running: "active",
  interrupted: "active",
  // Cut short by another target's failure: ended, not failed itself.
  cancelled: "done",
  skipped: "done"
}

/** Gantt lines for one target: one bar per phase, in `dateFormat x` (epoch ms). */
const ganttSection = (t: TargetReport, runEnd: number): ReadonlyArray<string> => {
  const bars = t.phases.flatMap((p) => {
    const start = Date.parse(p.startedAt)
    const end = p.endedAt === null ? runEnd : Date.parse(p.endedAt)
    // A skipped phase took no time: a zero-length bar only clutters the chart.
    if (p.status === "skipped" || Number.isNaN(start) || Number.isNaN(end)) return []
    const title = mermaidName(phaseWording[p.phase].title, false)
    return [`    ${title} :${TAGS[p.status]}, ${start}, ${Math.max(start, end)}`]
  })
  const label = t.kind === "service" ? `${t.name} (${t.cluster ?? "?"})` : `${t.name} (scheduled task)`
  return bars.length === 0 ? [] : [`  section ${mermaidName(label)}`, ...bars]
}

const gantt = (report: RunReport): ReadonlyArray<string> => {
  const runEnd = Date.parse(report.endedAt)
  const sections = [...report.scheduledTasks, ...report.services].flatMap((t) => ganttSection(t, runEnd))
  if (sections.length === 0) return []
  return [
    "```mermaid",
    "gantt",
    `  title ${mermaidName(`gehen ${report.gitsha}`)}`,
    "  dateFormat x",
    "  axisFormat %M:%S",
    "  todayMarker off",
    ...sections,
    "```",
    ""
  ]
}

/** The job summary section of one run, ending in a newline. */
export const stepSummaryMarkdown = (report: RunReport): string => {
  const targets = [...report.scheduledTasks, ...report.services]
  const took = duration(Date.parse(report.endedAt) - Date.parse(report.startedAt))
  const lines = [
    `### gehen: ${HEADLINE[report.outcome]} for ${code(versionText(report))} (exit ${report.exitCode})`,
    "",
    `Update strategy ${code(report.updateStrategy)}, ${took}.`,
    ""
  ]
  if (report.error !== null) lines.push(`> ${cell(report.error)}`, "")
  if (report.problems.length > 1) {
    lines.push(
      ...report.problems.map((p) => `- ${p.target === null ? "" : `${cell(p.target)}: `}${cell(p.problem)}`),
      ""
    )
  }
  if (report.deployedAs !== null) {
    lines.splice(3, 0, `Deployed as ${code(report.deployedAs.arn)} (account ${code(report.deployedAs.account)}).`, "")
  }
  if (targets.length === 0) {
    lines.push("No service or scheduled task was changed.", "")
  } else {
    lines.push(
      "| Target | Cluster | Region | Task definition | Tag | Outcome | Error |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      ...targets.map(row),
      ""
    )
  }
  if (targets.some((t) => t.outcome === "rollback-failed")) {
    lines.push("> [!CAUTION]", "> Some targets could not be put back: check them now.", "")
  }
  lines.push(...gantt(report))
  return lines.join("\n")
}

/** Appends to the job summary file (`$GITHUB_STEP_SUMMARY`), creating it if missing. */
/** The job summary of a command line gehen refused before doing anything. */
export const usageErrorMarkdown = (message: string): string =>
  `### gehen: ❌ the command line was refused (exit 1)\n\n> ${
    cell(message)
  }\n\nNothing was read or changed. See \`gehen --help\`.\n`

export const appendStepSummary = (
  path: string,
  markdown: string
): Effect.Effect<void, PlatformError, FileSystem.FileSystem> =>
  Effect.flatMap(
    FileSystem.FileSystem,
    (fs) => fs.writeFileString(path, markdown.endsWith("\n") ? markdown : `${markdown}\n`, { flag: "a" })
  )
