import * as Schema from "effect/Schema"
import { DeploymentModelReport } from "./ModelReport.js"

/** How one service or scheduled task ended. */
export const TargetOutcome = Schema.Literal(
  /** On the new version, confirmed. */
  "deployed",
  /** Changed, then put back on its previous version. */
  "rolled-back",
  /** Changed (or maybe changed), and putting it back failed, was impossible or was not confirmed: look at it. */
  "rollback-failed",
  /** Updated, but its old tasks had not drained by the deadline (not rolled back). */
  "timed-out",
  /** Not changed because the run stopped before its turn (or `updateStrategy: none` for scheduled tasks). */
  "skipped",
  /** Its own step failed; it still runs its previous version. */
  "failed",
  /** It already ran the sha: no new revision, no update; checked like the others. */
  "unchanged",
  /** Another writer (a second pipeline, a person) deployed over the run's change: left to it, not rolled back; look at it. */
  "superseded"
)
export type TargetOutcome = typeof TargetOutcome.Type

/**
 * deployed; failed (everything changed was restored and confirmed); rollback-failed (a
 * restore was not issued, failed or not confirmed); timed-out (new version live, old
 * tasks linger); interrupted; error (the command line was refused: nothing was read or
 * changed, the problems say why).
 */
export const RunOutcome = Schema.Literal(
  "deployed",
  "failed",
  "rollback-failed",
  "superseded",
  "timed-out",
  "interrupted",
  "error"
)
export type RunOutcome = typeof RunOutcome.Type

export const PhaseName = Schema.Literal(
  "plan",
  "register",
  "update",
  "version-check",
  "drain",
  "rollback",
  "rollback-version-check",
  "rollback-drain"
)

export const PhaseTiming = Schema.Struct({
  phase: PhaseName,
  startedAt: Schema.String,
  endedAt: Schema.NullOr(Schema.String),
  status: Schema.Literal("running", "succeeded", "failed", "skipped", "interrupted", "cancelled")
})
export type PhaseTiming = typeof PhaseTiming.Type

export const ImageReport = Schema.Struct({
  container: Schema.String,
  previous: Schema.NullOr(Schema.String),
  next: Schema.NullOr(Schema.String)
})
export type ImageReport = typeof ImageReport.Type

/** The service deployment gehen followed (BLUE_GREEN, LINEAR, CANARY): its end and the stages it went through. */
export const ServiceDeploymentReport = Schema.Struct({
  arn: Schema.String,
  status: Schema.String,
  statusReason: Schema.NullOr(Schema.String),
  /** Each lifecycle stage (or status) as gehen first saw it. */
  stages: Schema.Array(Schema.Struct({ stage: Schema.String, status: Schema.String, at: Schema.String }))
})
export type ServiceDeploymentReport = typeof ServiceDeploymentReport.Type

/**
 * How a rolled-back service was restored: a new deployment of its previous revision
 * (UpdateService), ECS's rollback asked for (StopServiceDeployment, or ContinueServiceDeployment
 * ROLLBACK at a paused hook), or ECS's own rollback, only confirmed.
 */
export const RestoredBy = Schema.Literal(
  "update-service",
  "stop-service-deployment",
  "continue-service-deployment",
  "ecs-rollback"
)
export type RestoredBy = typeof RestoredBy.Type

export const TargetReport = Schema.Struct({
  kind: Schema.Literal("service", "scheduled-task"),
  name: Schema.String,
  cluster: Schema.NullOr(Schema.String),
  region: Schema.String,
  previousTaskDefinition: Schema.NullOr(Schema.String),
  newTaskDefinition: Schema.NullOr(Schema.String),
  previousTag: Schema.NullOr(Schema.String),
  newTag: Schema.NullOr(Schema.String),
  images: Schema.Array(ImageReport),
  phases: Schema.Array(PhaseTiming),
  outcome: TargetOutcome,
  error: Schema.NullOr(Schema.String),
  /** The AWS CLI command that restores the target by hand, when gehen's restore call failed. */
  manualCommand: Schema.NullOr(Schema.String),
  serviceDeployment: Schema.optionalWith(ServiceDeploymentReport, { exact: true }),
  restoredBy: Schema.optionalWith(RestoredBy, { exact: true }),
  /**
   * A traffic-shifting service whose service deployment gehen could not identify (the
   * update's answer named none, and none was found by the deadline): judged by
   * DescribeServices alone, as rolling services are.
   */
  judgedBy: Schema.optionalWith(Schema.Literal("describe-services"), { exact: true })
})
export type TargetReport = typeof TargetReport.Type

/** Whom the run deployed as (STS GetCallerIdentity). */
export const DeployedAs = Schema.Struct({ account: Schema.String, arn: Schema.String })
export type DeployedAs = typeof DeployedAs.Type

