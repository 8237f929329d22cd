import { targetKey } from "../domain/Targets.js"
import type { ProgressEvent } from "../ports/Progress.js"
import { labelOf, type RunSummary, secondsBetween, type TargetFacts, targetsOf } from "./RunSummary.js"

/**
 * What gehen tells the Datadog agent, as data: the original Gehen's events (same titles,
 * same texts, docker labels as tags), the failure event and the metrics beyond them.
 * Pure, so the words and tags are tested without a socket.
 */

export interface StatsdEvent {
  readonly title: string
  readonly text: string
  /** Only the failure event has one; the original's events had none (info). */
  readonly alertType?: "error" | undefined
  readonly tags: ReadonlyArray<string>
}

export interface StatsdMetric {
  readonly type: "distribution" | "increment"
  readonly name: string
  readonly value: number
  readonly tags: ReadonlyArray<string>
}

/** Run-wide tags: the unified service tags (`DD_ENV`, ...) on everything gehen sends. */
export interface TagContext {
  readonly gitsha: string
  readonly unifiedTags: ReadonlyArray<string>
}

/** Holds a JSON log configuration, not a tag (the original dropped it too). */
const NOT_A_TAG = "com.datadoghq.ad.logs"

/** The first container's docker labels as `key:value` tags, as the original sent them. */
export const dockerLabelTags = (labels: Readonly<Record<string, string>> | undefined): ReadonlyArray<string> =>
  Object.entries(labels ?? {}).filter(([key]) => key !== NOT_A_TAG).map(([key, value]) => `${key}:${value}`)

/** Which target: `gehen_service` and `ecs_cluster` for a service, `gehen_scheduled_task` for a rule; its region. */
const targetTags = (t: TargetFacts): ReadonlyArray<string> =>
  t.kind === "service"
    ? [`gehen_service:${t.name}`, ...(t.cluster ? [`ecs_cluster:${t.cluster}`] : []), `aws_region:${t.region}`]
    : [`gehen_scheduled_task:${t.name}`, `aws_region:${t.region}`]

/** An event's tags: the docker labels, the target's, the sha, the unified tags. */
export const eventTags = (t: TargetFacts, labels: ReadonlyArray<string>, ctx: TagContext): ReadonlyArray<string> => [
  ...labels,
  ...targetTags(t),
  `gitsha:${ctx.gitsha}`,
  ...ctx.unifiedTags
]

const what = (t: TargetFacts) => (t.kind === "service" ? "service" : "scheduled task")

/** The original's texts, worded for scheduled tasks where it named services. */
const texts = {
  "gehen.deploys.started": (t: TargetFacts) => `Gehen started a deploy for ${what(t)} ${t.name}`,
  "gehen.deploys.draining": (t: TargetFacts) => `Gehen is checking for service drain on ${t.name}`,
  "gehen.deploys.completed": (t: TargetFacts) => `Gehen successfully deployed ${t.name}`,
  "gehen.rollbacks.started": (t: TargetFacts) => `Gehen started a rollback for ${what(t)} ${t.name}`,
  "gehen.rollbacks.draining": (t: TargetFacts) => `Gehen is checking for service rollback drain on ${t.name}`,
  "gehen.rollbacks.completed": (t: TargetFacts) => `Gehen successfully rolled back ${t.name}`
} as const

export type EventTitle = keyof typeof texts

/**
 * The event a step of a target calls for, from the programs' progress: the new
 * deployment started (its update went through), the drain check began, the rollback
 * began, the rollback's drain check began. Completions come from the final report.
 */
export const titleOfProgress = (event: ProgressEvent): EventTitle | undefined => {
  if (event.target === undefined) return undefined
  if (event.phase === "update" && event.status === "succeeded") return "gehen.deploys.started"
  if (event.phase === "drain" && event.status === "started") return "gehen.deploys.draining"
  if (event.phase === "rollback" && event.status === "started") return "gehen.rollbacks.started"
  if (event.phase === "rollback-drain" && event.status === "started") return "gehen.rollbacks.draining"
  return undefined
}

/** Version checks under way, as `<phase>|<target key>`. */
export type OpenChecks = ReadonlySet<string>

const CHECK_BEFORE = { drain: "version-check", "rollback-drain": "rollback-version-check" } as const

/**
 * {@link titleOfProgress}, minding one case: while version checks run, a failing rollout is
 * caught by a watch that records it as a drain starting and failing at once. That is not a
 * drain check, so it sends no `draining` event (the drain checks start once every version
 * check has ended).
 */
