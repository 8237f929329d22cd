import type { ContainerDefinition } from "@aws-sdk/client-ecs"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { GehenConfig } from "../config/Config.js"
import { tagOf } from "../domain/ImageRef.js"
import { familyOf, shortName } from "../domain/TaskDefinitionArn.js"
import { toRegisterInput } from "../domain/TaskDefinitionCopy.js"
import { type DescribedTaskDefinition, describeTaskDefinitionOnce, Ecs } from "../ports/Ecs.js"
import type { ServiceRef } from "../domain/Targets.js"
import type { MissingRegion } from "../ports/Errors.js"
import type { DefaultRegion } from "../ports/Region.js"
import type { ScheduledTasks } from "../ports/ScheduledTasks.js"
import { type DeployPlan, makePlan, PlanError, type ScheduledTaskPlan, type ServicePlan } from "./Plan.js"
import { imagesOf } from "./Revisions.js"

export interface RevertOptions {
  /** Return to the newest ACTIVE revision whose targeted images carry this tag; else to the one before the latest change. */
  readonly to?: string | undefined
}

/** The targeted containers of a revision (the `containers` list, or all). */
const targeted = (td: DescribedTaskDefinition, containers: ReadonlyArray<string> | undefined): ReadonlyArray<ContainerDefinition> =>
  (td.taskDefinition.containerDefinitions ?? []).filter((c) =>
    containers === undefined || (c.name !== undefined && containers.includes(c.name))
  )

const imagesKey = (td: DescribedTaskDefinition, containers: ReadonlyArray<string> | undefined) =>
  targeted(td, containers).map((c) => `${c.name ?? ""}=${c.image ?? ""}`).join("\n")

const tagsOf = (td: DescribedTaskDefinition, containers: ReadonlyArray<string> | undefined): ReadonlyArray<string> => [
  ...new Set(targeted(td, containers).flatMap((c) => Option.toArray(tagOf(c.image ?? ""))))
]

const revisionNumber = (arn: string) => Number(/:(\d+)$/.exec(arn)?.[1] ?? "0")

/**
 * The plan of `gehen rollback`: every target of the file back on the revision it ran
 * before its latest change, found from ECS itself (no local state): for a service, the
 * source revision of its latest service deployment where the API offers it; else the
 * newest earlier ACTIVE revision of its family whose targeted images differ from what it
 * runs now; with `to`, the newest ACTIVE revision whose targeted images all carry that tag. It is the
 * deploy's plan (the same reads, checks and problems), with each target's revision and
 * expected version replaced. Reads only; every problem is collected.
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
    const base = yield* makePlan({ ...config, updateStrategy: "redeploy" }, options.to ?? "previous", { force: true })
    const problems: Array<{ readonly target: string; readonly problem: string }> = []

    /**
     * What a service ran before its latest change, as ECS recorded it: the source revision
     * of its current service deployment (DescribeServices names it; no list, whose order
     * AWS does not document). None where the API is not offered or says nothing.
     */
    const sourceRevision = (ref: ServiceRef, currentArn: string, current: string | undefined) =>
      Effect.gen(function*() {
        if (current === undefined) return Option.none<string>()
        const [state] = yield* ecs.describeServiceDeployments(ref.region, [current])
        const sources = state?.sourceServiceRevisionArns ?? []
        if (sources.length === 0) return Option.none<string>()
        const revisions = yield* ecs.describeServiceRevisions(ref.region, sources)
        return Option.fromNullable(revisions.map((r) => r.taskDefinition).find((td) => td !== currentArn))
      }).pipe(Effect.orElseSucceed(() => Option.none<string>()))

    /** The revision to return to, or why there is none. */
    const findTarget = (
      region: string,
      currentArn: string,
      containers: ReadonlyArray<string> | undefined,
      service?: { readonly ref: ServiceRef; readonly currentServiceDeployment: string | undefined }
    ) =>
      Effect.gen(function*() {
        const current = yield* describe(region, currentArn)
        if (options.to === undefined && service !== undefined) {
          const source = yield* sourceRevision(service.ref, currentArn, service.currentServiceDeployment)
          if (Option.isSome(source)) {
            const td = yield* describe(region, source.value).pipe(Effect.option)
            if (
              Option.isSome(td) && td.value.taskDefinition.status === "ACTIVE" &&
              imagesKey(td.value, containers) !== imagesKey(current, containers)
            ) {
              return { arn: td.value.taskDefinition.taskDefinitionArn ?? source.value, td: td.value, current, tags: tagsOf(td.value, containers) }
            }
          }
        }
        const family = familyOf(currentArn)
        const revisions = yield* ecs.listTaskDefinitions(region, family)
        const candidates = options.to === undefined
          ? revisions.filter((arn) => revisionNumber(arn) < revisionNumber(currentArn))
          : revisions
        for (const arn of candidates) {
          const td = yield* describe(region, arn)
          const tags = tagsOf(td, containers)
          const fits = options.to === undefined
            ? imagesKey(td, containers) !== imagesKey(current, containers)
            : targeted(td, containers).length > 0 && tags.length === 1 && tags[0] === options.to
          if (fits) return { arn, td, current, tags }
        }
        return yield* Effect.fail(
          options.to === undefined
            ? `no earlier ACTIVE revision of ${family} runs other images than ${shortName(currentArn)}`
            : `no ACTIVE revision of ${family} runs ${options.to} in its ${containers === undefined ? "" : "targeted "}containers`
        )
      }).pipe(Effect.catchTag("AwsCallError", (e) => Effect.fail(e.message)))

    const services: Array<ServicePlan> = []
    for (const s of base.services) {
      const containers = config.services.find((c) => c.name === s.ref.service && c.cluster === s.ref.cluster)?.containers
      const found = yield* Effect.either(
        findTarget(s.ref.region, s.currentTaskDefinition, containers, { ref: s.ref, currentServiceDeployment: s.currentServiceDeployment })
      )
      if (found._tag === "Left") {
        problems.push({ target: `service ${s.target.name} (cluster ${s.target.cluster})`, problem: found.left })
        continue
      }
      const { arn, current, tags, td } = found.right
      services.push({
        ...s,
        action: { _tag: "Update", revision: { _tag: "Existing", arn } },
        changes: [],
        images: imagesOf(current, toRegisterInput(td)),
        previousTags: tagsOf(current, containers),
        expected: tags
      })
    }
    const scheduledTasks: Array<ScheduledTaskPlan> = []
    for (const t of base.scheduledTasks) {
      const containers = config.scheduledTasks.find((c) => c.rule === t.rule && (c.region ?? t.region) === t.region)?.containers
      const found = yield* Effect.either(findTarget(t.region, t.currentTaskDefinition, containers))
      if (found._tag === "Left") {
        problems.push({ target: `scheduled task ${t.key}`, problem: found.left })
        continue
      }
      const { arn, current, td } = found.right
      scheduledTasks.push({
        ...t,
        revision: Option.some({ _tag: "Existing", arn }),
        untouched: false,
        unchanged: false,
        changes: [],
        images: imagesOf(current, toRegisterInput(td))
      })
    }
    if (problems.length > 0) return yield* Effect.fail(new PlanError({ problems }))
    return { ...base, updateStrategy: "current", gitsha: options.to ?? "previous", services, scheduledTasks }
  })
