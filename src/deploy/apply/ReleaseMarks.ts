/**
 * The run's mark on the release history (tags on task definition revisions): a
 * confirmed deploy tags the revision each target runs `gehen:released` (when, and by
 * whom); a failed deploy tags the revisions it tried `gehen:failed`. Tagging never
 * decides the run: a failure is one warning line.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { failedTags, releasedTags } from "../../domain/Releases.js"
import { targetKey } from "../../domain/Targets.js"
import { regionOfTaskDefinition, shortName } from "../../domain/TaskDefinitionArn.js"
import { Ecs } from "../../ports/Ecs.js"
import type { DeployPlan, ScheduledTaskPlan, ServicePlan } from "../plan/Plan.js"
import type { Journal } from "../run/Journal.js"
import type { RunEnd, Verdict } from "../run/Verdicts.js"
import type { Changes } from "./Ledger.js"

/** One tagging the run does: which revision, with what. */
export interface HistoryMark {
  readonly region: string
  readonly arn: string
  readonly tags: Readonly<Record<string, string>>
}

/**
 * What a deploy's end writes into the history (pure): the revision of every target
 * deployed (or already on the sha but not yet released) is released; when the run
 * failed, every new revision it tried failed. A rollback writes nothing (its history is
 * the deploys'), nor does `updateStrategy: none`.
 */
export const historyMarks = (input: {
  readonly plan: DeployPlan
  readonly changes: Changes
  readonly verdicts: ReadonlyMap<string, Verdict>
  readonly end: RunEnd
  readonly now: number
  readonly by: string | undefined
}): ReadonlyArray<HistoryMark> => {
  const { by, changes, end, now, plan, verdicts } = input
  // `none` changes nothing, not even the history.
  if (plan.updateStrategy === "none") return []
  const targets: ReadonlyArray<ServicePlan | ScheduledTaskPlan> = [...plan.services, ...plan.scheduledTasks]
  const marks = new Map<string, HistoryMark>()
  const mark = (region: string, arn: string, tags: Record<string, string>) =>
    marks.set(`${region}|${arn}`, { region, arn, tags })
  for (const t of targets) {
    const key = targetKey(t.target)
    const change = changes.get(key)
    const verdict = verdicts.get(key)?.outcome
    const region = t.target.region
    if (end._tag === "Deployed" || end._tag === "TimedOut") {
      if (verdict === "deployed" && change !== undefined) mark(region, change.newTaskDefinition, releasedTags(now, by))
      if (verdict === "unchanged" && t.currentRelease.releasedAt === undefined) {
        mark(region, t.currentTaskDefinition, releasedTags(now, by))
      }
    } else if (end._tag === "Failed" && change !== undefined) {
      const before = change.kind === "service" ? change.restoreTo : change.plan.currentTaskDefinition
      if (change.newTaskDefinition !== before) mark(region, change.newTaskDefinition, failedTags(now))
    }
  }
  return [...marks.values()]
}

/** Tags the revisions (concurrently); a failure is said, never raised. */
export const writeHistory = (
  marks: ReadonlyArray<HistoryMark>,
  journal: Journal,
  concurrency: number
): Effect.Effect<void, never, Ecs> =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    yield* Effect.forEach(marks, (m) =>
      Effect.flatMap(
        Effect.either(
          ecs.tagTaskDefinition(Option.getOrElse(regionOfTaskDefinition(m.arn), () => m.region), m.arn, m.tags)
        ),
        (done) =>
          Either.isRight(done)
            ? Effect.void
            : journal.observe(
              undefined,
              "drain",
              `warning: could not record the release history on ${shortName(m.arn)} (${
                Object.keys(m.tags).join(", ")
              }): ${done.left.message}; the deploy is not affected`
            )
      ), { concurrency, discard: true })
  })

/** The marks of a run's end, with the clock's time. */
export const marksNow = (input: Omit<Parameters<typeof historyMarks>[0], "now">) =>
  Effect.map(Clock.currentTimeMillis, (now) => historyMarks({ ...input, now }))
