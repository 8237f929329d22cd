import * as Effect from "effect/Effect"
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
    detail: detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail
  })
}

/**
 * One SDK call as an Effect. `run` receives the fiber's abort signal (the `try` callback
 * must take it, or Effect passes none), so an interrupted deploy cancels the HTTP request.
 */
export const awsCall = <A>(
  operation: string,
  region: string,
  run: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, AwsCallError> =>
  Effect.tryPromise({ try: (signal) => run(signal), catch: toAwsCallError(operation, region) })
