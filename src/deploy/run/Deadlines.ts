/**
 * Every bound a run waits under: the phases' deadlines (timeoutMinutes plus what a
 * service's deployment model adds), and the patience of a restore call, whose every
 * attempt has a deadline of its own.
 */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import { type DeploymentModel, extraMinutes, shiftMinutes } from "../../domain/DeploymentModel.js"
import { AwsCallError, cannotHaveLanded, isTransient, type PutTargetsRejected } from "../../ports/Errors.js"

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

/** How long restores get after the caller hurries (a second signal): GitHub kills 2.5 s after its SIGTERM. */
export const HURRY_GRACE = Duration.millis(1500)

/** Jittered exponential backoff from 1 s, capped at 10 s between tries. */
const backoffMillis = (retry: number) =>
  Effect.map(Random.nextRange(0.8, 1.2), (jitter) => Math.round(Math.min(10_000, 1000 * 2 ** retry) * jitter))

/** Between tries once hurried. */
const HURRIED_PAUSE = Duration.millis(250)

type CallError = AwsCallError | PutTargetsRejected

/** Throttling, a 5xx or no answer at all (PutTargets: a failed entry AWS calls transient): trying again can help. */
export const retryable = (e: CallError): boolean =>
  e._tag === "PutTargetsRejected"
    ? e.failures.some((f) => /ConcurrentModification|Internal|Throttl/i.test(f.code))
    : isTransient(e)

/**
 * Whether a failed attempt may have changed something all the same: AWS said nothing
 * definite. A refusal, or throttling, on the SDK's only try did not land.
 */
const mayHaveLanded = (e: CallError): boolean =>
  e._tag === "AwsCallError" && !cannotHaveLanded(e) && !(e.attempts === 1 && e.reason === "throttled")

const silence = (operation: string, region: string, after: Duration.Duration) =>
  new AwsCallError({
    operation,
    region,
    code: "TimeoutError",
    detail: `no answer within ${Duration.format(after)}`
  })

/**
 * A call cut short because the caller hurried (a second signal) and its grace ran out.
 * `sent`: an attempt went out and its answer is unknown (it may have landed); otherwise it
 * was never sent, or AWS refused every attempt.
 */
export class CallCut extends Data.TaggedError("CallCut")<{
  readonly operation: string
  readonly region: string
  readonly sent: boolean
  /** The last answer AWS gave, when it gave one. */
  readonly last?: string | undefined
}> {
  override get message() {
    const last = this.last === undefined ? "" : ` (last answer: ${this.last})`
    return this.sent
      ? `${this.operation} sent, answer unknown: cut short by the second signal${last}`
      : `${this.operation} not issued: ${
        this.last === undefined ? "never sent" : "refused"
      } before the second signal's grace ran out${last}`
  }
}

/**
 * `effect` ended by whichever comes first of its own end and `stop`, each in a fiber of
 * its own: a signal to the caller does not reach them (a restore keeps going), while
 * `stop` still ends them, even when the caller is uninterruptible (which a timeout forked
 * as the caller's child cannot do).
 */
export const bounded = <A, E, R, E2, R2>(
  effect: Effect.Effect<A, E, R>,
  stop: Effect.Effect<never, E2, R2>
): Effect.Effect<A, E | E2, R | R2> =>
  Effect.gen(function*() {
    const done = yield* Deferred.make<Exit.Exit<A, E | E2>>()
    const work = yield* Effect.forkDaemon(
      Effect.interruptible(Effect.exit(effect)).pipe(
        Effect.flatMap((exit) => Deferred.succeed(done, exit))
      )
    )
    const timer = yield* Effect.forkDaemon(
      Effect.interruptible(Effect.exit(stop)).pipe(
        Effect.flatMap((exit) => Deferred.succeed(done, exit))
      )
    )
    const result = yield* Deferred.await(done).pipe(
      Effect.ensuring(Effect.zipRight(Fiber.interruptFork(work), Fiber.interruptFork(timer)))
    )
    return yield* result
  })

