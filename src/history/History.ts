/**
 * `gehen history`: per service and scheduled task of the file, its releases newest first,
 * read from the release history gehen keeps in tags on the task definition revisions
 * (what sha, which revision, when, by whom), the one running now marked. Read-only.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { clusterName, type GehenConfig } from "../config/Config.js"
import { released, releaseTagsOf, type RevisionRecord } from "../domain/Releases.js"
import { familyOf } from "../domain/TaskDefinitionArn.js"
import { describeTaskDefinitionOnce, Ecs } from "../ports/Ecs.js"
import type { MissingRegion } from "../ports/Errors.js"
import { DefaultRegion, regionFor } from "../ports/Region.js"
import { ecsTargetOf, ScheduledTasks } from "../ports/ScheduledTasks.js"
import { GetServiceState, makeServiceStatesResolver } from "../reads/ServiceStates.js"
import { DeployedAs, Problem, problemLine } from "../report/Report.js"

export const Release = Schema.Struct({
  sha: Schema.NullOr(Schema.String),
  /** The task definition revision's ARN. */
  taskDefinition: Schema.String,
  releasedAt: Schema.String,
  /** Who deployed it (the STS principal), where recorded. */
  by: Schema.NullOr(Schema.String),
  /** The target runs this revision now. */
  current: Schema.Boolean
})
export type Release = typeof Release.Type

export const TargetHistory = Schema.Struct({
  kind: Schema.Literal("service", "scheduled-task"),
  name: Schema.String,
  cluster: Schema.NullOr(Schema.String),
  region: Schema.String,
  /** What it runs now; null when it could not be read. */
  taskDefinition: Schema.NullOr(Schema.String),
  releases: Schema.Array(Release),
  /** Why it could not be read. */
  problem: Schema.NullOr(Schema.String)
})
export type TargetHistory = typeof TargetHistory.Type

export const HistoryReport = Schema.Struct({
  schemaVersion: Schema.Literal(1),
  at: Schema.String,
  /** found (every target read), incomplete (some could not be), error (nothing read: `problems` say why). */
  outcome: Schema.Literal("found", "incomplete", "error"),
  exitCode: Schema.Number,
  /** Why nothing was read (outcome error). */
  error: Schema.NullOr(Schema.String),
  /** What stopped the command before any read. */
  problems: Schema.Array(Problem),
  deployedAs: Schema.NullOr(DeployedAs),
  services: Schema.Array(TargetHistory),
  scheduledTasks: Schema.Array(TargetHistory)
})
export type HistoryReport = typeof HistoryReport.Type

/** The history report of a command stopped before it read anything: outcome error, exit 1. */
export const historyErrorReport = (at: string, problems: ReadonlyArray<Problem>): HistoryReport => ({
  schemaVersion: 1,
  at,
  outcome: "error",
  exitCode: 1,
  error: problems.length === 1
    ? problemLine(problems[0]!)
    : `${problems.length} problems stopped the command; nothing was read`,
  problems,
  deployedAs: null,
  services: [],
  scheduledTasks: []
})

/** A family's releases, newest first, from its revisions' tags. */
export const releasesOf = (revisions: ReadonlyArray<RevisionRecord>, current: string | null): ReadonlyArray<Release> =>
  revisions
    .filter(released)
    .sort((a, b) => b.release.releasedAt! - a.release.releasedAt!)
    .map((r) => ({
      sha: r.release.sha ?? null,
      taskDefinition: r.arn,
      releasedAt: new Date(r.release.releasedAt!).toISOString(),
      by: r.release.by ?? null,
      current: r.arn === current
    }))

export const history = (
  config: GehenConfig,
  deployedAs: DeployedAs | null = null
): Effect.Effect<HistoryReport, MissingRegion, Ecs | ScheduledTasks | DefaultRegion> =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const events = yield* ScheduledTasks
    const defaultRegion = yield* Effect.cached((yield* DefaultRegion).get)
    const describe = yield* describeTaskDefinitionOnce
    const resolver = yield* makeServiceStatesResolver

    /** The releases of the family of `taskDefinition` (its ACTIVE revisions). */
    const family = (region: string, taskDefinition: string) =>
      Effect.gen(function*() {
        const arns = yield* ecs.listTaskDefinitions(region, familyOf(taskDefinition))
        const revisions = yield* Effect.forEach(arns, (arn) =>
          Effect.map(describe(region, arn), (td): RevisionRecord => ({
            arn: td.taskDefinition.taskDefinitionArn ?? arn,
            revision: td.taskDefinition.revision ?? 0,
            release: releaseTagsOf(td.tags)
          })), { concurrency: config.concurrency })
        return releasesOf(revisions, taskDefinition)
      })

    const entry = (
      where: Pick<TargetHistory, "kind" | "name" | "cluster" | "region">,
      current: Effect.Effect<string, string>
    ): Effect.Effect<TargetHistory> =>
      Effect.gen(function*() {
        const td = yield* current
        const releases = yield* family(where.region, td).pipe(Effect.mapError((e) => e.message))
        return { ...where, taskDefinition: td, releases, problem: null }
      }).pipe(Effect.catchAll((problem) => Effect.succeed({ ...where, taskDefinition: null, releases: [], problem })))

    const services = yield* Effect.forEach(config.services, (svc) =>
      Effect.flatMap(regionFor(svc.cluster, defaultRegion), (region) =>
        entry(
          { kind: "service", name: svc.name, cluster: clusterName(svc.cluster), region },
          Effect.request(GetServiceState({ ref: { region, cluster: svc.cluster, service: svc.name } }), resolver).pipe(
            Effect.mapError((e) =>
              e.message
            ),
            Effect.flatMap((lookup) =>
              lookup._tag === "Found"
                ? Effect.succeed(lookup.state.taskDefinition)
                : Effect.fail(`service not found: ${lookup.reason}`)
            )
          )
        )), { concurrency: config.concurrency, batching: true })
    const scheduledTasks = yield* Effect.forEach(config.scheduledTasks, (task) =>
      Effect.flatMap(task.region === undefined ? defaultRegion : Effect.succeed(task.region), (region) =>
        entry(
          { kind: "scheduled-task", name: task.rule, cluster: null, region },
          events.targetsOf({ region, rule: task.rule, eventBusName: task.eventBusName }).pipe(
            Effect.mapError((e) =>
              e.message
            ),
            Effect.flatMap((targets) =>
              Either.match(ecsTargetOf(targets), {
                onLeft: Effect.fail,
                onRight: (t) =>
                  Effect.succeed(t.taskDefinition)
              })
            )
          )
        )), { concurrency: config.concurrency })
    const at = new Date(yield* Clock.currentTimeMillis).toISOString()
    const complete = [...services, ...scheduledTasks].every((t) =>
      t.problem === null
    )
    return {
      schemaVersion: 1,
      at,
      outcome: complete ? "found" : "incomplete",
      exitCode: complete ? 0 : 1,
      error: null,
      problems: [],
      deployedAs,
      services,
      scheduledTasks
    } as const
  })