/** One thing wrong with the input or what AWS answered, found before any change. */
export const Problem = Schema.Struct({
  /** The service, scheduled task or file it is about; null for the run as a whole. */
  target: Schema.NullOr(Schema.String),
  problem: Schema.String
})
export type Problem = typeof Problem.Type

/** A problem in one line: `<target>: <problem>`, or the problem alone for the run as a whole. */
export const problemLine = (p: Problem): string => (p.target === null ? p.problem : `${p.target}: ${p.problem}`)

/** The command a report is of. */
export const CommandName = Schema.Literal("deploy", "rollback")
export type CommandName = typeof CommandName.Type

/** The machine-readable result of one run (`--output json`). */
export const RunReport = Schema.Struct({
  schemaVersion: Schema.Literal(1),
  /** deploy, or rollback (`gehen rollback`). */
  command: CommandName,
  /** The sha deployed; for `gehen rollback` the `--to` sha, else null (each target's own in its `newTag`). */
  gitsha: Schema.NullOr(Schema.String),
  updateStrategy: Schema.String,
  outcome: RunOutcome,
  exitCode: Schema.Number,
  startedAt: Schema.String,
  endedAt: Schema.String,
  error: Schema.NullOr(Schema.String),
  /** Every problem that stopped the run before any change (bad input, the plan's findings). */
  problems: Schema.Array(Problem),
  deployedAs: Schema.NullOr(DeployedAs),
  services: Schema.Array(TargetReport),
  scheduledTasks: Schema.Array(TargetReport)
})
export type RunReport = typeof RunReport.Type

/** What a report is about, in words: the sha deployed, or where a rollback went. */
export const versionText = (r: { readonly command: CommandName; readonly gitsha: string | null }): string =>
  r.command === "deploy" ? r.gitsha ?? "" : r.gitsha === null ? "the releases before" : `back to ${r.gitsha}`

/** Exit codes of the CLI, by run outcome. */
export const exitCodeOf = (outcome: RunOutcome): number => {
  switch (outcome) {
    case "deployed":
      return 0
    case "failed":
      return 1
    case "timed-out":
      return 2
    case "rollback-failed":
    case "superseded":
      return 3
    case "interrupted":
      return 130
    case "error":
      return 1
  }
}

/** What `deploy --dry-run --output json` prints: the plan, without any task-definition content. */
export const PlanTarget = Schema.Struct({
  kind: Schema.Literal("service", "scheduled-task"),
  name: Schema.String,
  cluster: Schema.NullOr(Schema.String),
  region: Schema.String,
  currentTaskDefinition: Schema.String,
  /** register: a new revision; existing: switch to an existing one; redeploy; check-only; unchanged (runs the sha); none. */
  action: Schema.Literal("register", "existing", "redeploy", "check-only", "unchanged", "none"),
  images: Schema.Array(ImageReport),
  /** Services: how ECS deploys it, and its drain deadline (timeoutMinutes plus bake and step times). */
  deployment: Schema.optionalWith(
    Schema.extend(DeploymentModelReport, Schema.Struct({ drainDeadlineMinutes: Schema.Number })),
    { exact: true }
  )
})
export type PlanTarget = typeof PlanTarget.Type

export const PlanReport = Schema.Struct({
  schemaVersion: Schema.Literal(1),
  dryRun: Schema.Literal(true),
  command: CommandName,
  gitsha: Schema.NullOr(Schema.String),
  updateStrategy: Schema.String,
  /** 0 when the plan is whole; 1 when problems stopped it (then the target lists are empty). */
  exitCode: Schema.Number,
  problems: Schema.Array(Problem),
  deployedAs: Schema.NullOr(DeployedAs),
  services: Schema.Array(PlanTarget),
  scheduledTasks: Schema.Array(PlanTarget),
  /** `keepRevisions`: the revisions the deploy would deregister once confirmed. */
  wouldDeregister: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }),
  /** What the pre-flight saw (absent when it was off): what each url serves, whether each image to deploy exists. */
  preflight: Schema.optionalWith(
    Schema.Struct({
      urls: Schema.Array(Schema.Struct({
        service: Schema.String,
        kind: Schema.Literal("url", "testUrl"),
        url: Schema.String,
        serves: Schema.NullOr(Schema.String),
        problem: Schema.NullOr(Schema.String)
      })),
      images: Schema.Array(Schema.Struct({
        image: Schema.String,
        status: Schema.Literal("found", "missing", "not-checked"),
        reason: Schema.NullOr(Schema.String)
      }))
    }),
    { exact: true }
  )
})
export type PlanReport = typeof PlanReport.Type
