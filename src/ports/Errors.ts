import * as Data from "effect/Data"

/** An AWS API call failed (after the SDK's own retries). */
export class AwsCallError extends Data.TaggedError("AwsCallError")<{
  readonly operation: string
  readonly region: string
  /** The AWS error code, e.g. `ThrottlingException`, `ClientException`. */
  readonly code: string
  readonly detail: string
  /** The answer's HTTP status; absent when no answer came (timeout, lost connection). */
  readonly httpStatus?: number | undefined
}> {
  override get message() {
    return `${this.operation} failed in ${this.region}: ${this.code}: ${this.detail}`
  }
}

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
