/**
 * Which monitoring receivers a run reports to, read from the environment alone (no
 * flags, no config keys): the variables the original Gehen, the Datadog agent, Sentry
 * and OpenTelemetry already define. Pure, so every rule is tested without a receiver.
 */

type Env = Readonly<Record<string, string | undefined>>

export interface DatadogSettings {
  /** DogStatsD over UDP: `DD_AGENT_HOST`, `DD_DOGSTATSD_PORT` (8125). */
  readonly host: string
  readonly port: number
  /** Datadog's unified service tags (`env:`, `service:`, `version:`) from `DD_ENV`, `DD_SERVICE`, `DD_VERSION`. */
  readonly unifiedTags: ReadonlyArray<string>
}

export interface SentrySettings {
  readonly dsn: string
  /** `SENTRY_ENVIRONMENT`, else `DD_ENV`. */
  readonly environment: string | undefined
}

/** A W3C trace context (`TRACEPARENT`): the span the run's root span is a child of. */
export interface TraceParent {
  readonly traceId: string
  readonly spanId: string
  readonly sampled: boolean
}

export type OtlpProtocol = "http/protobuf" | "http/json"

export interface TraceSettings {
  /** Where spans are POSTed: the traces endpoint as given, or `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. */
  readonly url: string
  readonly protocol: OtlpProtocol
  readonly headers: Readonly<Record<string, string>>
  readonly serviceName: string
  readonly resourceAttributes: Readonly<Record<string, string>>
  readonly parent: TraceParent | undefined
}

export interface MonitoringSettings {
  readonly datadog: DatadogSettings | undefined
  readonly sentry: SentrySettings | undefined
  readonly tracing: TraceSettings | undefined
  /** What was set but cannot be honoured (said once on stderr; the run goes on). */
  readonly notes: ReadonlyArray<string>
}

