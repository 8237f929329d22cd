import * as Data from "effect/Data"

/**
 * What a failed AWS call means, decided once from its answer:
 * - `refused`: AWS answered with a client error (4xx): the request was not carried out;
 * - `not-found`: a client error naming a missing resource (cluster, service, task definition, rule);
 * - `not-offered`: the operation does not exist here or the caller may not use it
 *   (an emulator, an older endpoint, a role without the permission);
 * - `throttled`: AWS asked to slow down (the request was not carried out);
 * - `server`: a 5xx: the request may or may not have been carried out;
 * - `no-answer`: no answer came (a timeout, a reset or refused connection, an abort).
 */
export type AwsFailureReason = "refused" | "not-found" | "not-offered" | "throttled" | "server" | "no-answer"

const THROTTLING =
  /^(Throttling|ThrottlingException|ThrottledException|TooManyRequestsException|RequestLimitExceeded|RequestThrottled|RequestThrottledException|SlowDown|ProvisionedThroughputExceededException|BandwidthLimitExceeded|PriorRequestNotComplete|EC2ThrottledException|TransactionInProgressException)$/
const NOT_OFFERED =
  /UnknownOperation|NotImplemented|InvalidAction|UnsupportedOperation|AccessDenied|UnauthorizedOperation|UnrecognizedClient/i
const NOT_FOUND =
  /^(ClusterNotFoundException|ServiceNotFoundException|ResourceNotFoundException|ServiceDeploymentNotFoundException|ServiceNotActiveException|TargetNotFoundException)$/
/** Codes that only ever come with an answer refusing the request, for errors that carry no status. */
const REFUSALS =
  /^(ClientException|InvalidParameterException|ValidationException|ValidationError|PlatformUnknownException|UnsupportedFeatureException|ConflictException|SerializationException|MissingParameter)$/

/** The reason of a failure from its AWS error code and HTTP status (absent: no answer was seen). */
export const classifyAwsFailure = (code: string, httpStatus: number | undefined): AwsFailureReason => {
  if (THROTTLING.test(code)) return "throttled"
  if (NOT_OFFERED.test(code)) return "not-offered"
  if (httpStatus !== undefined && httpStatus >= 500) return "server"
  if (NOT_FOUND.test(code)) return "not-found"
  if (httpStatus !== undefined && httpStatus >= 400) return "refused"
  if (httpStatus === undefined && REFUSALS.test(code)) return "refused"
  return httpStatus === undefined ? "no-answer" : "server"
}

/** An AWS API call failed (after the SDK's own retries). */
export class AwsCallError extends Data.TaggedError("AwsCallError")<{
  readonly operation: string
  readonly region: string
  /** The AWS error code, e.g. `ThrottlingException`, `ClientException`. */
  readonly code: string
  readonly detail: string
  /** The answer's HTTP status; absent when no answer came (timeout, lost connection). */
  readonly httpStatus?: number | undefined
  /** How many attempts the SDK made (`$metadata.attempts`); absent when unknown. */
  readonly attempts?: number | undefined
}> {
  /** What the failure means (see {@link AwsFailureReason}). */
  get reason(): AwsFailureReason {
    return classifyAwsFailure(this.code, this.httpStatus)
  }
  override get message() {
    return `${this.operation} failed in ${this.region}: ${this.code}: ${this.detail}`
  }
}

/** Trying again can help: throttling, a 5xx, or no answer at all. */
export const isTransient = (e: AwsCallError): boolean =>
  e.reason === "throttled" || e.reason === "server" || e.reason === "no-answer"

/**
 * Whether the call cannot have taken effect: AWS refused it on its only attempt. A 5xx,
 * throttling or silence on any attempt, or a refusal after earlier attempts (one of which
 * may have landed), leaves it possibly applied.
 */
export const cannotHaveLanded = (e: AwsCallError): boolean =>
  e.attempts === 1 && (e.reason === "refused" || e.reason === "not-found" || e.reason === "not-offered")

/** PutTargets answered with FailedEntryCount > 0. */
export class PutTargetsRejected extends Data.TaggedError("PutTargetsRejected")<{
  readonly rule: string
  readonly region: string
  readonly failures: ReadonlyArray<{ readonly targetId: string; readonly code: string; readonly message: string }>
}> {
  override get message() {
    const what = this.failures.map((f) => `${f.targetId}: ${f.code} ${f.message}`).join("; ")
    return `PutTargets for rule ${this.rule} (${this.region}) rejected ${this.failures.length} target(s): ${what}`
  }
}

/** No AWS region could be found for a call that needs one. */
export class MissingRegion extends Data.TaggedError("MissingRegion")<{
  readonly reason: string
}> {
  override get message() {
    return `no AWS region: ${this.reason}. Set AWS_REGION, configure a profile region, or use a cluster ARN in gehen.yml`
  }
}

/**
 * The API answered as if it did not exist: an emulator or older endpoint (unknown
 * operation, unsupported) or a role without the permission (access denied).
 */
export const notOffered = (e: AwsCallError): boolean => e.reason === "not-offered"