/** `effect` bounded by `duration`, then `onTimeout`. */
const within = <A, E, R, E2>(
  effect: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: Effect.Effect<never, E2>
) => bounded(effect, Effect.zipRight(Effect.sleep(duration), onTimeout))

/**
 * The moment restores must be out by once the caller hurries: {@link HURRY_GRACE} after
 * `hurry` completes. Never, without a `hurry`.
 */
export const cutOf = (hurry: Effect.Effect<void> | undefined): Effect.Effect<Effect.Effect<void>, never, Scope.Scope> =>
  hurry === undefined
    ? Effect.succeed(Effect.never)
    : Effect.gen(function*() {
      const cut = yield* Deferred.make<void>()
      yield* Effect.forkScoped(Effect.interruptible(hurry.pipe(
        Effect.zipRight(Effect.sleep(HURRY_GRACE)),
        Effect.zipRight(Deferred.succeed(cut, undefined))
      )))
      return Deferred.await(cut)
    })

/** What a persistent call knows about its attempts, when it is cut short. */
interface Attempts<E> {
  readonly inFlight: boolean
  readonly mayHaveLanded: boolean
  readonly last: Option.Option<E>
}

/**
 * A call that must get through: each attempt bounded by {@link ATTEMPT_DEADLINE},
 * transient failures retried with backoff, everything within `patience`; past it, the
 * last failure seen. Once `hurried` completes the next try goes out at once (no more
 * backoff), and at `cut` the call ends with {@link CallCut}, saying whether an attempt
 * went out whose answer is unknown. A signal to the caller never cuts it short, and it
 * keeps to its bounds even inside an uninterruptible region.
 */
export const persistently = <A, E extends CallError, R>(
  operation: string,
  region: string,
  call: Effect.Effect<A, E, R>,
  patience: Duration.Duration,
  hurry: { readonly hurried: Effect.Effect<void>; readonly cut: Effect.Effect<void> } = {
    hurried: Effect.never,
    cut: Effect.never
  }
): Effect.Effect<A, E | AwsCallError | CallCut, R> =>
  Effect.gen(function*() {
    const state = yield* Ref.make<Attempts<E | AwsCallError>>({
      inFlight: false,
      mayHaveLanded: false,
      last: Option.none()
    })
    const attempt = Effect.zipRight(
      Ref.update(state, (s) => ({ ...s, inFlight: true })),
      within(call, ATTEMPT_DEADLINE, Effect.fail(silence(operation, region, ATTEMPT_DEADLINE)))
    ).pipe(
      Effect.onExit((exit) =>
        Ref.update(state, (s) => {
          const failure = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
          return failure === undefined
            ? { ...s, inFlight: false }
            : { inFlight: false, mayHaveLanded: s.mayHaveLanded || mayHaveLanded(failure), last: Option.some(failure) }
        })
      )
    )
    // The backoff, unless the caller hurries: then the next try goes out shortly.
    const pause = (retry: number) =>
      Effect.raceFirst(
        Effect.flatMap(backoffMillis(retry), (ms) => Effect.sleep(Duration.millis(ms))),
        Effect.zipRight(hurry.hurried, Effect.sleep(HURRIED_PAUSE))
      )
    const tries = (retry: number): Effect.Effect<A, E | AwsCallError, R> =>
      Effect.catchIf(attempt, (e: E | AwsCallError) =>
        retryable(e), () =>
        Effect.zipRight(pause(retry), tries(retry + 1)))
    const lastFailure = Effect.map(Ref.get(state), (s) =>
      s.last)
    const gaveUp = Effect.flatMap(lastFailure, (seen) =>
      Effect.fail(Option.getOrElse(seen, () =>
        silence(operation, region, patience))))
    const cutShort = Effect.flatMap(Ref.get(state), (s) =>
      Effect.fail(
        new CallCut({
          operation,
          region,
          sent: s.inFlight || s.mayHaveLanded,
          last: Option.getOrUndefined(Option.map(s.last, (e) =>
            e.message))
        })
      ))
    return yield* bounded(
      tries(0),
      Effect.raceFirst(
        Effect.zipRight(Effect.sleep(patience), gaveUp),
        Effect.zipRight(hurry.cut, cutShort)
      )
    )
  })
