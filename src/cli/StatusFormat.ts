import { resourceId } from "../domain/ResourceId.js"
import { shortName } from "../domain/TaskDefinitionArn.js"
import { latestText, modelText } from "../report/ModelReport.js"
import type {
  DeploymentStatus,
  FoundService,
  ScheduledTaskStatus,
  ServiceStatus,
  StatusReport,
  UnreadTarget
} from "../status/Status.js"
import type { Style } from "./Style.js"
import { asWhom } from "./WhoAmI.js"

const tagList = (tags: ReadonlyArray<string>) => (tags.length === 0 ? "no tag" : tags.join(", "))

const counts = (x: { runningCount: number; desiredCount: number; pendingCount: number }) =>
  `${x.runningCount}/${x.desiredCount} running${x.pendingCount > 0 ? `, ${x.pendingCount} pending` : ""}`

/** Steady: one deployment, all desired tasks running, none unhealthy; a rollout in progress otherwise. */
const health = (style: Style, s: FoundService): string => {
  if (s.unhealthyTasks.length > 0) return style.red(`${s.unhealthyTasks.length} unhealthy`)
  if (s.deployments.some((d) => d.rolloutState === "FAILED")) return style.red("rollout failed")
  if (s.serviceStatus !== "ACTIVE") return style.red(s.serviceStatus)
  if (s.deployments.length > 1) return style.yellow("deploying")
  if (s.runningCount < s.desiredCount) return style.yellow("starting tasks")
  return style.green("steady")
}

const deploymentLine = (style: Style, d: DeploymentStatus): string => {
  const rollout = d.rolloutState === null
    ? ""
    : `, ${d.rolloutState === "FAILED" ? style.red(d.rolloutState) : d.rolloutState}` +
      (d.rolloutState !== "COMPLETED" && d.rolloutStateReason !== null ? ` (${d.rolloutStateReason})` : "")
  const failed = d.failedTasks > 0 ? `, ${style.red(`${d.failedTasks} failed`)}` : ""
  return `    ${style.dim(d.status.padEnd(7))} ${shortName(d.taskDefinition)}: ${counts(d)}${failed}${rollout}; ${
    tagList(d.tags)
  }`
}

/** A target that was not read: MISSING or PROBLEM, and why. */
const unreadLine = (style: Style, who: string, t: UnreadTarget): string =>
  `  ${who}: ${style.red(t.state === "missing" ? "MISSING" : "PROBLEM")}: ${t.reason}`

const serviceLines = (style: Style, s: ServiceStatus): ReadonlyArray<string> => {
  const who = `service ${style.bold(s.name)} (cluster ${s.cluster}, ${s.region})`
  if (s.state !== "found") return [unreadLine(style, who, s)]
  return [
    `  ${who}: ${health(style, s)}, ${counts(s)}, runs ${style.bold(tagList(s.tags))}`,
    ...(s.deployment === undefined ? [] : [`    ${style.dim("deployed by ECS:")} ${modelText(s.deployment)}`]),
    ...(s.latestServiceDeployment === undefined || s.latestServiceDeployment === null
      ? []
      : [`    ${latestText(s.latestServiceDeployment)}`]),
    ...s.deployments.map((d) => deploymentLine(style, d)),
    ...s.unhealthyTasks.map((t) =>
      `    ${style.red("UNHEALTHY")} task ${resourceId(t.taskArn)} (${shortName(t.taskDefinition)}, ${t.lastStatus})`
    )
  ]
}

const ruleLine = (style: Style, t: ScheduledTaskStatus): string => {
  const who = `scheduled task ${style.bold(t.name)} (${t.region})`
  return t.state === "found"
    ? `  ${who}: runs ${shortName(t.taskDefinition)}, ${style.bold(tagList(t.tags))}`
    : unreadLine(style, who, t)
}

/** `gehen status` as text: whom it read as, then one block per scheduled task and service, read or not. */
export const formatStatus = (style: Style, report: StatusReport): string =>
  [
    style.bold(`gehen status at ${report.at}`) +
    (report.deployedAs === undefined || report.deployedAs === null ? "" : ` ${style.dim(asWhom(report.deployedAs))}`),
    ...report.scheduledTasks.map((t) => ruleLine(style, t)),
    ...report.services.flatMap((s) => serviceLines(style, s))
  ].join("\n")
