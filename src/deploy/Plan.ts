import type { RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs"
import type { Target } from "@aws-sdk/client-eventbridge"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { clusterName, type GehenConfig, type ServiceConfig, type UpdateStrategy } from "../config/Config.js"
import { type DescribedTaskDefinition, describeTaskDefinitionOnce, type Ecs, type ServiceLookup } from "../ports/Ecs.js"
import type { AwsCallError, MissingRegion } from "../ports/Errors.js"
import { tagOf } from "../domain/ImageRef.js"
import { DefaultRegion, regionFor } from "../ports/Region.js"
import type { ImageReport, PlanReport } from "../report/Report.js"
import { ecsTargetOf, ScheduledTasks } from "../ports/ScheduledTasks.js"
import { GetServiceState, makeServiceStatesResolver } from "./ServiceStates.js"
import type { ServiceRef, TargetId } from "../domain/Targets.js"
import { familyOf } from "../domain/TaskDefinitionArn.js"
import { type ImageChange, retag, toRegisterInput } from "../domain/TaskDefinitionCopy.js"

export type ServiceTarget = Extract<TargetId, { kind: "service" }>
export type ScheduledTaskTarget = Extract<TargetId, { kind: "scheduled-task" }>

/** What gehen will do to a task definition. */
export type Revision =
  /** Register `input` (a copy of `baseArn` with new image tags), then use it. */
  | { readonly _tag: "Register"; readonly baseArn: string; readonly input: RegisterTaskDefinitionCommandInput; readonly key: string }
  /** Use an existing revision as it is (no image needed a change). */
  | { readonly _tag: "Existing"; readonly arn: string }

/** The plan for one service, computed from read calls only. */
export interface ServicePlan {
  readonly target: ServiceTarget
  readonly ref: ServiceRef
  readonly url: string | undefined
  /** What the service runs now: what a rollback returns to. */
  readonly currentTaskDefinition: string
  /** What the service is updated to; None for `updateStrategy: none`. */
  readonly action:
    | { readonly _tag: "Update"; readonly revision: Revision }
    | { readonly _tag: "Redeploy" }
    | { readonly _tag: "CheckOnly" }
  readonly changes: ReadonlyArray<ImageChange>
  readonly images: ReadonlyArray<ImageReport>
  /** Tags the rolled-back service may serve: the previous tags of its changed containers. */
  readonly previousTags: ReadonlyArray<string>
}

/** The plan for one scheduled task (an EventBridge rule with one ECS target). */
export interface ScheduledTaskPlan {
  readonly target: ScheduledTaskTarget
  readonly region: string
  readonly rule: string
  /** The rule's one target, as EventBridge has it: what a rollback puts back. */
  readonly ecsTarget: Target
  readonly currentTaskDefinition: string
  /** None when nothing changes (`none`, or every image already has the tag). */
  readonly revision: Option.Option<Revision>
  readonly changes: ReadonlyArray<ImageChange>
  readonly images: ReadonlyArray<ImageReport>
}

export interface DeployPlan {
  readonly gitsha: string
  readonly updateStrategy: UpdateStrategy
  readonly services: ReadonlyArray<ServicePlan>
  readonly scheduledTasks: ReadonlyArray<ScheduledTaskPlan>
}

/** The plan found problems in the input or in what AWS answered; nothing was changed. */
export class PlanError extends Data.TaggedError("PlanError")<{
  readonly problems: ReadonlyArray<{ readonly target: string; readonly problem: string }>
}> {
  override get message() {
    const lines = this.problems.map((p) => `  ${p.target}: ${p.problem}`)
    return `cannot deploy, nothing was changed:\n${lines.join("\n")}`
  }
}

class Problem extends Data.TaggedError("Problem")<{ readonly target: string; readonly problem: string }> {}

const describeProblem = (what: string, e: AwsCallError) =>
  e.code === "ClientException" && /task definition/i.test(e.detail)
    ? `${what} not found (${e.detail})`
    : `${what}: ${e.message}`

/** Per container: the image now and the image after the change. */
const imagesOf = (current: DescribedTaskDefinition, next: RegisterTaskDefinitionCommandInput | undefined): Array<ImageReport> =>
  (current.taskDefinition.containerDefinitions ?? []).map((c, i) => ({
    container: c.name ?? `#${i}`,
    previous: c.image ?? null,
    next: (next?.containerDefinitions?.find((n) => n.name === c.name) ?? c).image ?? null
  }))

/**
 * Reads everything the run needs and computes the new revisions, making no
 * mutating call. Every problem of every target is collected into one PlanError.
 */
export const makePlan = (
  config: GehenConfig,
  gitsha: string
): Effect.Effect<DeployPlan, PlanError | MissingRegion, Ecs | ScheduledTasks | DefaultRegion> =>
  Effect.gen(function*() {
    const events = yield* ScheduledTasks
    const defaultRegion = yield* Effect.cached((yield* DefaultRegion).get)
    const describeTaskDefinition = yield* describeTaskDefinitionOnce
    const strategy = config.updateStrategy

    const revisionFor = (
      label: string,
      region: string,
      baseArn: string,
      base: DescribedTaskDefinition,
      containers: ReadonlyArray<string> | undefined
    ): Effect.Effect<{ revision: Revision; changes: ReadonlyArray<ImageChange>; input: RegisterTaskDefinitionCommandInput }, Problem> =>
      Either.match(retag(toRegisterInput(base), gitsha, containers), {
        onLeft: (e) => Effect.fail(new Problem({ target: label, problem: e.message })),
        onRight: ({ changes, input }) =>
          Effect.succeed({
            changes,
            input,
            revision: changes.length === 0
              ? { _tag: "Existing" as const, arn: baseArn }
              : {
                _tag: "Register" as const,
                baseArn,
                input,
                key: `${region}|${baseArn}|${(containers ?? ["*"]).join(",")}`
              }
          })
      })

    const planService = (
      svc: ServiceConfig,
      region: string,
      answer: Either.Either<ServiceLookup, AwsCallError>
    ): Effect.Effect<ServicePlan, Problem | MissingRegion> =>
      Effect.gen(function*() {
        const label = `service ${svc.name} (cluster ${svc.cluster})`
        const fail = (problem: string) => Effect.fail(new Problem({ target: label, problem }))
        const target: ServiceTarget = { kind: "service", name: svc.name, cluster: clusterName(svc.cluster), region }
        const ref: ServiceRef = { region, cluster: svc.cluster, service: svc.name }
        if (Either.isLeft(answer)) return yield* fail(answer.left.message)
        const lookup = answer.right
        if (lookup._tag === "Missing") {
          return yield* fail(`service not found in cluster ${svc.cluster} (${region}): ${lookup.reason}`)
        }
        const state = lookup.state
        if (state.status !== "ACTIVE") return yield* fail(`service is ${state.status}, not ACTIVE`)
        const currentArn = state.taskDefinition
        const current = yield* describeTaskDefinition(region, currentArn).pipe(
          Effect.mapError((e) => new Problem({ target: label, problem: describeProblem(`task definition ${currentArn}`, e) }))
        )
        const baseRef = strategy === "latest" ? familyOf(currentArn) : currentArn
        const base = baseRef === currentArn ? current : yield* describeTaskDefinition(region, baseRef).pipe(
          Effect.mapError((e) => new Problem({ target: label, problem: describeProblem(`task definition family ${baseRef}`, e) }))
        )
        const baseArn = base.taskDefinition.taskDefinitionArn ?? baseRef
        const planned = yield* revisionFor(label, region, baseArn, base, svc.containers)
        const changed = new Set(planned.changes.map((c) => c.container))
        const previousTags = [
          ...new Set(
            (current.taskDefinition.containerDefinitions ?? [])
              .filter((c) => c.name !== undefined && (svc.containers ?? [c.name]).includes(c.name))
              .filter((c) => changed.size === 0 || changed.has(c.name!))
              .flatMap((c) => Option.toArray(tagOf(c.image ?? "")))
          )
        ]
        const action: ServicePlan["action"] = strategy === "none"
          ? { _tag: "CheckOnly" }
          : strategy === "redeploy"
          ? { _tag: "Redeploy" }
          : { _tag: "Update", revision: planned.revision }
        const updates = action._tag === "Update"
        return {
          target,
          ref,
          url: svc.url,
          currentTaskDefinition: currentArn,
          action,
          changes: updates ? planned.changes : [],
          images: imagesOf(current, updates ? planned.input : undefined),
          previousTags
        }
      })

    const planRule = (rule: string): Effect.Effect<ScheduledTaskPlan, Problem | MissingRegion> =>
      Effect.gen(function*() {
        const region = yield* defaultRegion
        const label = `scheduled task ${rule}`
        const fail = (problem: string) => Effect.fail(new Problem({ target: label, problem }))
        const targets = yield* events.targetsOf(region, rule).pipe(
          Effect.mapError((e) =>
            new Problem({
              target: label,
              problem: e.code === "ResourceNotFoundException" ? `rule not found in ${region} (${e.detail})` : e.message
            })
          )
        )
        const found = ecsTargetOf(targets)
        if (Either.isLeft(found)) return yield* fail(found.left)
        const { target: ecsTarget, taskDefinition: currentArn } = found.right
        const current = yield* describeTaskDefinition(region, currentArn).pipe(
          Effect.mapError((e) => new Problem({ target: label, problem: describeProblem(`task definition ${currentArn}`, e) }))
        )
        const planned = yield* revisionFor(label, region, currentArn, current, undefined)
        const changes = strategy === "none" ? [] : planned.changes
        return {
          target: { kind: "scheduled-task", name: rule, region },
          region,
          rule,
          ecsTarget,
          currentTaskDefinition: currentArn,
          revision: changes.length === 0 ? Option.none() : Option.some(planned.revision),
          changes,
          images: imagesOf(current, changes.length === 0 ? undefined : planned.input)
        } satisfies ScheduledTaskPlan
      })

    const settle = <A>(effect: Effect.Effect<A, Problem | MissingRegion>) =>
      effect.pipe(Effect.either)
    // Regions first (a missing default region is one clear error), then every service's
    // state in one batched round: one DescribeServices per 10 services of a cluster.
    const regions = yield* Effect.forEach(config.services, (svc) => regionFor(svc.cluster, defaultRegion))
    const resolver = yield* makeServiceStatesResolver
    const answers = yield* Effect.forEach(
      config.services,
      (svc, i) => Effect.either(Effect.request(GetServiceState({ ref: { region: regions[i]!, cluster: svc.cluster, service: svc.name } }), resolver)),
      { concurrency: "unbounded", batching: true }
    )
    const [rules, services] = yield* Effect.all([
      Effect.forEach(config.scheduledTasks, (r) => settle(planRule(r)), { concurrency: config.concurrency }),
      Effect.forEach(config.services, (s, i) => settle(planService(s, regions[i]!, answers[i]!)), {
        concurrency: config.concurrency
      })
    ], { concurrency: 2 })
    const failures = [...rules.flatMap((e) => Either.isLeft(e) ? [e.left] : []), ...services.flatMap((e) => Either.isLeft(e) ? [e.left] : [])]
    const missingRegion = failures.find((f): f is MissingRegion => f._tag === "MissingRegion")
    if (missingRegion) return yield* Effect.fail(missingRegion)
    if (failures.length > 0) {
      return yield* Effect.fail(
        new PlanError({ problems: failures.map((f) => f as Problem).map(({ problem, target }) => ({ target, problem })) })
      )
    }
    return {
      gitsha,
      updateStrategy: strategy,
      services: services.flatMap((e) => (Either.isRight(e) ? [e.right] : [])),
      scheduledTasks: rules.flatMap((e) => (Either.isRight(e) ? [e.right] : []))
    }
  })

/** The plan as data to print: names, revisions and images only, never task-definition content. */
export const planReport = (plan: DeployPlan): PlanReport => ({
  schemaVersion: 1,
  dryRun: true,
  gitsha: plan.gitsha,
  updateStrategy: plan.updateStrategy,
  services: plan.services.map((s) => ({
    kind: "service",
    name: s.target.name,
    cluster: s.target.cluster,
    region: s.target.region,
    currentTaskDefinition: s.currentTaskDefinition,
    action: s.action._tag === "CheckOnly"
      ? "check-only"
      : s.action._tag === "Redeploy"
      ? "redeploy"
      : s.action.revision._tag === "Register"
      ? "register"
      : "existing",
    images: s.images
  })),
  scheduledTasks: plan.scheduledTasks.map((t) => ({
    kind: "scheduled-task",
    name: t.rule,
    cluster: null,
    region: t.region,
    currentTaskDefinition: t.currentTaskDefinition,
    action: Option.match(t.revision, { onNone: () => "none", onSome: (r) => (r._tag === "Register" ? "register" : "existing") }),
    images: t.images
  }))
})
