/**
 * `keepRevisions: n`: after a confirmed deploy, the revisions gehen registered of the
 * deployed families go, except the newest n releases and those a service or scheduled
 * task of the file uses; revisions gehen did not register are never touched. With
 * `--dry-run`, the same choice is listed, counting the planned revisions as released.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { releaseTagsOf, type RevisionRecord, revisionsToTidy } from "../../domain/Releases.js"
import { familyOf, shortName } from "../../domain/TaskDefinitionArn.js"
import { describeTaskDefinitionOnce, Ecs } from "../../ports/Ecs.js"
import type { DeployPlan, Revision } from "../plan/Plan.js"
import type { Journal } from "../run/Journal.js"

/** One revision to deregister. */
export interface Tidied {
  readonly region: string
  readonly arn: string
}

/** A revision the run puts in service: one that exists (`arn`), or (a dry run) one it will register in `family`. */
export type Deployed = { readonly region: string; readonly family: string; readonly arn?: string | undefined }

/**
 * The revisions to deregister: `deployed` are the revisions the run puts in service
 * (they count as the newest releases, whatever their tags say yet; one still to be
 * registered takes a place among the kept), `inUse` what every target of the file runs
 * once the run is done.
 */
export const tidyChoice = (input: {
  readonly keep: number
  readonly deployed: ReadonlyArray<Deployed>
  readonly inUse: ReadonlyArray<string>
  readonly concurrency: number
}): Effect.Effect<ReadonlyArray<Tidied>, never, Ecs> =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const describe = yield* describeTaskDefinitionOnce
    const families = new Map<string, { region: string; family: string; coming: number }>()
    for (const d of input.deployed) {
      const key = `${d.region}|${d.family}`
      const f = families.get(key) ?? { region: d.region, family: d.family, coming: 0 }
      if (d.arn === undefined) f.coming++
      families.set(key, f)
    }
    const fresh = new Set(input.deployed.flatMap((d) => (d.arn === undefined ? [] : [d.arn])))
    const inUse = new Set([...input.inUse, ...fresh])
    const perFamily = yield* Effect.forEach([...families.values()], ({ coming, family, region }) =>
      Effect.gen(function*() {
        const arns = yield* ecs.listTaskDefinitions(region, family)
        const revisions = yield* Effect.forEach(arns, (a) =>
          Effect.map(describe(region, a), (td): RevisionRecord => {
            const release = releaseTagsOf(td.tags)
            const full = td.taskDefinition.taskDefinitionArn ?? a
            // Just released by this run: the newest release, its tag written or not.
            return {
              arn: full,
              revision: td.taskDefinition.revision ?? 0,
              release: fresh.has(full)
                ? { ...release, releasedAt: Number.MAX_SAFE_INTEGER, failedAt: undefined }
                : release
            }
          }), { concurrency: input.concurrency })
        return revisionsToTidy(revisions, Math.max(0, input.keep - coming), inUse).map((r) => ({ region, arn: r.arn }))
      }).pipe(Effect.orElseSucceed((): ReadonlyArray<Tidied> => [])), { concurrency: input.concurrency })
    return perFamily.flat()
  })

/** What a deploy of `plan` would put in service (a dry run), and what the targets it leaves alone run. */
export const planned = (plan: DeployPlan): { readonly deployed: Array<Deployed>; readonly inUse: Array<string> } => {
  const deployed: Array<Deployed> = []
  const inUse: Array<string> = []
  const revision = (region: string, current: string, r: Revision | undefined) => {
    if (r === undefined) return inUse.push(current)
    if (r._tag === "Existing") deployed.push({ region, family: familyOf(r.arn), arn: r.arn })
    else deployed.push({ region, family: familyOf(r.baseArn) })
  }
  for (const s of plan.services) {
    revision(s.target.region, s.currentTaskDefinition, s.action._tag === "Update" ? s.action.revision : undefined)
  }
  for (const t of plan.scheduledTasks) {
    revision(t.region, t.currentTaskDefinition, t.revision._tag === "Some" ? t.revision.value : undefined)
  }
  return { deployed, inUse }
}

/** Deregisters them (concurrently); each failure is one warning, never the run's. */
export const deregister = (
  tidied: ReadonlyArray<Tidied>,
  journal: Journal,
  concurrency: number
): Effect.Effect<void, never, Ecs> =>
  Effect.gen(function*() {
    if (tidied.length === 0) return
    const ecs = yield* Ecs
    const results = yield* Effect.forEach(tidied, (t) => Effect.either(ecs.deregisterTaskDefinition(t.region, t.arn)), {
      concurrency
    })
    const done = tidied.filter((_, i) => Either.isRight(results[i]!))
    const failed = results.flatMap((
      r,
      i
    ) => (Either.isLeft(r) ? [`${shortName(tidied[i]!.arn)} (${r.left.code})`] : []))
    if (done.length > 0) {
      yield* journal.observe(
        undefined,
        "drain",
        `keepRevisions: deregistered ${done.map((t) => shortName(t.arn)).join(", ")}`
      )
    }
    if (failed.length > 0) {
      yield* journal.observe(
        undefined,
        "drain",
        `warning: keepRevisions could not deregister ${failed.join(", ")}; the deploy is not affected`
      )
    }
  })
