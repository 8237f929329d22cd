import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { whenTraced } from "../monitoring/Traced.js"
import { AwsCallError } from "../ports/Errors.js"

// Long service messages are cut; a message is for a person, not a dump.
const MAX_DETAIL = 1_000

/** The HTTP status of the answer an SDK exception came from (`$metadata.httpStatusCode`). */
const httpStatusOf = (cause: unknown): number | undefined => {
  if (typeof cause !== "object" || cause === null || !("$metadata" in cause)) return undefined
  const metadata: unknown = cause.$metadata
  if (typeof metadata !== "object" || metadata === null || !("httpStatusCode" in metadata)) return undefined
  return typeof metadata.httpStatusCode === "number" ? metadata.httpStatusCode : undefined
}

/** How many attempts the SDK made (`$metadata.attempts` of an answer or an exception), retries included. */
const attemptsOf = (value: unknown): number | undefined => {
  if (typeof value !== "object" || value === null || !("$metadata" in value)) return undefined
  const metadata: unknown = value.$metadata
  if (typeof metadata !== "object" || metadata === null || !("attempts" in metadata)) return undefined
  return typeof metadata.attempts === "number" ? metadata.attempts : undefined
}

/**
 * An SDK exception as `AwsCallError`: the exception's name (the AWS error code) and its
 * message only, never the request or the credentials.
 */
export const toAwsCallError = (operation: string, region: string) => (cause: unknown): AwsCallError => {
  const code = cause instanceof Error ? cause.name : "UnknownError"
  const detail = cause instanceof Error ? cause.message : typeof cause === "string" ? cause : "non-Error failure"
  return new AwsCallError({
    operation,
    region,
    code,
    httpStatus: httpStatusOf(cause),
    attempts: attemptsOf(cause),
    detail: detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail
  })
}

/** The AWS service an operation belongs to, for its span's name. */
const serviceOf = (operation: string): string =>
  /Rule|Targets/.test(operation) ? "EventBridge" : /CallerIdentity|AssumeRole/.test(operation) ? "STS" : "ECS"

/**
 * One SDK call as an Effect. `run` receives the fiber's abort signal (the `try` callback
 * must take it, or Effect passes none), so an interrupted deploy cancels the HTTP request.
 * Traced as a client span `<service>.<operation>` (OpenTelemetry's AWS SDK conventions).
 */
export const awsCall = <A>(
  operation: string,
  region: string,
  run: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, AwsCallError> =>
  Effect.suspend(() => {
    // Read off the SDK's answer or exception on the way through; the call is unchanged.
    let attempts: number | undefined
    const seen = <T>(value: T): T => {
      attempts = attemptsOf(value)
      return value
    }
    const call = Effect.tryPromise({
      try: (signal) => run(signal).then(seen, (e: unknown) => Promise.reject(seen(e))),
      catch: toAwsCallError(operation, region)
    })
    return whenTraced(call, (traced) =>
      traced.pipe(
        Effect.onExit((exit) => {
          const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
          return Effect.annotateCurrentSpan({
            ...(attempts === undefined ? {} : { "aws.attempts": attempts }),
            ...(error === undefined ? {} : { "aws.error.code": error.code }),
            ...(error?.httpStatus === undefined ? {} : { "http.response.status_code": error.httpStatus })
          })
        }),
        Effect.withSpan(`${serviceOf(operation)}.${operation}`, {
          kind: "client",
          captureStackTrace: false,
          attributes: {
            "rpc.system": "aws-api",
            "rpc.service": serviceOf(operation),
            "rpc.method": operation,
            "cloud.region": region
          }
        })
      ))
  })
