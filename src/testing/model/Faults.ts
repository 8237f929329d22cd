import * as Data from "effect/Data"

/** An AWS-shaped error answered by the simulator (either face). */
export class SimAwsError extends Data.TaggedError("SimAwsError")<{
  /** The AWS error code, e.g. `ClientException`, `ThrottlingException`. */
  readonly code: string
  readonly detail: string
  /** The HTTP status the HTTP face answers with. */
  readonly status: number
}> {
  override get message() {
    return `${this.code}: ${this.detail}`
  }
}

const serverCodes: Readonly<Record<string, number>> = {
  InternalFailure: 500,
  ServerException: 500,
  InternalException: 500,
  InternalError: 500,
  ServiceUnavailable: 503,
  ServiceUnavailableException: 503,
  AccessDenied: 403
}

/** The status AWS uses for an error code (JSON protocols answer most client errors with 400). */
export const statusOf = (code: string): number => serverCodes[code] ?? 400

export const awsError = (code: string, detail: string, status?: number): SimAwsError =>
  new SimAwsError({ code, detail, status: status ?? statusOf(code) })

/**
 * Makes one call (or the next `times` calls) matching the filters fail, or (with
 * `answerAfterSeconds` / `landed`) take effect and answer late or with an error.
 */
export interface FailNextSpec {
  /** AWS operation name, e.g. `UpdateService`, `ListTargetsByRule`, `AssumeRole`. */
  readonly operation: string
  /** Only calls about this service (name or ARN). */
  readonly service?: string | undefined
  /** Only calls about this EventBridge rule (name or ARN). */
  readonly rule?: string | undefined
  /** Only calls about this cluster (name or ARN). */
  readonly cluster?: string | undefined
  readonly region?: string | undefined
  /** How many matching calls fail; default 1. */
  readonly times?: number | undefined
  /** Default `InternalFailure` (500; retried by the SDK over HTTP). */
  readonly code?: string | undefined
  readonly message?: string | undefined
  /** HTTP status; default from the code. */
  readonly status?: number | undefined
  /** PutTargets only: answer 200 with the targets in `FailedEntries` instead of an error. */
  readonly asFailedEntry?: boolean | undefined
  /**
   * The call takes effect at once but its answer comes this many seconds later, by the
   * face's clock (the Effect Clock; over HTTP, the server runtime's clock). Without
   * `landed` the answer is the call's own; `code` and `message` are not used.
   */
  readonly answerAfterSeconds?: number | undefined
  /**
   * The call takes effect, then is answered with the error (`code`, default InternalFailure
   * 500): it landed, but the caller sees a failure (and an SDK may retry it).
   */
  readonly landed?: boolean | undefined
}

/** Deterministic PRNG (mulberry32) so fault sequences repeat for a seed. */
export const makePrng = (seed: number): () => number => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The last segment of an ARN (`.../service/cluster/name` -> name), or the name itself. */
export const shortName = (nameOrArn: string): string => {
  if (!nameOrArn.startsWith("arn:")) return nameOrArn
  const resource = nameOrArn.split(":").slice(5).join(":")
  const parts = resource.split("/")
  return parts[parts.length - 1] ?? nameOrArn
}

const strings = (v: unknown): ReadonlyArray<string> =>
  typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []

/** What a call is about, for matching `failNext` filters. */
export const subjectsOf = (params: Readonly<Record<string, unknown>>) => ({
  services: [...strings(params["service"]), ...strings(params["serviceName"]), ...strings(params["services"])].map(
    shortName
  ),
  rules: [...strings(params["Rule"]), ...strings(params["Name"])].map(shortName),
  clusters: strings(params["cluster"]).map(shortName)
})

export interface PendingFailure {
  readonly spec: FailNextSpec
  remaining: number
}

export const matches = (
  f: PendingFailure,
  operation: string,
  region: string,
  params: Readonly<Record<string, unknown>>
): boolean => {
  const s = f.spec
  if (f.remaining <= 0 || s.operation !== operation) return false
  if (s.region !== undefined && s.region !== region) return false
  const subj = subjectsOf(params)
  if (s.service !== undefined && !subj.services.includes(shortName(s.service))) return false
  if (s.rule !== undefined && !subj.rules.includes(shortName(s.rule))) return false
  if (s.cluster !== undefined && !subj.clusters.includes(shortName(s.cluster))) return false
  return true
}
