/**
 * Every bound a run waits under: the phases' deadlines (timeoutMinutes plus what a
 * service's deployment model adds), and the patience of a restore call, whose every
 * attempt has a deadline of its own.
 */
import * as Duration from "effect/Duration"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import { AwsCallError, isTransient, type PutTargetsRejected } from "../ports/Errors.js"
import { extraMinutes, shiftMinutes, type DeploymentModel } from "../ports/ServiceDeployments.js"

/** How long a restore call keeps being tried before gehen gives up and prints the manual command: a hard bound. */
export const RESTORE_PATIENCE = Duration.minutes(2)

/** How long one attempt of a restore call may take (the SDK's own retries of it included). */
export const ATTEMPT_DEADLINE = Duration.seconds(30)

/** The phases' deadlines for services deployed under `models`. */
export const phaseDeadlines = (timeoutMinutes: number, models: ReadonlyArray<DeploymentModel>) => {
  // Bake time and linear/canary steps run beyond the rollout: each deadline grows by its longest.
  const beyond = (f: (m: DeploymentModel) => number) => Math.max(0, ...models.map(f))
  const minutes = (m: number) => Duration.millis(m * 60_000)
  return {
    /** The version check: the rollout, plus the time production traffic takes to shift. */
    versionCheck: minutes(timeoutMinutes + beyond(shiftMinutes)),
    /** The drain check, and the rollback's confirmation: the rollout, plus bake and step times. */
    drain: minutes(timeoutMinutes + beyond(extraMinutes))
  }
}

/** Jittered exponential backoff from 1 s, capped at 10 s between tries. */
const backoff = Schedule.exponential(Duration.seconds(1)).pipe(
  Schedule.union(Schedule.spaced(Duration.seconds(10))),
  Schedule.jittered
)

type CallError = AwsCallError | PutTargetsRejected

/** Throttling, a 5xx or no answer at all (PutTargets: a failed entry AWS calls transient): trying again can help. */
export const retryable = (e: CallError): boolean =>
  e._tag === "PutTargetsRejected"
    ? e.failures.some((f) => /ConcurrentModification|Internal|Throttl/i.test(f.code))
    : isTransient(e)

const silence = (operation: string, region: string, after: Duration.Duration) =>
  new AwsCallError({
    operation,
    region,
    code: "TimeoutError",
    detail: `no answer within ${Duration.format(after)}`
  })

/**
 * `effect` cut off after `duration`, in fibers of their own: a signal to the caller does
 * not reach them (a restore keeps going), while the deadline still ends them, even when
 * the caller is uninterruptible (which a timeout forked as the caller's child cannot do).
 */
const bounded = <A, E, R, E2>(
  effect: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: Effect.Effect<never, E2>
): Effect.Effect<A, E | E2, R> =>
  Effect.gen(function*() {
    const done = yield* Deferred.make<Option.Option<Exit.Exit<A, E>>>()
    const work = yield* Effect.forkDaemon(Effect.interruptible(Effect.exit(effect)).pipe(
      Effect.flatMap((exit) => Deferred.succeed(done, Option.some(exit)))
    ))
    const timer = yield* Effect.forkDaemon(Effect.sleep(duration).pipe(Effect.zipRight(Deferred.succeed(done, Option.none()))))
    const result = yield* Deferred.await(done).pipe(
      Effect.ensuring(Effect.zipRight(Fiber.interruptFork(work), Fiber.interruptFork(timer)))
    )
    return yield* Option.match(result, { onNone: () => onTimeout, onSome: (exit) => exit })
  })

/**
 * A call that must get through: each attempt bounded by {@link ATTEMPT_DEADLINE}, transient
 * failures retried with backoff, everything within `patience`; past it, the last failure
 * seen. A signal to the caller never cuts it short, and it keeps to its bounds even
 * inside an uninterruptible region.
 */
export const persistently = <A, E extends CallError, R>(
  operation: string,
  region: string,
  call: Effect.Effect<A, E, R>,
  patience: Duration.Duration
): Effect.Effect<A, E | AwsCallError, R> =>
  Effect.gen(function*() {
    const last = yield* Ref.make(Option.none<E | AwsCallError>())
    const attempt = bounded(call, ATTEMPT_DEADLINE, Effect.fail(silence(operation, region, ATTEMPT_DEADLINE))).pipe(
      Effect.tapError((e) => Ref.set(last, Option.some(e)))
    )
    const gaveUp = Effect.flatMap(Ref.get(last), (seen) => Effect.fail(Option.getOrElse(seen, () => silence(operation, region, patience))))
    return yield* bounded(Effect.retry(attempt, { schedule: backoff, while: (e: E | AwsCallError) => retryable(e) }), patience, gaveUp)
  })
