/**
 * Why a version probe's request failed, in words that name the cause. Node's fetch says
 * only `fetch failed` and keeps the real error in `cause` (an AggregateError's `errors`
 * when it tried several addresses); undici's own client throws it directly. Both are
 * walked to the first error whose code says what happened. Pure: table-tested, and tested
 * for real against a closed port, an unknown host, bad certificates, a silent server and
 * a reset.
 */
import type { ProbeFailure, ProbeFailureReason } from "../ports/VersionProbe.js"

export type { ProbeFailure, ProbeFailureReason }

export const probeFailure = (
  reason: ProbeFailureReason,
  message: string,
  extra: { readonly code?: string | undefined; readonly status?: number | undefined } = {}
): ProbeFailure => ({
  _tag: "ProbeFailure",
  reason,
  message,
  ...(extra.code === undefined ? {} : { code: extra.code }),
  ...(extra.status === undefined ? {} : { status: extra.status })
})

interface ErrorLike {
  readonly code?: unknown
  readonly message?: unknown
  readonly hostname?: unknown
  readonly cause?: unknown
  readonly errors?: unknown
}

const isObject = (u: unknown): u is ErrorLike => typeof u === "object" && u !== null

/** The error and everything behind it, outermost first: `cause` chains and AggregateError's `errors`. */
const chain = (error: unknown): ReadonlyArray<ErrorLike> => {
  const out: Array<ErrorLike> = []
  const queue: Array<unknown> = [error]
  while (queue.length > 0 && out.length < 16) {
    const e = queue.shift()
    if (!isObject(e) || out.includes(e)) continue
    out.push(e)
    if (e.cause !== undefined) queue.push(e.cause)
    if (Array.isArray(e.errors)) queue.push(...(e.errors as ReadonlyArray<unknown>))
  }
  return out
}

const codeOf = (e: ErrorLike): string | undefined => (typeof e.code === "string" && e.code !== "" ? e.code : undefined)
const messageOf = (e: ErrorLike): string | undefined =>
  typeof e.message === "string" && e.message.trim() !== "" ? e.message.trim() : undefined

const REFUSED = ["ECONNREFUSED"]
const UNKNOWN_HOST = ["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_NODATA", "EAI_FAIL"]
const TIMED_OUT = ["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]
const RESET = ["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "ECONNABORTED"]
// OpenSSL's verify errors as Node names them (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT,
// UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...), Node's own TLS errors and OpenSSL's protocol errors.
const TLS =
  /^(ERR_TLS_|ERR_SSL_)|CERT|CRL|^UNABLE_TO_|^(INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|HOSTNAME_MISMATCH|EPROTO)$/

const reasonOfCode = (code: string): ProbeFailureReason | undefined =>
  REFUSED.includes(code)
    ? "refused"
    : UNKNOWN_HOST.includes(code)
    ? "unknown-host"
    : TIMED_OUT.includes(code)
    ? "timed-out"
    : RESET.includes(code)
    ? "reset"
    : TLS.test(code)
    ? "tls"
    : undefined

/**
 * The certificate's (or the handshake's) complaint: Node's message where it reads as one
 * ("certificate has expired", "self-signed certificate", "Hostname/IP does not match
 * certificate's altnames: ..."); from the code where the message is OpenSSL's raw text.
 */
const tlsComplaint = (code: string, message: string | undefined): string => {
  if (message !== undefined && !/:error:[0-9A-F]+:/.test(message)) return message
  const routine = message === undefined ? undefined : /:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(message)?.[1]
  return routine ?? code.replace(/^ERR_(SSL|TLS)_/, "").replace(/_/g, " ").toLowerCase()
}

/** The host a url names (with its port when it gives one). */
export const hostOf = (url: string): string => {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

const hostnameOf = (url: string): string => {
  try {
    return new URL(url).hostname
  } catch {
    return url
  }
}

/** The words of a probe that got no answer before its deadline. */
export const noAnswer = (url: string, within: string): ProbeFailure =>
  probeFailure("timed-out", `timed out: no answer from ${hostOf(url)} within ${within}`)

/** A request that failed below HTTP (`error` is what the HTTP client failed with), for `url`. */
export const classifyRequestError = (error: unknown, url: string): ProbeFailure => {
  const errors = chain(error)
  const host = hostOf(url)
  for (const e of errors) {
    const code = codeOf(e)
    if (code === undefined) continue
    const reason = reasonOfCode(code)
    if (reason === undefined) continue
    switch (reason) {
      case "refused":
        return probeFailure(reason, `connection refused by ${host} (${code})`, { code })
      case "unknown-host": {
        const name = typeof e.hostname === "string" && e.hostname !== "" ? e.hostname : hostnameOf(url)
        const how = code === "EAI_AGAIN" ? "its DNS lookup failed for now" : "no DNS record"
        return probeFailure(reason, `unknown host ${name}: ${how} (${code})`, { code })
      }
      case "tls":
        return probeFailure(reason, `TLS: ${tlsComplaint(code, messageOf(e))} (${code}) at ${host}`, { code })
      case "timed-out":
        return probeFailure(
          reason,
          code === "UND_ERR_CONNECT_TIMEOUT" || code === "ETIMEDOUT"
            ? `timed out connecting to ${host} (${code})`
            : `timed out waiting for ${host} to answer (${code})`,
          { code }
        )
      case "reset":
        return probeFailure(
          reason,
          code === "UND_ERR_SOCKET"
            ? `connection reset: ${host} closed it without an answer (${code})`
            : `connection reset by ${host} (${code})`,
          { code }
        )
      default:
        break
    }
  }
  // Nothing says what happened: the innermost words, which are the most specific.
  const words = [...errors].reverse().map(messageOf).find((m) => m !== undefined && m !== "fetch failed") ??
    messageOf(errors[0] ?? {}) ?? "no detail"
  const code = errors.map(codeOf).find((c) => c !== undefined)
  return probeFailure(
    "other",
    `request to ${host} failed: ${words}${code === undefined || words.includes(code) ? "" : ` (${code})`}`,
    {
      code
    }
  )
}
