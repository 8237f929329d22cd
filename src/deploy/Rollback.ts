import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import type { Changes } from "./Apply.js"
import { drainCheck, watchForFailures } from "./DrainCheck.js"
import { Ecs } from "../ports/Ecs.js"
import type { Journal } from "./Journal.js"
import { ScheduledTasks } from "../ports/ScheduledTasks.js"
import { targetKey } from "../domain/Targets.js"
import { shortName } from "../domain/TaskDefinitionArn.js"
import { versionCheck } from "./VersionCheck.js"
import type { VersionProbe } from "../ports/VersionProbe.js"

/** How putting one target back went. */
export interface Restore {
  /** The call that puts it back succeeded. */
  readonly restored: boolean
  /** Why it could not be put back, or why putting it back was not confirmed. */
  readonly error: string | undefined
  /** The AWS CLI command that restores it by hand, when the call failed. */
  readonly manualCommand: string | undefined
}

export interface RollbackResult {
  /** By target key. */
  readonly restores: ReadonlyMap<string, Restore>
  /** Every restored service served its previous version and drained (false when not checked). */
  readonly confirmed: boolean
  readonly confirmationError: string | undefined
}

export interface RollbackOptions {
  readonly timeout: Duration.Duration
  readonly interval: Duration.Duration
  readonly journal: Journal
  /** Run the version and drain checks on the restored services (not on interruption). */
  readonly confirm: boolean
}

/** A failed restore call is tried again a few times before gehen gives up on it. */
const restoreRetry = Schedule.exponential(Duration.seconds(1)).pipe(Schedule.intersect(Schedule.recurs(3)))

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * Puts every changed service and scheduled task back on its previous task
 * definition, then (with `confirm`) checks that the services serve their
 * previous version and have drained. Never fails: the result says what happened.
 */
export const rollback = (
  changes: Changes,
  options: RollbackOptions
): Effect.Effect<RollbackResult, never, Ecs | ScheduledTasks | VersionProbe> =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const events = yield* ScheduledTasks
    const { journal } = options
    const restores = new Map<string, Restore>()

    const services = [...changes.services.values()]
    yield* Effect.forEach(services, ({ plan }) =>
      Effect.gen(function*() {
        const { ref, target } = plan
        yield* journal.start(target, "rollback", `rolling back to ${shortName(plan.currentTaskDefinition)}`)
        const result = yield* Effect.either(ecs.updateService(ref, plan.currentTaskDefinition).pipe(Effect.retry(restoreRetry)))
        if (Either.isRight(result)) {
          restores.set(targetKey(target), { restored: true, error: undefined, manualCommand: undefined })
          return yield* journal.end(target, "rollback", "succeeded", `update to ${shortName(plan.currentTaskDefinition)} started`)
        }
        const manualCommand = [
          "aws ecs update-service",
          `--region ${ref.region}`,
          `--cluster ${shellQuote(ref.cluster)}`,
          `--service ${shellQuote(ref.service)}`,
          `--task-definition ${shellQuote(plan.currentTaskDefinition)}`,
          "--force-new-deployment"
        ].join(" ")
        restores.set(targetKey(target), { restored: false, error: result.left.message, manualCommand })
        yield* journal.end(target, "rollback", "failed", `ROLLBACK FAILED: ${result.left.message}`)
      }), { concurrency: "unbounded", discard: true })

    for (const { plan } of changes.scheduledTasks.values()) {
      const { target } = plan
      yield* journal.start(target, "rollback", `pointing rule ${plan.rule} back at ${shortName(plan.currentTaskDefinition)}`)
      const result = yield* Effect.either(events.putTarget(plan.region, plan.rule, plan.ecsTarget).pipe(Effect.retry(restoreRetry)))
      if (Either.isRight(result)) {
        restores.set(targetKey(target), { restored: true, error: undefined, manualCommand: undefined })
        yield* journal.end(target, "rollback", "succeeded", `rule ${plan.rule} runs ${shortName(plan.currentTaskDefinition)} again`)
      } else {
        const manualCommand = [
          "aws events put-targets",
          `--region ${plan.region}`,
          `--rule ${shellQuote(plan.rule)}`,
          `--targets ${shellQuote(JSON.stringify([plan.ecsTarget]))}`
        ].join(" ")
        restores.set(targetKey(target), { restored: false, error: result.left.message, manualCommand })
        yield* journal.end(target, "rollback", "failed", `ROLLBACK FAILED: ${result.left.message}`)
      }
    }

    if (!options.confirm) return { restores, confirmed: false, confirmationError: undefined }
    const restored = services.filter(({ plan }) => restores.get(targetKey(plan.target))?.restored === true)
    const checks = { timeout: options.timeout, interval: options.interval, journal }
    const rollouts = restored.map(({ plan }) => ({ target: plan.target, ref: plan.ref, taskDefinition: plan.currentTaskDefinition }))
    const confirmation = yield* Effect.either(
      versionCheck(
        restored.flatMap(({ plan }) =>
          plan.url !== undefined && plan.previousTags.length > 0
            ? [{ target: plan.target, url: plan.url, wanted: plan.previousTags }]
            : []
        ),
        { ...checks, phase: "rollback-version-check" }
      ).pipe(
        // As in the deploy: a previous version that cannot come back fails at once.
        Effect.raceFirst(watchForFailures(rollouts, { interval: options.interval, journal, phase: "rollback-drain" })),
        Effect.zipRight(drainCheck(rollouts, { ...checks, phase: "rollback-drain" }))
      )
    )
    // A failure cuts the other targets' checks short: close what they left open.
    if (Either.isLeft(confirmation)) yield* journal.closeOpen("failed")
    const allRestored = [...restores.values()].every((r) => r.restored)
    return Either.isRight(confirmation)
      ? { restores, confirmed: allRestored, confirmationError: allRestored ? undefined : "some rollback calls failed" }
      : { restores, confirmed: false, confirmationError: confirmation.left.message }
  })
