/**
 * `gehen status`'s report (`--output json`, `StatusReport`): what runs now per service
 * and scheduled task, and its error form for a command that stopped before reading.
 * Schemas only, so a refused command line can print one without loading the program.
 */
import * as Schema from "effect/Schema"
import { DeploymentModelReport, LatestServiceDeployment } from "../report/ModelReport.js"
import { DeployedAs, Problem, problemLine } from "../report/Report.js"

export const StatusImage = Schema.Struct({
  container: Schema.String,
  image: Schema.NullOr(Schema.String),
  tag: Schema.NullOr(Schema.String)
})
export type StatusImage = typeof StatusImage.Type

export const DeploymentStatus = Schema.Struct({
  id: Schema.String,
  /** PRIMARY, ACTIVE or INACTIVE. */
  status: Schema.String,
  taskDefinition: Schema.String,
  desiredCount: Schema.Number,
  runningCount: Schema.Number,
  pendingCount: Schema.Number,
  failedTasks: Schema.Number,
  rolloutState: Schema.NullOr(Schema.String),
  rolloutStateReason: Schema.NullOr(Schema.String),
  images: Schema.Array(StatusImage),
  /** Tags of the containers gehen manages (`containers`, or all), deduplicated. */
  tags: Schema.Array(Schema.String)
})
export type DeploymentStatus = typeof DeploymentStatus.Type

export const UnhealthyTask = Schema.Struct({
  taskArn: Schema.String,
  taskDefinition: Schema.String,
  lastStatus: Schema.String
})
export type UnhealthyTask = typeof UnhealthyTask.Type

// Every entry names its target as the run report does: `kind`, `name`, `cluster` (null
// for a scheduled task) and `region`; `state` says whether it was read.

export const FoundService = Schema.Struct({
  kind: Schema.Literal("service"),
  state: Schema.Literal("found"),
  name: Schema.String,
  cluster: Schema.String,
  region: Schema.String,
  /** ACTIVE, DRAINING or INACTIVE. */
  serviceStatus: Schema.String,
  taskDefinition: Schema.String,
  desiredCount: Schema.Number,
  runningCount: Schema.Number,
  pendingCount: Schema.Number,
  /** Tags running now: those of the deployments with running tasks, newest deployment first. */
  tags: Schema.Array(Schema.String),
  deployments: Schema.Array(DeploymentStatus),
  taskCount: Schema.Number,
  unhealthyTasks: Schema.Array(UnhealthyTask),
  /** The newest service events, newest first. */
  recentEvents: Schema.Array(Schema.String),
  /** How ECS deploys it: controller, strategy, bake time, steps, circuit breaker, alarms, lifecycle hooks. */
  deployment: Schema.optionalWith(DeploymentModelReport, { exact: true }),
  /** Its current service deployment (null where ECS names none or the API is not offered). */
  latestServiceDeployment: Schema.optionalWith(Schema.NullOr(LatestServiceDeployment), { exact: true })
})
export type FoundService = typeof FoundService.Type

/** The service, or its cluster, does not exist. */
export const MissingService = Schema.Struct({
  kind: Schema.Literal("service"),
  state: Schema.Literal("missing"),
  name: Schema.String,
  cluster: Schema.String,
  region: Schema.String,
  reason: Schema.String
})
export type MissingService = typeof MissingService.Type

/** The service could not be read: access denied, throttled, another AWS error. */
export const ServiceProblem = Schema.Struct({
  kind: Schema.Literal("service"),
  state: Schema.Literal("problem"),
  name: Schema.String,
  cluster: Schema.String,
  region: Schema.String,
  reason: Schema.String
})
export type ServiceProblem = typeof ServiceProblem.Type

export const ServiceStatus = Schema.Union(FoundService, MissingService, ServiceProblem)
export type ServiceStatus = typeof ServiceStatus.Type

export const FoundScheduledTask = Schema.Struct({
  kind: Schema.Literal("scheduled-task"),
  state: Schema.Literal("found"),
  /** The EventBridge rule's name. */
  name: Schema.String,
  cluster: Schema.Null,
  region: Schema.String,
  taskDefinition: Schema.String,
  images: Schema.Array(StatusImage),
  tags: Schema.Array(Schema.String)
})
export type FoundScheduledTask = typeof FoundScheduledTask.Type

