import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"

/**
 * Why a version url did not show a version: the connection was refused, the host is
 * unknown, TLS failed (the certificate's complaint in the words), no answer in time, the
 * connection was reset, an answer other than 200, an answer without a version, or
 * something else.
 */
export type ProbeFailureReason =
  | "refused"
  | "unknown-host"
  | "tls"
  | "timed-out"
  | "reset"
  | "http-status"
  | "no-version"
  | "other"

/** One classified cause of a probe that showed no version, with the words every output uses. */
export interface ProbeFailure {
  readonly _tag: "ProbeFailure"
  readonly reason: ProbeFailureReason
  /** What progress, the summary, the JSON report and annotations say, e.g. `connection refused by api.internal:443`. */
  readonly message: string
  /** The error code behind it, when there is one (`ECONNREFUSED`, `CERT_HAS_EXPIRED`, ...). */
  readonly code?: string | undefined
  /** The HTTP status, for `http-status`. */
  readonly status?: number | undefined
}

/** What one GET of a service's version url showed. */
export type ProbeResult =
  | { readonly _tag: "Served"; readonly version: string; readonly server: string }
  | {
    readonly _tag: "NotReady"
    /** The words; equal to `cause.message` when there is a cause. */
    readonly reason: string
    /** The classified cause (the live probe always gives one; other probes may not). */
    readonly cause?: ProbeFailure | undefined
  }

/** Asks a running service which version it serves (the suffix of its `Server` header). Never fails. */
export class VersionProbe extends Context.Tag("gehen/VersionProbe")<
  VersionProbe,
  { readonly probe: (url: string) => Effect.Effect<ProbeResult> }
>() {}