export const stepOf = (
  open: OpenChecks,
  event: ProgressEvent
): { readonly open: OpenChecks; readonly title: EventTitle | undefined } => {
  const target = event.target
  if (target === undefined) return { open, title: undefined }
  if (event.phase === "version-check" || event.phase === "rollback-version-check") {
    if (event.status === "observed") return { open, title: undefined }
    const next = new Set(open)
    const key = `${event.phase}|${targetKey(target)}`
    if (event.status === "started") next.add(key)
    else next.delete(key)
    return { open: next, title: undefined }
  }
  const title = titleOfProgress(event)
  const watched = (event.phase === "drain" || event.phase === "rollback-drain") &&
    [...open].some((k) => k.startsWith(`${CHECK_BEFORE[event.phase as keyof typeof CHECK_BEFORE]}|`))
  return { open, title: watched ? undefined : title }
}

export const targetEvent = (
  title: EventTitle,
  target: TargetFacts,
  labels: ReadonlyArray<string>,
  ctx: TagContext
): StatsdEvent => ({ title, text: texts[title](target), tags: eventTags(target, labels, ctx) })

// DogStatsD datagrams must fit a UDP packet, and the agent cuts long texts anyway. ASCII only:
// the client counts characters where the protocol wants bytes.
const MAX_TEXT = 4000

const ascii = (s: string) => s.replace(/[^\x20-\x7e\n]/g, "?")

const failureText = (report: RunSummary): string => {
  const head =
    `Gehen failed to ${report.command === "rollback" ? "roll back to" : "deploy"} ${
      report.command === "rollback" ? report.gitsha ?? "the releases before" : report.gitsha ?? ""
    } (${report.outcome}, exit ${report.exitCode})` +
    (report.error === null ? "" : `: ${report.error}`)
  const lines = targetsOf(report).map((t) =>
    ascii(`${labelOf(t)}: ${t.outcome}${t.error === null ? "" : ` (${t.error})`}`)
  )
  let text = ascii(head)
  for (const [i, line] of lines.entries()) {
    const more = `\n... and ${lines.length - i} more`
    if (text.length + line.length + 1 > MAX_TEXT - more.length) return text + more
    text += `\n${line}`
  }
  return text
}

/**
 * The events of the run's end: each target deployed or rolled back (the original's
 * completion events), and one `gehen.deploys.failed` (alert type error) naming the
 * failure and every target's outcome when the run did not deploy.
 */
export const eventsOfReport = (
  report: RunSummary,
  labelsOf: (target: TargetFacts, taskDefinition: string | null) => ReadonlyArray<string>,
  ctx: TagContext
): ReadonlyArray<StatsdEvent> => {
  const done = targetsOf(report).flatMap((t) =>
    t.outcome === "deployed"
      ? [targetEvent("gehen.deploys.completed", t, labelsOf(t, t.newTaskDefinition ?? t.previousTaskDefinition), ctx)]
      : t.outcome === "rolled-back"
      ? [targetEvent("gehen.rollbacks.completed", t, labelsOf(t, t.newTaskDefinition ?? t.previousTaskDefinition), ctx)]
      : []
  )
  if (report.outcome === "deployed") return done
  return [
    ...done,
    {
      title: "gehen.deploys.failed",
      text: failureText(report),
      alertType: "error",
      tags: [
        `outcome:${report.outcome}`,
        ...(report.gitsha === null ? [] : [`gitsha:${report.gitsha}`]),
        ...new Set(targetsOf(report).flatMap((t) => targetTags(t).filter((tag) => !tag.startsWith("aws_region:")))),
        ...ctx.unifiedTags
      ]
    }
  ]
}

/** A run-level phase (the plan) as the progress saw it. */
export interface RunPhase {
  readonly phase: string
  readonly status: string
  readonly seconds: number
}

/**
 * The metrics of a run: `gehen.deploy.duration` (seconds) and `gehen.deploy.count`
 * tagged by outcome, and `gehen.phase.duration` (seconds) per target and phase that
 * ended. No sha among their tags: each commit would make new time series.
 */
export const metricsOfReport = (
  report: RunSummary,
  runPhases: ReadonlyArray<RunPhase>,
  ctx: TagContext
): ReadonlyArray<StatsdMetric> => {
  const run = [`outcome:${report.outcome}`, `update_strategy:${report.updateStrategy}`, ...ctx.unifiedTags]
  const phases = targetsOf(report).flatMap((t) =>
    t.phases.flatMap((p) =>
      p.endedAt === null
        ? []
        : [{
          type: "distribution" as const,
          name: "gehen.phase.duration",
          value: secondsBetween(p.startedAt, p.endedAt),
          tags: [`phase:${p.phase}`, `status:${p.status}`, ...targetTags(t), ...ctx.unifiedTags]
        }]
    )
  )
  return [
    {
      type: "distribution",
      name: "gehen.deploy.duration",
      value: secondsBetween(report.startedAt, report.endedAt),
      tags: run
    },
    { type: "increment", name: "gehen.deploy.count", value: 1, tags: run },
    ...runPhases.map((p) => ({
      type: "distribution" as const,
      name: "gehen.phase.duration",
      value: p.seconds,
      tags: [`phase:${p.phase}`, `status:${p.status}`, ...ctx.unifiedTags]
    })),
    ...phases
  ]
}