/** The rule does not exist (in its region, on its event bus). */
export const MissingScheduledTask = Schema.Struct({
  kind: Schema.Literal("scheduled-task"),
  state: Schema.Literal("missing"),
  name: Schema.String,
  cluster: Schema.Null,
  region: Schema.String,
  reason: Schema.String
})
export type MissingScheduledTask = typeof MissingScheduledTask.Type

/**
 * The rule could not be read (access denied, another AWS error), or it is no rule gehen
 * deploys: not exactly one target, or a target that is not an ECS task.
 */
export const ScheduledTaskProblem = Schema.Struct({
  kind: Schema.Literal("scheduled-task"),
  state: Schema.Literal("problem"),
  name: Schema.String,
  cluster: Schema.Null,
  region: Schema.String,
  reason: Schema.String
})
export type ScheduledTaskProblem = typeof ScheduledTaskProblem.Type

export const ScheduledTaskStatus = Schema.Union(FoundScheduledTask, MissingScheduledTask, ScheduledTaskProblem)
export type ScheduledTaskStatus = typeof ScheduledTaskStatus.Type

/** How a status command ended: every target found, some not, or nothing read. */
export const StatusOutcome = Schema.Literal("found", "incomplete", "error")
export type StatusOutcome = typeof StatusOutcome.Type

/**
 * What runs now, per service and scheduled task of a gehen.yml; read-only. Every target
 * has an entry, whatever happened to the others. Schema version 2: scheduled tasks are
 * `name` (was `rule`), entries carry `kind` and `cluster`, a target that could not be
 * read is `missing` or `problem` with a `reason`.
 */
export const StatusReport = Schema.Struct({
  schemaVersion: Schema.Literal(2),
  /** When it was read (ISO 8601). */
  at: Schema.String,
  // The fields below are optional so that earlier version-2 documents still decode; gehen
  // status writes every one of them.
  /** found: every target read; incomplete: some target missing or unreadable; error: nothing was read. */
  outcome: Schema.optionalWith(StatusOutcome, { exact: true }),
  /** The command's exit code: 0 found, 1 otherwise. */
  exitCode: Schema.optionalWith(Schema.Number, { exact: true }),
  /** Why nothing was read (outcome error); null otherwise. */
  error: Schema.optionalWith(Schema.NullOr(Schema.String), { exact: true }),
  /** Every problem that stopped the command before any read (a usage error, the config, the credentials). */
  problems: Schema.optionalWith(Schema.Array(Problem), { exact: true }),
  /** Whom it read as (STS GetCallerIdentity); null when that was not learnt. */
  deployedAs: Schema.optionalWith(Schema.NullOr(DeployedAs), { exact: true }),
  services: Schema.Array(ServiceStatus),
  scheduledTasks: Schema.Array(ScheduledTaskStatus)
})
export type StatusReport = typeof StatusReport.Type

/** An entry of a target that was not read: missing, or a problem. */
export type UnreadTarget = MissingService | ServiceProblem | MissingScheduledTask | ScheduledTaskProblem

/** The targets that are missing or could not be read, scheduled tasks first (as printed). */
export const unreadTargets = (
  report: Pick<StatusReport, "services" | "scheduledTasks">
): ReadonlyArray<UnreadTarget> => [
  ...report.scheduledTasks.filter((t): t is MissingScheduledTask | ScheduledTaskProblem => t.state !== "found"),
  ...report.services.filter((s): s is MissingService | ServiceProblem => s.state !== "found")
]

/** The outcome and exit code of a report whose targets were read: found (0) or incomplete (1). */
export const readOutcome = (
  report: Pick<StatusReport, "services" | "scheduledTasks">
): { readonly outcome: StatusOutcome; readonly exitCode: number } =>
  unreadTargets(report).length === 0 ? { outcome: "found", exitCode: 0 } : { outcome: "incomplete", exitCode: 1 }

/**
 * The report of a status command that stopped before reading any target: a usage error,
 * a config error, no credentials or region. Exit 1, every problem listed.
 */
export const statusErrorReport = (
  at: string,
  problems: ReadonlyArray<Problem>,
  deployedAs: DeployedAs | null = null
): StatusReport => ({
  schemaVersion: 2,
  at,
  outcome: "error",
  exitCode: 1,
  error: problems.length === 1
    ? problemLine(problems[0]!)
    : `${problems.length} problems stopped the command; nothing was read`,
  problems,
  deployedAs,
  services: [],
  scheduledTasks: []
})
