import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { Ecs } from "../ports/Ecs.js"
import type { AwsCallError, PutTargetsRejected } from "../ports/Errors.js"
import type { Journal } from "./Journal.js"
import type { DeployPlan, Revision, ScheduledTaskPlan, ServicePlan } from "./Plan.js"
import { ScheduledTasks } from "../ports/ScheduledTasks.js"
import { type TargetId, targetKey, targetLabel } from "../domain/Targets.js"
import { shortName } from "../domain/TaskDefinitionArn.js"

/** What the run has changed so far: what a rollback must put back. */
export interface Changes {
  readonly services: Map<string, { readonly plan: ServicePlan; readonly newTaskDefinition: string }>
  readonly scheduledTasks: Map<string, { readonly plan: ScheduledTaskPlan; readonly newTaskDefinition: string }>
}

export const emptyChanges = (): Changes => ({ services: new Map(), scheduledTasks: new Map() })

/** Updating a scheduled task failed; the run stops before any service is touched. */
export class ScheduledTaskUpdateFailed extends Data.TaggedError("ScheduledTaskUpdateFailed")<{
  readonly target: TargetId
  readonly rule: string
  readonly cause: AwsCallError | PutTargetsRejected
}> {
  override get message() {
    return `updating scheduled task ${this.rule} failed: ${this.cause.message}`
  }
}

/** Registering or updating some services failed. */
export class ServiceUpdateFailed extends Data.TaggedError("ServiceUpdateFailed")<{
  readonly failures: ReadonlyArray<{ readonly key: string; readonly service: string; readonly cause: AwsCallError }>
}> {
  override get message() {
    return `updating ${this.failures.length} service(s) failed: ${
      this.failures.map((f) => `${f.service}: ${f.cause.message}`).join("; ")
    }`
  }
}

/** Registers each distinct new revision once, however many targets share it. */
const makeRegistrar = Effect.gen(function*() {
  const ecs = yield* Ecs
  const pending = new Map<string, { readonly region: string; readonly revision: Extract<Revision, { _tag: "Register" }> }>()
  const registerOnce = yield* Effect.cachedFunction((key: string) => {
    const { region, revision } = pending.get(key)!
    return ecs.registerTaskDefinition(region, revision.input)
  })
  return (region: string, revision: Revision): Effect.Effect<string, AwsCallError> =>
    revision._tag === "Existing"
      ? Effect.succeed(revision.arn)
      : Effect.suspend(() => {
        pending.set(revision.key, { region, revision })
        return registerOnce(revision.key)
      })
})

export type Registrar = Effect.Effect.Success<typeof makeRegistrar>
export const registrar = makeRegistrar

/** Scheduled tasks, one after the other; the first failure stops the phase. */
export const applyScheduledTasks = (
  plan: DeployPlan,
  register: Registrar,
  changes: Changes,
  journal: Journal
): Effect.Effect<void, ScheduledTaskUpdateFailed, ScheduledTasks> =>
  Effect.gen(function*() {
    const events = yield* ScheduledTasks
    for (const task of plan.scheduledTasks) {
      const { target } = task
      if (task.revision._tag === "None") {
        yield* journal.end(target, "update", "skipped", "no image to change")
        continue
      }
      const revision = task.revision.value
      yield* journal.start(target, "register", `registering a revision of ${shortName(task.currentTaskDefinition)}`)
      const arn = yield* register(task.region, revision).pipe(
        Effect.tapError((e) => journal.end(target, "register", "failed", e.message)),
        Effect.mapError((cause) => new ScheduledTaskUpdateFailed({ target, rule: task.rule, cause }))
      )
      yield* journal.end(target, "register", "succeeded", `registered ${shortName(arn)}`)
      yield* journal.start(target, "update", `pointing rule ${task.rule} at ${shortName(arn)}`)
      const next = { ...task.ecsTarget, EcsParameters: { ...task.ecsTarget.EcsParameters, TaskDefinitionArn: arn } }
      yield* events.putTarget(task.region, task.rule, next).pipe(
        Effect.tapError((e) => journal.end(target, "update", "failed", e.message)),
        Effect.mapError((cause) => new ScheduledTaskUpdateFailed({ target, rule: task.rule, cause }))
      )
      changes.scheduledTasks.set(targetKey(target), { plan: task, newTaskDefinition: arn })
      yield* journal.end(target, "update", "succeeded", `rule ${task.rule} now runs ${shortName(arn)}`)
    }
  })

/** Services, concurrently; every service is tried, then failures are reported together. */
export const applyServices = (
  plan: DeployPlan,
  register: Registrar,
  changes: Changes,
  journal: Journal,
  concurrency: number
): Effect.Effect<void, ServiceUpdateFailed, Ecs> =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const applyOne = (svc: ServicePlan) =>
      Effect.gen(function*() {
        const { target } = svc
        if (svc.action._tag === "CheckOnly") return
        let arn = svc.currentTaskDefinition
        if (svc.action._tag === "Update") {
          const revision = svc.action.revision
          if (revision._tag === "Register") {
            yield* journal.start(target, "register", `registering a revision of ${shortName(revision.baseArn)}`)
            arn = yield* register(svc.ref.region, revision).pipe(
              Effect.tapError((e) => journal.end(target, "register", "failed", e.message))
            )
            yield* journal.end(target, "register", "succeeded", `registered ${shortName(arn)}`)
          } else {
            arn = revision.arn
          }
        }
        yield* journal.start(
          target,
          "update",
          svc.action._tag === "Redeploy"
            ? `forcing a new deployment of ${shortName(arn)}`
            : `updating from ${shortName(svc.currentTaskDefinition)} to ${shortName(arn)}`
        )
        yield* ecs.updateService(svc.ref, arn).pipe(
          Effect.tapError((e) => journal.end(target, "update", "failed", e.message))
        )
        changes.services.set(targetKey(target), { plan: svc, newTaskDefinition: arn })
        yield* journal.end(target, "update", "succeeded", `deployment of ${shortName(arn)} started`)
      }).pipe(
        Effect.either,
        Effect.map(Either.mapLeft((cause) => ({ key: targetKey(svc.target), service: targetLabel(svc.target), cause })))
      )
    const results = yield* Effect.forEach(plan.services, applyOne, { concurrency })
    const failures = results.flatMap((r) => (Either.isLeft(r) ? [r.left] : []))
    if (failures.length > 0) return yield* Effect.fail(new ServiceUpdateFailed({ failures }))
  })
