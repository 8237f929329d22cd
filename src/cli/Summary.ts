import type { DeployPlan, Revision } from "../deploy/plan/Plan.js"
import { shortName } from "../domain/TaskDefinitionArn.js"
import { modelReport, modelText } from "../report/ModelReport.js"
import { type RunReport, type TargetOutcome, type TargetReport, versionText } from "../report/Report.js"
import type { Style } from "./Style.js"

const OUTCOME_TEXT: Record<TargetOutcome, string> = {
  deployed: "deployed",
  "rolled-back": "rolled back",
  "rollback-failed": "ROLLBACK FAILED",
  "timed-out": "timed out draining",
  skipped: "skipped",
  failed: "failed",
  unchanged: "unchanged",
  superseded: "SUPERSEDED"
}

const paint = (style: Style, outcome: TargetOutcome) =>
  outcome === "deployed" || outcome === "unchanged"
    ? style.green
    : outcome === "rolled-back" || outcome === "timed-out" || outcome === "skipped"
    ? style.yellow
    : style.red

/** How a service went back, when it was not a plain UpdateService. */
const RESTORED_TEXT: Readonly<Record<string, string>> = {
  "stop-service-deployment": " (StopServiceDeployment: ECS shifted traffic back)",
  "continue-service-deployment": " (its paused hook answered ROLLBACK)",
  "ecs-rollback": " (ECS rolled it back)"
}

const line = (style: Style, t: TargetReport): ReadonlyArray<string> => {
  const who = t.kind === "service"
    ? `${t.name} (cluster ${t.cluster}, ${t.region})`
    : `${t.name} (scheduled task, ${t.region})`
  const from = t.previousTaskDefinition === null ? "?" : shortName(t.previousTaskDefinition)
  const tags = t.previousTag !== null || t.newTag !== null ? ` (${t.previousTag ?? "?"} -> ${t.newTag ?? "?"})` : ""
  const versions = t.newTaskDefinition === null
    ? `on ${from}`
    : t.outcome === "rolled-back"
    ? `back on ${from}, after trying ${shortName(t.newTaskDefinition)}${tags}${RESTORED_TEXT[t.restoredBy ?? ""] ?? ""}`
    : `${from} -> ${shortName(t.newTaskDefinition)}${tags}`
  const first = `  ${paint(style, t.outcome)(OUTCOME_TEXT[t.outcome].padEnd(18))} ${who}: ${versions}`
  const indent = `  ${" ".repeat(18)} `
  return [
    first,
    ...(t.error === null ? [] : [`${indent}${style.dim(t.error)}`]),
    ...(t.manualCommand === null ? [] : [`${indent}restore by hand: ${t.manualCommand}`])
  ]
}

const HEADLINE: Record<RunReport["outcome"], string> = {
  deployed: "deployed and drained",
  failed: "deploy FAILED; every change was put back",
  "rollback-failed": "deploy FAILED and NOT everything was put back",
  superseded: "deploy FAILED: another writer deployed over part of it (left to it, not rolled back)",
  "timed-out": "timed out waiting for old tasks to drain (the new version runs; not rolled back)",
  interrupted: "interrupted",
  error: "the command line was refused; nothing was read or changed"
}

/** The closing summary: one line per service and scheduled task, then the exit code. */
export const formatSummary = (style: Style, report: RunReport): string => {
  const colour = report.outcome === "deployed" ? style.green : report.outcome === "timed-out" ? style.yellow : style.red
  const lines = [
    "",
    style.bold(`gehen: ${colour(HEADLINE[report.outcome])} for ${versionText(report)} (exit ${report.exitCode})`),
    ...(report.error === null ? [] : [`  ${report.error}`]),
    ...report.scheduledTasks.flatMap((t) => line(style, t)),
    ...report.services.flatMap((t) => line(style, t))
  ]
  const troubled = [...report.services, ...report.scheduledTasks].filter((t) =>
    t.outcome === "rollback-failed" || t.outcome === "superseded"
  )
  if (troubled.length > 0) {
    const byHand = troubled.filter((t) => t.manualCommand !== null).length
    lines.push(style.red(style.bold(
      `  ${troubled.length} target(s) need a look now: ` +
        (byHand === troubled.length
          ? "their restore calls failed; the commands above put them back by hand."
          : byHand > 0
          ? `${byHand} restore call(s) failed (commands above); the others were issued but not confirmed, or had nothing to go back to.`
          : "their restores were issued but not confirmed, or had nothing to go back to.")
    )))
  }
  return lines.join("\n")
}

