import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { clusterName, type GehenConfig, type ScheduledTaskConfig, type ServiceConfig } from "../../config/Config.js"
import { extraMinutes, rollingModel } from "../../domain/DeploymentModel.js"
import { releaseTagsOf } from "../../domain/Releases.js"
import { type RuleRef, type ServiceRef, targetKey } from "../../domain/Targets.js"
import { familyOf, shortName } from "../../domain/TaskDefinitionArn.js"
import {
  type Deployment,
  type DescribedTaskDefinition,
  describeTaskDefinitionOnce,
  type Ecs,
  type ServiceLookup,
  type ServiceState
} from "../../ports/Ecs.js"
import type { AwsCallError, MissingRegion } from "../../ports/Errors.js"
import { DefaultRegion, regionFor } from "../../ports/Region.js"
import { ecsTargetOf, ScheduledTasks } from "../../ports/ScheduledTasks.js"
import { GetServiceState, makeServiceStatesResolver } from "../../reads/ServiceStates.js"
import { modelReport } from "../../report/ModelReport.js"
import type { DeployedAs, PlanReport } from "../../report/Report.js"
import type { DeployPlan, InFlight, ScheduledTaskPlan, ServicePlan, ServiceTarget } from "./DeployPlan.js"
import { PlanError } from "./PlanError.js"
import { imagesOf, type PlannedRevision, planRevision, previousTagsOf, runsSha, sameDefinition } from "./Revisions.js"

export type {
  DeployPlan,
  InFlight,
  PreflightSeen,
  RevertSource,
  Revision,
  ScheduledTaskPlan,
  ScheduledTaskTarget,
  ServicePlan,
  ServiceTarget,
  UrlSeen
} from "./DeployPlan.js"
export { PlanError }

class Problem extends Data.TaggedError("Problem")<{
  readonly target: string
  readonly problem: string
  readonly busy?: boolean | undefined
}> {}

/**
 * A deployment of the service rolling out now, by whoever started it: the rollout in
 * progress, or more than one deployment (one still draining, a blue/green shift). A
 * primary whose rollout FAILED is not in progress: ECS gave up on it.
 */
export const deploymentInProgress = (state: ServiceState): Deployment | undefined => {
  const primary = state.deployments.find((d) => d.status === "PRIMARY")
  if (primary === undefined || primary.rolloutState === "FAILED") return undefined
  return primary.rolloutState === "IN_PROGRESS" || state.deployments.length > 1 ? primary : undefined
}

const describeProblem = (what: string, e: AwsCallError) =>
  e.code === "ClientException" && /task definition/i.test(e.detail)
    ? `${what} not found (${e.detail})`
    : `${what}: ${e.message}`

/** An event bus by name or ARN, as its name; the default bus as absent. */
const busName = (bus: string | undefined): string | undefined => {
  const name = bus === undefined ? undefined : bus.startsWith("arn:") ? bus.slice(bus.lastIndexOf("/") + 1) : bus
  return name === "default" ? undefined : name
}

/** A problem for each entry that names the same target as an earlier one. */
const sameTargets = (entries: ReadonlyArray<{ readonly label: string; readonly key: string }>) => {
  const first = new Map<string, string>()
  return entries.flatMap(({ key, label }) => {
    const earlier = first.get(key)
    if (earlier === undefined) {
      first.set(key, label)
      return []
    }
    return [{ target: label, problem: `names the same target as ${earlier} (${key}); keep one entry` }]
  })
}

/** The tags a revision's targeted containers run, for messages. */
const tagsText = (td: DescribedTaskDefinition, containers: ReadonlyArray<string> | undefined): string => {
  const tags = previousTagsOf(td, containers, [])
  return tags.length === 0 ? "no tag" : `running ${tags.join(", ")}`
}

const serviceLabel = (svc: ServiceConfig) =>
  svc.key === svc.name
    ? `service ${svc.name} (cluster ${svc.cluster})`
    : `service ${svc.key} (${svc.name} in cluster ${svc.cluster})`

/**
 * Reads everything the run needs and computes the new revisions, making no
 * mutating call. Every problem of every target is collected into one PlanError.
 */
export interface PlanOptions {
  /** Redeploy targets whose containers already run the sha (`--force`). */
  readonly force?: boolean | undefined
}