const nonEmpty = (value: string | undefined): string | undefined => {
  const v = value?.trim()
  return v === undefined || v === "" ? undefined : v
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/**
 * `key1=value1,key2=value2` as OpenTelemetry writes headers and resource attributes:
 * values percent-encoded, blanks around items ignored, items without `=` skipped.
 */
export const parseKeyValues = (value: string | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const item of (value ?? "").split(",")) {
    const at = item.indexOf("=")
    if (at <= 0) continue
    const key = decode(item.slice(0, at).trim())
    if (key === "") continue
    out[key] = decode(item.slice(at + 1).trim())
  }
  return out
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/

/** `00-<trace id>-<parent span id>-<flags>`; undefined when malformed or all-zero (W3C: start a new trace). */
export const parseTraceParent = (value: string | undefined): TraceParent | undefined => {
  const match = TRACEPARENT.exec(value?.trim().toLowerCase() ?? "")
  if (match === null) return undefined
  const [, version, traceId, spanId, flags] = match
  if (version === "ff" || /^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined
  // Version 00 has exactly four fields; later versions may append more.
  if (version === "00" && value!.trim().length !== 55) return undefined
  return { traceId: traceId!, spanId: spanId!, sampled: (parseInt(flags!, 16) & 1) === 1 }
}

const datadogSettings = (env: Env, notes: Array<string>): DatadogSettings | undefined => {
  const host = nonEmpty(env["DD_AGENT_HOST"])
  if (host === undefined) return undefined
  const portText = nonEmpty(env["DD_DOGSTATSD_PORT"])
  let port = 8125
  if (portText !== undefined) {
    const n = Number(portText)
    if (Number.isInteger(n) && n > 0 && n < 65536) port = n
    else notes.push(`DD_DOGSTATSD_PORT=${portText} is not a port; using 8125`)
  }
  const unifiedTags = (
    [["env", "DD_ENV"], ["service", "DD_SERVICE"], ["version", "DD_VERSION"]] as const
  ).flatMap(([tag, name]) => {
    const v = nonEmpty(env[name])
    return v === undefined ? [] : [`${tag}:${v}`]
  })
  return { host, port, unifiedTags }
}

/** `http(s)://<public key>@<host>/<project id>`, as Sentry gives it. */
const isDsn = (dsn: string): boolean => {
  try {
    const url = new URL(dsn)
    return (url.protocol === "https:" || url.protocol === "http:") && url.username !== "" &&
      /\/[^/]+$/.test(url.pathname)
  } catch {
    return false
  }
}

const sentrySettings = (env: Env, notes: Array<string>): SentrySettings | undefined => {
  const dsn = nonEmpty(env["SENTRY_DSN"])
  if (dsn === undefined) return undefined
  if (!isDsn(dsn)) {
    // Not echoed: a DSN carries a key.
    notes.push("SENTRY_DSN is not a Sentry DSN (https://<key>@<host>/<project>); nothing is sent to Sentry")
    return undefined
  }
  return { dsn, environment: nonEmpty(env["SENTRY_ENVIRONMENT"]) ?? nonEmpty(env["DD_ENV"]) }
}

const protocolOf = (env: Env, notes: Array<string>): OtlpProtocol => {
  const name = nonEmpty(env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]) !== undefined
    ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
    : "OTEL_EXPORTER_OTLP_PROTOCOL"
  const value = nonEmpty(env[name])
  if (value === undefined || value === "http/protobuf") return "http/protobuf"
  if (value === "http/json") return "http/json"
  notes.push(`${name}=${value} is not supported (http/protobuf or http/json); exporting traces over http/protobuf`)
  return "http/protobuf"
}

/** The traces endpoint: the signal-specific variable as given, else the base one with `/v1/traces`. */
const tracesUrl = (env: Env): string | undefined => {
  const specific = nonEmpty(env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"])
  if (specific !== undefined) return specific
  const base = nonEmpty(env["OTEL_EXPORTER_OTLP_ENDPOINT"])
  return base === undefined ? undefined : `${base.replace(/\/+$/, "")}/v1/traces`
}

const traceSettings = (env: Env, notes: Array<string>): TraceSettings | undefined => {
  const url = tracesUrl(env)
  if (url === undefined) return undefined
  if (nonEmpty(env["OTEL_SDK_DISABLED"])?.toLowerCase() === "true") return undefined
  const exporters = (nonEmpty(env["OTEL_TRACES_EXPORTER"]) ?? "otlp").split(",").map((e) => e.trim().toLowerCase())
  if (exporters.includes("none")) return undefined
  if (!exporters.includes("otlp")) {
    notes.push(`OTEL_TRACES_EXPORTER=${env["OTEL_TRACES_EXPORTER"]}: only otlp is supported; no traces are exported`)
    return undefined
  }
  try {
    const protocol = new URL(url).protocol
    if (protocol !== "http:" && protocol !== "https:") throw new Error(protocol)
  } catch {
    notes.push(`the OTLP traces endpoint ${url} is not an http(s) URL; no traces are exported`)
    return undefined
  }
  const parent = parseTraceParent(env["TRACEPARENT"])
  // The pipeline decided not to sample its trace: its parts are not recorded either.
  if (parent !== undefined && !parent.sampled) return undefined
  const resourceAttributes = parseKeyValues(env["OTEL_RESOURCE_ATTRIBUTES"])
  return {
    url,
    protocol: protocolOf(env, notes),
    headers: {
      ...parseKeyValues(env["OTEL_EXPORTER_OTLP_HEADERS"]),
      ...parseKeyValues(env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"])
    },
    serviceName: nonEmpty(env["OTEL_SERVICE_NAME"]) ?? resourceAttributes["service.name"] ?? "gehen",
    resourceAttributes,
    parent
  }
}

export const monitoringSettings = (env: Env): MonitoringSettings => {
  const notes: Array<string> = []
  const datadog = datadogSettings(env, notes)
  const sentry = sentrySettings(env, notes)
  const tracing = traceSettings(env, notes)
  return { datadog, sentry, tracing, notes }
}

/** Whether any receiver is configured: with none, nothing of monitoring is loaded. */
export const anyReceiver = (settings: MonitoringSettings): boolean =>
  settings.datadog !== undefined || settings.sentry !== undefined || settings.tracing !== undefined
