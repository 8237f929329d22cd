/**
 * The record of AWS calls and the faults injected into them: scripted (`failNext`) and
 * random (throttling and 5xx fractions from a seeded PRNG). Both faces go through `call`.
 */
import * as Either from "effect/Either"
import { awsError, type FailNextSpec, makePrng, matches, type PendingFailure, SimAwsError } from "./Faults.js"
import { clone } from "./Records.js"

/** One AWS call either face received (seeding and inspection are not recorded). */
export interface SimCall {
  /** AWS operation name, e.g. `UpdateService`. */
  readonly operation: string
  readonly region: string
  /** The request as sent (SDK input shape; a copy). */
  readonly params: Readonly<Record<string, unknown>>
  /** Epoch ms by the clock of the caller. */
  readonly at: number
  readonly face: "layer" | "http"
  /** The SigV4 access key id (HTTP face only). */
  readonly accessKeyId?: string | undefined
  /** The AWS error code when the call failed. */
  readonly error?: string | undefined
  /** The call took effect although it was answered with `error` (an injected landed-then-failed call). */
  readonly landed?: boolean | undefined
  /** How long its answer was held back (ms) after it took effect (an injected late answer). */
  readonly answeredAfterMs?: number | undefined
}

export const mutatingOperations: ReadonlyArray<string> = [
  "RegisterTaskDefinition",
  "DeregisterTaskDefinition",
  "TagResource",
  "UntagResource",
  "UpdateService",
  "PutTargets",
  "StopServiceDeployment",
  "ContinueServiceDeployment"
]

/** What a call came to: its answer, and how long the face holds that answer back. */
export interface SimCallOutcome<A> {
  readonly result: Either.Either<A, SimAwsError>
  /** 0 unless an injected fault makes the answer late. */
  readonly answerAfterMs: number
}

export interface FaultSettings {
  readonly throttleFraction?: number | undefined
  readonly serverErrorFraction?: number | undefined
  readonly seed?: number | undefined
}

type MutableCall = { -readonly [K in keyof SimCall]: SimCall[K] }

export class SimCallLog {
  private readonly log: Array<SimCall> = []
  private pending: Array<PendingFailure> = []
  private throttleFraction: number
  private serverErrorFraction: number
  private random: () => number

  constructor(settings: FaultSettings) {
    this.throttleFraction = settings.throttleFraction ?? 0
    this.serverErrorFraction = settings.serverErrorFraction ?? 0
    this.random = makePrng(settings.seed ?? 1)
  }

  setFaults(faults: FaultSettings): void {
    if (faults.throttleFraction !== undefined) this.throttleFraction = faults.throttleFraction
    if (faults.serverErrorFraction !== undefined) this.serverErrorFraction = faults.serverErrorFraction
    if (faults.seed !== undefined) this.random = makePrng(faults.seed)
  }

  failNext(spec: FailNextSpec): void {
    this.pending.push({ spec, remaining: spec.times ?? 1 })
  }

  calls(operation?: string): ReadonlyArray<SimCall> {
    return operation === undefined ? [...this.log] : this.log.filter((c) => c.operation === operation)
  }

  mutatingCalls(): ReadonlyArray<SimCall> {
    return this.log.filter((c) => mutatingOperations.includes(c.operation))
  }

  clear(): void {
    this.log.length = 0
  }

  /**
   * Records one call and runs it unless a fault answers first. A matching `failNext` spec
   * with `landed` or `answerAfterSeconds` lets the call run and then answers with the
   * error, or late. `run` may throw SimAwsError (the call's own AWS error).
   */
  call<A>(
    operation: string,
    region: string,
    params: object,
    now: number,
    meta: { readonly face: "layer" | "http"; readonly accessKeyId?: string | undefined },
    run: () => A
  ): SimCallOutcome<A> {
    const record: MutableCall = { operation, region, params: clone({ ...params }), at: now, face: meta.face }
    if (meta.accessKeyId !== undefined) record.accessKeyId = meta.accessKeyId
    this.log.push(record)
    const hit = this.take((f) => f.spec.asFailedEntry !== true, operation, region, record.params)
    const spec = hit?.spec
    const applies = spec !== undefined && (spec.landed === true || spec.answerAfterSeconds !== undefined)
    const answerAfterMs = applies ? Math.max(0, Math.round((spec.answerAfterSeconds ?? 0) * 1000)) : 0
    if (answerAfterMs > 0) record.answeredAfterMs = answerAfterMs
    const fail = (e: SimAwsError): SimCallOutcome<A> => {
      record.error = e.code
      return { result: Either.left(e), answerAfterMs }
    }
    if (spec !== undefined && !applies) return fail(injected(spec, operation))
    if (spec === undefined) {
      const random = this.randomFault(operation)
      if (random !== undefined) return fail(random)
    }
    let value: A
    try {
      value = run()
    } catch (e) {
      if (e instanceof SimAwsError) return fail(e)
      throw e
    }
    if (spec?.landed === true) {
      record.landed = true
      return fail(injected(spec, operation))
    }
    return { result: Either.right(value), answerAfterMs }
  }

  /** PutTargets entry failures (`asFailedEntry`) are taken by the operation itself. */
  takeEntryFailure(region: string, params: Readonly<Record<string, unknown>>): PendingFailure | undefined {
    return this.take((f) => f.spec.asFailedEntry === true, "PutTargets", region, params)
  }

  private take(
    kind: (f: PendingFailure) => boolean,
    operation: string,
    region: string,
    params: Readonly<Record<string, unknown>>
  ): PendingFailure | undefined {
    const hit = this.pending.find((f) => kind(f) && matches(f, operation, region, params))
    if (hit !== undefined) {
      hit.remaining--
      this.pending = this.pending.filter((f) => f.remaining > 0)
    }
    return hit
  }

  private randomFault(operation: string): SimAwsError | undefined {
    const r = this.random()
    if (r < this.throttleFraction) {
      return operation === "AssumeRole"
        ? awsError("Throttling", "Rate exceeded", 400)
        : awsError("ThrottlingException", "Rate exceeded", 400)
    }
    if (r < this.throttleFraction + this.serverErrorFraction) {
      // Split the 5xx share between the two generic AWS server errors.
      return r < this.throttleFraction + this.serverErrorFraction / 2
        ? awsError("InternalFailure", "The request processing has failed because of an unknown error.", 500)
        : awsError("ServiceUnavailable", "The service is unavailable. Please try again later.", 503)
    }
    return undefined
  }
}

const injected = (spec: FailNextSpec, operation: string): SimAwsError => {
  const code = spec.code ?? "InternalFailure"
  return awsError(code, spec.message ?? `Injected ${code} for ${operation}.`, spec.status)
}
