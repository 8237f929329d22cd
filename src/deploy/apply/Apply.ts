import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { type TargetId, targetKey, targetLabel } from "../../domain/Targets.js"
import { shortName } from "../../domain/TaskDefinitionArn.js"
import { Ecs } from "../../ports/Ecs.js"
import type { AwsCallError, PutTargetsRejected } from "../../ports/Errors.js"
import { ScheduledTasks } from "../../ports/ScheduledTasks.js"
import type { DeployPlan, ServicePlan } from "../plan/Plan.js"
import { RunContext } from "../run/RunContext.js"
import { definitelyRejected, type Ledger } from "./Ledger.js"

export { makeRegistrar, type Registrar } from "./Registrar.js"

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

/**
 * One mutating call under the ledger: recorded as intended before it is sent, as applied
 * when AWS answers, dropped only when AWS refused it. An interruption while it is in
 * flight leaves it intended, so the rollback restores it.
 */
const recorded = <A, E extends AwsCallError | PutTargetsRejected, R>(
  ledger: Ledger,
  key: string,
  call: Effect.Effect<A, E, R>,
  onApplied: (a: A) => Effect.Effect<void>
): Effect.Effect<A, E, R> =>
  call.pipe(
    Effect.tapBoth({
      onFailure: (e) => (definitelyRejected(e) ? ledger.rejected(key) : Effect.void),
      onSuccess: onApplied
    })
  )

/** Scheduled tasks, one after the other; the first failure stops the phase. */
export const applyScheduledTasks = (
  plan: DeployPlan
): Effect.Effect<void, ScheduledTaskUpdateFailed, ScheduledTasks | RunContext> =>
  Effect.gen(function*() {
    const { journal, ledger, register } = yield* RunContext
    const events = yield* ScheduledTasks
    for (const task of plan.scheduledTasks) {
      const { target } = task
      if (task.revision._tag === "None") {
        yield* journal.end(
          target,
          "update",
          "skipped",
          task.untouched
            ? "left as it is (no deployment to force)"
            : task.unchanged
            ? "runs the sha already"
            : "no image to change"
        )
        continue
      }
      const revision = task.revision.value
      const fail = (cause: AwsCallError | PutTargetsRejected) =>
        new ScheduledTaskUpdateFailed({ target, rule: task.rule, cause })
      let arn: string
      if (revision._tag === "Register") {
        yield* journal.start(target, "register", `registering a revision of ${shortName(task.currentTaskDefinition)}`)
        arn = yield* register(task.region, revision).pipe(
          journal.inPhase(target, "register"),
          Effect.tapError((e) => journal.end(target, "register", "failed", e.message)),
          Effect.mapError(fail)
        )
        yield* journal.end(target, "register", "succeeded", `registered ${shortName(arn)}`)
      } else {
        arn = revision.arn
      }
      yield* journal.start(
        target,
        "update",
        `pointing rule ${task.rule} at ${shortName(arn)}${revision._tag === "Existing" ? " (reusing it)" : ""}`
      )
      const key = targetKey(target)
      const next = { ...task.ecsTarget, EcsParameters: { ...task.ecsTarget.EcsParameters, TaskDefinitionArn: arn } }
      yield* ledger.intend({ kind: "scheduled-task", key, plan: task, newTaskDefinition: arn, state: "intended" })
      yield* recorded(ledger, key, events.putTarget(task.ruleRef, next), () => ledger.applied(key)).pipe(
        journal.inPhase(target, "update"),
        Effect.tapError((e) => journal.end(target, "update", "failed", e.message)),
        Effect.mapError(fail)
      )
      yield* journal.end(target, "update", "succeeded", `rule ${task.rule} now runs ${shortName(arn)}`)
    }
  })

/** Services, concurrently; every service is tried, then failures are reported together. */
export const applyServices = (
  plan: DeployPlan
): Effect.Effect<void, ServiceUpdateFailed, Ecs | RunContext> =>
  Effect.gen(function*() {
    const { concurrency, journal, ledger, register } = yield* RunContext
    const ecs = yield* Ecs
    const applyOne = (svc: ServicePlan) =>
      Effect.gen(function*() {
        const { target } = svc
        if (svc.action._tag === "CheckOnly" || svc.action._tag === "Unchanged") return
        let arn = svc.currentTaskDefinition
        if (svc.action._tag === "Update") {
          const revision = svc.action.revision
          if (revision._tag === "Register") {
            yield* journal.start(target, "register", `registering a revision of ${shortName(revision.baseArn)}`)
            arn = yield* register(svc.ref.region, revision).pipe(
              journal.inPhase(target, "register"),
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
            : `updating from ${shortName(svc.currentTaskDefinition)} to ${shortName(arn)}${
              svc.action._tag === "Update" && svc.action.revision._tag === "Existing" ? " (reusing it)" : ""
            }`
        )
        const key = targetKey(target)
        yield* ledger.intend({
          kind: "service",
          key,
          plan: svc,
          newTaskDefinition: arn,
          state: "intended",
          deployment: undefined,
          restoreTo: svc.currentTaskDefinition
        })
        const requestedAt = yield* Clock.currentTimeMillis
        const update = Effect.map(ecs.updateService(svc.ref, arn), (d) => ({ ...d, requestedAt }))
        const started = yield* recorded(ledger, key, update, (d) => ledger.applied(key, d)).pipe(
          journal.inPhase(target, "update"),
          Effect.tapError((e) => journal.end(target, "update", "failed", e.message))
        )
        yield* journal.end(
          target,
          "update",
          "succeeded",
          `deployment ${started.id ?? "(unnamed)"} of ${shortName(arn)} started`
        )
      }).pipe(
        Effect.either,
        Effect.map(Either.mapLeft((cause) => ({ key: targetKey(svc.target), service: targetLabel(svc.target), cause })))
      )
    const results = yield* Effect.forEach(plan.services, applyOne, { concurrency })
    const failures = results.flatMap((r) => (Either.isLeft(r) ? [r.left] : []))
    if (failures.length > 0) return yield* Effect.fail(new ServiceUpdateFailed({ failures }))
  })
