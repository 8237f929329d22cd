import type { ContainerDefinition } from "@aws-sdk/client-ecs"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { GehenConfig } from "../../config/Config.js"
import type { ServiceDeploymentBrief } from "../../domain/DeploymentModel.js"
import { tagOf } from "../../domain/ImageRef.js"
import { previousRelease, releaseOf, releaseTagsOf, type RevisionRecord } from "../../domain/Releases.js"
import type { ServiceRef } from "../../domain/Targets.js"
import { familyOf, shortName } from "../../domain/TaskDefinitionArn.js"
import { toRegisterInput } from "../../domain/TaskDefinitionCopy.js"
import { type DescribedTaskDefinition, describeTaskDefinitionOnce, Ecs } from "../../ports/Ecs.js"
import type { AwsCallError, MissingRegion } from "../../ports/Errors.js"
import { notOffered } from "../../ports/Errors.js"
import type { DefaultRegion } from "../../ports/Region.js"
import type { ScheduledTasks } from "../../ports/ScheduledTasks.js"
import {
  type DeployPlan,
  makePlan,
  PlanError,
  type RevertSource,
  type ScheduledTaskPlan,
  type ServicePlan
} from "./Plan.js"
import { imagesOf } from "./Revisions.js"

export interface RevertOptions {
  /** Return to the newest release of this sha (else an ACTIVE revision running it); else to the release before the current one. */
  readonly to?: string | undefined
}

/** The targeted containers of a revision (the `containers` list, or all). */
const targeted = (
  td: DescribedTaskDefinition,
  containers: ReadonlyArray<string> | undefined
): ReadonlyArray<ContainerDefinition> =>
  (td.taskDefinition.containerDefinitions ?? []).filter((c) =>
    containers === undefined || (c.name !== undefined && containers.includes(c.name))
  )

const imagesKey = (td: DescribedTaskDefinition, containers: ReadonlyArray<string> | undefined) =>
  targeted(td, containers).map((c) => `${c.name ?? ""}=${c.image ?? ""}`).join("\n")

const tagsOf = (td: DescribedTaskDefinition, containers: ReadonlyArray<string> | undefined): ReadonlyArray<string> => [
  ...new Set(targeted(td, containers).flatMap((c) => Option.toArray(tagOf(c.image ?? ""))))
]

const revisionNumber = (arn: string) => Number(/:(\d+)$/.exec(arn)?.[1] ?? "0")

/** The revision a target returns to, and where that choice came from. */
interface Found {
  readonly arn: string
  readonly td: DescribedTaskDefinition
  readonly source: RevertSource
}

/** Statuses of a service deployment that put its revision in service for good. */
const settled = (b: ServiceDeploymentBrief) => b.status === "SUCCESSFUL"

/**
 * The plan of `gehen rollback`: every target of the file back to the newest revision
 * released before the one it runs now, from the release history gehen keeps in tags (no
 * local state), so that a second rollback goes further back, never forward. With `to`,
 * the newest release of that sha (else any ACTIVE revision running it). Where no release
 * is recorded (revisions deployed before gehen kept a history): for a service, the
 * revision of the newest successful earlier service deployment ECS records (rollbacks,
 * stops and failures skipped); else, and for scheduled tasks, the newest earlier ACTIVE
 * revision with other images. The plan names each choice's source; a target already on
 * its choice is unchanged. It is the deploy's plan (the same reads, checks and
 * problems), with each target's revision and expected version replaced. Reads only;
 * every problem is collected.
 */