const revisionText = (revision: Revision, rollback: boolean) =>
  revision._tag === "Existing"
    ? rollback
      ? `go back to ${shortName(revision.arn)}`
      : `reuse ${shortName(revision.arn)} (registered before, it runs the sha)`
    : `register a new revision of ${shortName(revision.baseArn)}`

/** Where a rollback's choice came from, in the plan. */
const sourceText = (source: string | undefined) => (source === undefined ? "" : ` (from the ${source})`)

/** `--dry-run`: what a deploy (or `gehen rollback`) would do, per target. */
export const formatPlan = (
  style: Style,
  plan: DeployPlan,
  command: "deploy" | "rollback" = "deploy",
  wouldDeregister?: ReadonlyArray<string>
): string => {
  const rollback = command === "rollback"
  const lines = [
    style.bold(
      rollback
        ? `gehen rollback plan (${
          plan.gitsha === "" ? "each target to the release before the one it runs" : `to ${plan.gitsha}`
        }); no change was made`
        : `gehen plan for ${plan.gitsha} (updateStrategy: ${plan.updateStrategy}); no change was made`
    )
  ]
  const images = (list: ReadonlyArray<{ container: string; previous: string | null; next: string | null }>) =>
    list.some((i) => i.previous !== i.next)
      ? list.filter((i) => i.previous !== i.next).map((i) =>
        `      ${i.container}: ${i.previous} -> ${style.green(i.next ?? "")}`
      )
      : ["      no change"]
  for (const t of plan.scheduledTasks) {
    lines.push(`  scheduled task ${style.bold(t.rule)} (${t.region}): runs ${shortName(t.currentTaskDefinition)}`)
    lines.push(
      `    ${
        t.unchanged
          ? rollback
            ? `unchanged: it runs its choice already${sourceText(t.revertSource)}`
            : "unchanged: it runs the sha already"
          : t.revision._tag === "None"
          ? "leave as it is"
          : revisionText(t.revision.value, rollback) + sourceText(t.revertSource) + ", then point the rule at it"
      }`
    )
    lines.push(...images(t.revision._tag === "None" ? [] : t.images))
  }
  for (const s of plan.services) {
    lines.push(
      `  service ${style.bold(s.target.name)} (cluster ${s.ref.cluster}, ${s.ref.region}): runs ${
        shortName(s.currentTaskDefinition)
      }`
    )
    const action = s.action._tag === "CheckOnly"
      ? "no update (updateStrategy none): only the checks"
      : s.action._tag === "Redeploy"
      ? `force a new deployment of ${shortName(s.currentTaskDefinition)}`
      : s.action._tag === "Unchanged"
      ? rollback
        ? `unchanged: it runs its choice already${sourceText(s.revertSource)}; only the checks`
        : "unchanged: it runs the sha already (--force redeploys it); only the checks"
      : `${revisionText(s.action.revision, rollback)}${sourceText(s.revertSource)}, then update the service`
    lines.push(`    ${action}${s.url === undefined ? "" : `; check ${s.url}`}`)
    lines.push(
      `    deployed by ECS: ${
        modelText(modelReport(s.controller, s.model))
      }; drain deadline ${s.drainDeadlineMinutes} min`
    )
    lines.push(...images(s.action._tag === "Update" ? s.images : []))
  }
  if (plan.preflight !== undefined) {
    lines.push("  pre-flight:")
    for (const [key, seen] of plan.preflight.urls) {
      for (const u of seen) {
        lines.push(
          `    ${key} ${u.kind} ${u.url}: ${
            u.result._tag === "Served" ? `serves ${u.result.version}` : u.result.reason
          }`
        )
      }
    }
    for (const [image, c] of plan.preflight.images) {
      lines.push(
        `    image ${image}: ${
          c._tag === "Found" ? "exists" : c._tag === "Missing" ? `MISSING: ${c.reason}` : `not checked: ${c.reason}`
        }`
      )
    }
  }
  if (wouldDeregister !== undefined) {
    lines.push(
      wouldDeregister.length === 0
        ? "  keepRevisions: once confirmed, no revision would be deregistered"
        : `  keepRevisions: once confirmed, these revisions gehen registered would be deregistered: ${
          wouldDeregister.map(shortName).join(", ")
        }`
    )
  }
  return lines.join("\n")
}