export const makePlan = (
  config: GehenConfig,
  gitsha: string,
  options: PlanOptions = {}
): Effect.Effect<DeployPlan, PlanError | MissingRegion, Ecs | ScheduledTasks | DefaultRegion> =>
  Effect.gen(function*() {
    const events = yield* ScheduledTasks
    const defaultRegion = yield* Effect.cached((yield* DefaultRegion).get)
    const describeTaskDefinition = yield* describeTaskDefinitionOnce
    const strategy = config.updateStrategy

    /** The revision a target moves to: a copy of its current one (current) or of its family's newest (latest). */
    const baseOf = (label: string, region: string, currentArn: string, current: DescribedTaskDefinition) =>
      Effect.gen(function*() {
        const baseRef = strategy === "latest" ? familyOf(currentArn) : currentArn
        const base = baseRef === currentArn ? current : yield* describeTaskDefinition(region, baseRef).pipe(
          Effect.mapError((e) =>
            new Problem({ target: label, problem: describeProblem(`task definition family ${baseRef}`, e) })
          )
        )
        return { base, baseArn: base.taskDefinition.taskDefinitionArn ?? baseRef }
      })

    const revisionFor = (
      label: string,
      region: string,
      currentArn: string,
      current: DescribedTaskDefinition,
      containers: ReadonlyArray<string> | undefined
    ): Effect.Effect<PlannedRevision, Problem> =>
      Effect.gen(function*() {
        const { base, baseArn } = yield* baseOf(label, region, currentArn, current)
        const planned = yield* Either.match(planRevision(region, baseArn, base, gitsha, containers), {
          onLeft: (problem) => Effect.fail(new Problem({ target: label, problem })),
          onRight: Effect.succeed
        })
        if (planned.revision._tag !== "Register") return planned
        // The family's newest revision may be this very copy, left by a run that was cut short.
        const newest = yield* describeTaskDefinition(region, familyOf(baseArn)).pipe(Effect.option)
        const arn = Option.getOrUndefined(newest)?.taskDefinition.taskDefinitionArn
        return Option.isSome(newest) && arn !== undefined && sameDefinition(newest.value, planned.input)
          ? { ...planned, revision: { _tag: "Existing" as const, arn } }
          : planned
      })

    /**
     * Whether a target runs the sha already, and otherwise the revision it moves to.
     * `current` compares with the revision the target runs; `latest` with its family's
     * newest ACTIVE revision (one registered since, say with more memory, still moves);
     * `redeploy` always forces a new deployment, `none` changes nothing; `--force` never
     * leaves a target unchanged.
     */
    const decide = (
      label: string,
      region: string,
      currentArn: string,
      current: DescribedTaskDefinition,
      containers: ReadonlyArray<string> | undefined
    ): Effect.Effect<{ readonly unchanged: boolean; readonly planned: PlannedRevision | undefined }, Problem> =>
      Effect.gen(function*() {
        if (strategy === "none" || strategy === "redeploy") return { unchanged: false, planned: undefined }
        if (strategy === "current" && options.force !== true && runsSha(current, containers, gitsha)) {
          return { unchanged: true, planned: undefined }
        }
        const planned = yield* revisionFor(label, region, currentArn, current, containers)
        const same = planned.revision._tag === "Existing" && planned.revision.arn === currentArn
        return same && options.force !== true ? { unchanged: true, planned: undefined } : { unchanged: false, planned }
      })

    /**
     * A service that runs the sha with a deployment still rolling out toward it (a run cut
     * short): the deployment, and the revision it replaces, which a failure restores.
     */
    const inFlightOf = (
      label: string,
      region: string,
      state: ServiceState,
      containers: ReadonlyArray<string> | undefined
    ): Effect.Effect<InFlight | undefined, Problem> =>
      Effect.gen(function*() {
        const primary = state.deployments.find((d) => d.status === "PRIMARY")
        if (primary === undefined || primary.taskDefinition !== state.taskDefinition) return undefined
        const before = state.deployments
          .filter((d) => d !== primary && d.taskDefinition !== primary.taskDefinition)
          .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0]
        if (before === undefined) return undefined
        const previous = yield* describeTaskDefinition(region, before.taskDefinition).pipe(
          Effect.mapError((e) =>
            new Problem({ target: label, problem: describeProblem(`task definition ${before.taskDefinition}`, e) })
          )
        )
        return {
          deployment: { id: primary.id, createdAt: primary.createdAt },
          previousTaskDefinition: before.taskDefinition,
          previousTags: previousTagsOf(previous, containers, [])
        }
      })

    const planService = (
      svc: ServiceConfig,
      region: string,
      answer: Either.Either<ServiceLookup, AwsCallError>
    ): Effect.Effect<ServicePlan, Problem | MissingRegion> =>
      Effect.gen(function*() {
        const label = serviceLabel(svc)
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
        if (state.deploymentController !== "ECS") {
          return yield* fail(
            `its deployment controller is ${state.deploymentController}: gehen deploys only services with the ECS ` +
              `deployment controller (${
                state.deploymentController === "CODE_DEPLOY"
                  ? "deploy it through CodeDeploy"
                  : "deploy it through its own controller"
              })`
          )
        }
        const currentArn = state.taskDefinition
        const current = yield* describeTaskDefinition(region, currentArn).pipe(
          Effect.mapError((e) =>
            new Problem({ target: label, problem: describeProblem(`task definition ${currentArn}`, e) })
          )
        )
        // One writer at a time: a deployment toward another version is someone else's (one toward this sha is adopted).
        const rolling = deploymentInProgress(state)
        if (
          rolling !== undefined && strategy !== "none" &&
          !(rolling.taskDefinition === currentArn && runsSha(current, svc.containers, gitsha))
        ) {
          const since = rolling.createdAt === undefined ? "" : ` since ${new Date(rolling.createdAt).toISOString()}`
          return yield* Effect.fail(
            new Problem({
              target: label,
              problem:
                `a deployment toward another version is rolling out: ${rolling.id} of ${
                  shortName(rolling.taskDefinition)
                } ` +
                `(${tagsText(current, svc.containers)})${since}, started by another run or a person; ` +
                "wait for it (--wait) or stop it, then run again",
              busy: true
            })
          )
        }
        const decided = yield* decide(label, region, currentArn, current, svc.containers)
        const inFlight = decided.unchanged ? yield* inFlightOf(label, region, state, svc.containers) : undefined
        const planned = decided.planned
        const action: ServicePlan["action"] = decided.unchanged
          ? { _tag: "Unchanged", inFlight }
          : strategy === "redeploy"
          ? { _tag: "Redeploy" }
          : planned !== undefined
          ? { _tag: "Update", revision: planned.revision }
          : { _tag: "CheckOnly" }
        return {
          key: svc.key,
          target,
          ref,
          url: svc.url,
          currentTaskDefinition: currentArn,
          action,
          changes: planned?.changes ?? [],
          images: imagesOf(current, planned?.input),
          currentRelease: releaseTagsOf(current.tags),
          previousTags: previousTagsOf(current, svc.containers, planned?.changes ?? []),
          expected: [gitsha],
          model: state.deploymentModel ?? rollingModel,
          testUrl: svc.testUrl,
          controller: state.deploymentController,
          drainDeadlineMinutes: config.timeoutMinutes + extraMinutes(state.deploymentModel ?? rollingModel),
          currentServiceDeployment: state.currentServiceDeployment
        }
      })

    const planRule = (task: ScheduledTaskConfig): Effect.Effect<ScheduledTaskPlan, Problem | MissingRegion> =>
      Effect.gen(function*() {
        const region = task.region ?? (yield* defaultRegion)
        const ruleRef: RuleRef = { region, rule: task.rule, eventBusName: task.eventBusName }
        const label = `scheduled task ${task.key}`
        const fail = (problem: string) => Effect.fail(new Problem({ target: label, problem }))
        const targets = yield* events.targetsOf(ruleRef).pipe(
          Effect.mapError((e) =>
            new Problem({
              target: label,
              problem: e.code === "ResourceNotFoundException"
                ? `rule not found in ${region}${
                  task.eventBusName === undefined ? "" : ` on event bus ${task.eventBusName}`
                } (${e.detail})`
                : e.message
            })
          )
        )
        const found = ecsTargetOf(targets)
        if (Either.isLeft(found)) return yield* fail(found.left)
        const { target: ecsTarget, taskDefinition: currentArn } = found.right
        const current = yield* describeTaskDefinition(region, currentArn).pipe(
          Effect.mapError((e) =>
            new Problem({ target: label, problem: describeProblem(`task definition ${currentArn}`, e) })
          )
        )
        // A rule has no deployment to force: `redeploy` and `none` leave it as it is.
        const untouched = strategy === "none" || strategy === "redeploy"
        const decided = untouched
          ? { unchanged: false, planned: undefined }
          : yield* decide(label, region, currentArn, current, task.containers)
        const unchanged = decided.unchanged
        const planned = decided.planned
        const changes = planned?.changes ?? []
        return {
          key: task.key,
          target: { kind: "scheduled-task", name: task.rule, region, eventBusName: task.eventBusName },
          region,
          rule: task.rule,
          ruleRef,
          ecsTarget,
          currentTaskDefinition: currentArn,
          revision: planned === undefined ||
              (changes.length === 0 && planned.revision._tag === "Existing" && planned.revision.arn === currentArn)
            ? Option.none()
            : Option.some(planned.revision),
          untouched,
          unchanged,
          changes,
          images: imagesOf(current, planned?.input),
          currentRelease: releaseTagsOf(current.tags),
          previousTags: previousTagsOf(current, task.containers, changes)
        } satisfies ScheduledTaskPlan
      })

    const settle = <A>(effect: Effect.Effect<A, Problem | MissingRegion>) => effect.pipe(Effect.either)
    // Regions first (a missing default region is one clear error), then every service's
    // state in one batched round: one DescribeServices per 10 services of a cluster.
    const regions = yield* Effect.forEach(config.services, (svc) => regionFor(svc.cluster, defaultRegion))
    const ruleRegions = yield* Effect.forEach(
      config.scheduledTasks,
      (t) => (t.region === undefined ? defaultRegion : Effect.succeed(t.region))
    )
    // Two entries of one ECS service (or rule), written differently (a name and an ARN): one target, deployed once or not at all.
    const twice = [
      ...sameTargets(config.services.map((svc, i) => ({
        label: serviceLabel(svc),
        key: targetKey({ kind: "service", name: svc.name, cluster: clusterName(svc.cluster), region: regions[i]! })
      }))),
      ...sameTargets(config.scheduledTasks.map((t, i) => ({
        label: `scheduled task ${t.key}`,
        key: targetKey({
          kind: "scheduled-task",
          name: t.rule,
          region: ruleRegions[i]!,
          eventBusName: busName(t.eventBusName)
        })
      })))
    ]
    if (twice.length > 0) return yield* Effect.fail(new PlanError({ problems: twice }))
    const resolver = yield* makeServiceStatesResolver
    const answers = yield* Effect.forEach(
      config.services,
      (svc, i) =>
        Effect.either(
          Effect.request(
            GetServiceState({ ref: { region: regions[i]!, cluster: svc.cluster, service: svc.name } }),
            resolver
          )
        ),
      { concurrency: "unbounded", batching: true }
    )
    const [rules, services] = yield* Effect.all([
      Effect.forEach(config.scheduledTasks, (r) => settle(planRule(r)), { concurrency: config.concurrency }),
      Effect.forEach(config.services, (s, i) => settle(planService(s, regions[i]!, answers[i]!)), {
        concurrency: config.concurrency
      })
    ], { concurrency: 2 })
    const failures = [
      ...rules.flatMap((e) => Either.isLeft(e) ? [e.left] : []),
      ...services.flatMap((e) => Either.isLeft(e) ? [e.left] : [])
    ]
    const missingRegion = failures.find((f): f is MissingRegion => f._tag === "MissingRegion")
    if (missingRegion) return yield* Effect.fail(missingRegion)
    if (failures.length > 0) {
      return yield* Effect.fail(
        new PlanError({
          problems: failures.map((f) => f as Problem).map(({ busy, problem, target }) => ({
            target,
            problem,
            ...(busy === true ? { busy } : {})
          }))
        })
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
export const planReport = (
  plan: DeployPlan,
  deployedAs?: DeployedAs,
  command: PlanReport["command"] = "deploy"
): PlanReport => ({
  schemaVersion: 1,
  dryRun: true,
  command,
  gitsha: plan.gitsha === "" ? null : plan.gitsha,
  updateStrategy: plan.updateStrategy,
  exitCode: 0,
  problems: [],
  deployedAs: deployedAs ?? null,
  services: plan.services.map((s) => ({
    kind: "service",
    name: s.target.name,
    cluster: s.target.cluster,
    region: s.target.region,
    currentTaskDefinition: s.currentTaskDefinition,
    action: s.action._tag === "CheckOnly"
      ? "check-only"
      : s.action._tag === "Unchanged"
      ? "unchanged"
      : s.action._tag === "Redeploy"
      ? "redeploy"
      : s.action.revision._tag === "Register"
      ? "register"
      : "existing",
    images: s.images,
    deployment: { ...modelReport(s.controller, s.model), drainDeadlineMinutes: s.drainDeadlineMinutes }
  })),
  scheduledTasks: plan.scheduledTasks.map((t) => ({
    kind: "scheduled-task",
    name: t.rule,
    cluster: null,
    region: t.region,
    currentTaskDefinition: t.currentTaskDefinition,
    action: t.unchanged
      ? "unchanged"
      : Option.match(t.revision, {
        onNone: () => "none",
        onSome: (r) => (r._tag === "Register" ? "register" : "existing")
      }),
    images: t.images
  })),
  ...(plan.preflight === undefined ? {} : { preflight: preflightReport(plan) })
})

/** The pre-flight's findings as the plan report carries them. */
const preflightReport = (plan: DeployPlan): NonNullable<PlanReport["preflight"]> => ({
  urls: [...(plan.preflight?.urls ?? [])].flatMap(([key, seen]) =>
    seen.map((u) => ({
      service: key,
      kind: u.kind,
      url: u.url,
      serves: u.result._tag === "Served" ? u.result.version : null,
      problem: u.result._tag === "Served" ? null : u.result.reason
    }))
  ),
  images: [...(plan.preflight?.images ?? [])].map(([image, c]) => ({
    image,
    status: c._tag === "Found" ? "found" : c._tag === "Missing" ? "missing" : "not-checked",
    reason: c._tag === "Found" ? null : c.reason
  }))
})