export const planRevert = (
  config: GehenConfig,
  options: RevertOptions
): Effect.Effect<DeployPlan, PlanError | MissingRegion, Ecs | ScheduledTasks | DefaultRegion> =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const describe = yield* describeTaskDefinitionOnce
    // The deploy's plan, as a redeploy (no retagging), gives each target's current revision,
    // region and the same problems; `force` keeps every target in it.
    const base = yield* makePlan({ ...config, updateStrategy: "redeploy" }, options.to ?? "", { force: true })
    const problems: Array<{ readonly target: string; readonly problem: string }> = []

    /** The family's ACTIVE revisions with what their tags say (newest first). */
    const family = (region: string, arn: string) =>
      Effect.gen(function*() {
        const arns = yield* ecs.listTaskDefinitions(region, familyOf(arn))
        const records = yield* Effect.forEach(arns, (a) =>
          Effect.map(describe(region, a), (td): RevisionRecord & { readonly td: DescribedTaskDefinition } => ({
            arn: td.taskDefinition.taskDefinitionArn ?? a,
            revision: td.taskDefinition.revision ?? revisionNumber(a),
            release: releaseTagsOf(td.tags),
            td
          })), { concurrency: config.concurrency })
        // Newest first by number, whatever order the pages came in (the scans below take the first match).
        return [...records].sort((a, b) =>
          b.revision - a.revision
        )
      })

    /**
     * What ECS records a service ran before: its service deployments (every page, sorted
     * by time, as AWS documents no order), the newest successful one before the current
     * revision's whose revision ran an earlier task definition of the family. None where
     * the API is not offered.
     */
    const deploymentHistory = (ref: ServiceRef, current: RevisionRecord) =>
      Effect.gen(function*() {
        const briefs: Array<ServiceDeploymentBrief> = []
        let nextToken: string | undefined
        do {
          const page = yield* ecs.listServiceDeployments(ref, { nextToken })
          briefs.push(...page.deployments)
          nextToken = page.nextToken
        } while (nextToken !== undefined)
        const newest = briefs.filter(settled).sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))
        const arns = [
          ...new Set(
            newest.flatMap((b) => (b.targetServiceRevisionArn === undefined ? [] : [b.targetServiceRevisionArn]))
          )
        ]
        const revisions = new Map(
          (yield* ecs.describeServiceRevisions(ref.region, arns)).map((r) => [r.arn, r.taskDefinition])
        )
        const earlier = newest
          .map((b) => revisions.get(b.targetServiceRevisionArn ?? ""))
          .find((td) =>
            td !== undefined && td !== current.arn && familyOf(td) === familyOf(current.arn) &&
            revisionNumber(td) < current.revision
          )
        return Option.fromNullable(earlier)
      }).pipe(
        Effect.catchAll((e: AwsCallError) => (notOffered(e) ? Effect.succeed(Option.none<string>()) : Effect.fail(e)))
      )

    /** The revision to return to, or why there is none. */
    const findTarget = (
      region: string,
      currentArn: string,
      containers: ReadonlyArray<string> | undefined,
      service: ServiceRef | undefined
    ): Effect.Effect<Found & { readonly current: DescribedTaskDefinition }, string> =>
      Effect.gen(function*() {
        const current = yield* describe(region, currentArn)
        const revisions = yield* family(region, currentArn)
        const self: RevisionRecord = {
          arn: current.taskDefinition.taskDefinitionArn ?? currentArn,
          revision: current.taskDefinition.revision ?? revisionNumber(currentArn),
          release: releaseTagsOf(current.tags)
        }
        const found = (r: { readonly arn: string; readonly td: DescribedTaskDefinition }, source: RevertSource) => ({
          ...r,
          source,
          current
        })
        if (options.to !== undefined) {
          const sha = options.to
          const release = releaseOf(sha, revisions)
          if (release !== undefined) return found(revisions.find((r) => r.arn === release.arn)!, "release history")
          const running = revisions.find((r) => {
            const tags = tagsOf(r.td, containers)
            return targeted(r.td, containers).length > 0 && tags.length === 1 && tags[0] === sha
          })
          if (running !== undefined) return found(running, "an ACTIVE revision running it (never released by gehen)")
          return yield* Effect.fail(
            `no ACTIVE revision of ${familyOf(currentArn)} runs ${sha} in its ${
              containers === undefined ? "" : "targeted "
            }containers`
          )
        }
        const release = previousRelease(self, revisions)
        if (release !== undefined) return found(revisions.find((r) => r.arn === release.arn)!, "release history")
        if (service !== undefined) {
          const before = yield* deploymentHistory(service, self)
          if (Option.isSome(before)) {
            return found({ arn: before.value, td: yield* describe(region, before.value) }, "ECS deployment history")
          }
        }
        const scan = revisions.find((r) =>
          r.revision < self.revision && r.release.failedAt === undefined &&
          imagesKey(r.td, containers) !== imagesKey(current, containers)
        )
        if (scan !== undefined) {
          return found(scan, "family scan")
        }
        return yield* Effect.fail(
          `no earlier release, and no earlier ACTIVE revision of ${familyOf(currentArn)} runs other images than ${
            shortName(currentArn)
          }`
        )
      }).pipe(Effect.catchTag("AwsCallError", (e) => Effect.fail(e.message)))

    const services: Array<ServicePlan> = []
    for (const s of base.services) {
      const containers = config.services.find((c) => c.key === s.key)?.containers
      const result = yield* Effect.either(findTarget(s.ref.region, s.currentTaskDefinition, containers, s.ref))
      if (Either.isLeft(result)) {
        problems.push({ target: `service ${s.target.name} (cluster ${s.target.cluster})`, problem: result.left })
        continue
      }
      const { arn, current, source, td } = result.right
      const unchanged = arn === s.currentTaskDefinition
      services.push({
        ...s,
        action: unchanged ? { _tag: "Unchanged" } : { _tag: "Update", revision: { _tag: "Existing", arn } },
        changes: [],
        images: imagesOf(current, toRegisterInput(td)),
        previousTags: tagsOf(current, containers),
        expected: tagsOf(td, containers),
        revertSource: source
      })
    }
    const scheduledTasks: Array<ScheduledTaskPlan> = []
    for (const t of base.scheduledTasks) {
      const containers = config.scheduledTasks.find((c) => c.key === t.key)?.containers
      const result = yield* Effect.either(findTarget(t.region, t.currentTaskDefinition, containers, undefined))
      if (Either.isLeft(result)) {
        problems.push({ target: `scheduled task ${t.key}`, problem: result.left })
        continue
      }
      const { arn, current, source, td } = result.right
      const unchanged = arn === t.currentTaskDefinition
      scheduledTasks.push({
        ...t,
        revision: unchanged ? Option.none() : Option.some({ _tag: "Existing", arn }),
        untouched: false,
        unchanged,
        changes: [],
        images: imagesOf(current, toRegisterInput(td)),
        revertSource: source
      })
    }
    if (problems.length > 0) return yield* Effect.fail(new PlanError({ problems }))
    return { ...base, updateStrategy: "current", gitsha: options.to ?? "", services, scheduledTasks }
  })
