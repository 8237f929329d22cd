import { describe, expect, it } from "vitest"
import { anyReceiver, monitoringSettings, parseKeyValues, parseTraceParent } from "../../src/monitoring/Settings.js"

describe("monitoring settings from the environment", () => {
  it("nothing set: no receiver, nothing to say", () => {
    const s = monitoringSettings({ PATH: "/usr/bin", HOME: "/root" })
    expect(anyReceiver(s)).toBe(false)
    expect(s.notes).toEqual([])
  })

  it("DD_AGENT_HOST: DogStatsD on port 8125 unless DD_DOGSTATSD_PORT says otherwise; unified tags from DD_ENV, DD_SERVICE, DD_VERSION", () => {
    expect(monitoringSettings({ DD_AGENT_HOST: "agent" }).datadog).toEqual({
      host: "agent",
      port: 8125,
      unifiedTags: []
    })
    expect(
      monitoringSettings({
        DD_AGENT_HOST: "10.0.0.1",
        DD_DOGSTATSD_PORT: "9125",
        DD_ENV: "prod",
        DD_SERVICE: "deploys",
        DD_VERSION: "1.2"
      })
        .datadog
    ).toEqual({ host: "10.0.0.1", port: 9125, unifiedTags: ["env:prod", "service:deploys", "version:1.2"] })
    const bad = monitoringSettings({ DD_AGENT_HOST: "agent", DD_DOGSTATSD_PORT: "udp" })
    expect(bad.datadog?.port).toBe(8125)
    expect(bad.notes).toEqual(["DD_DOGSTATSD_PORT=udp is not a port; using 8125"])
    expect(monitoringSettings({ DD_AGENT_HOST: "  " }).datadog).toBeUndefined()
  })

  it("SENTRY_DSN: a DSN, its environment from SENTRY_ENVIRONMENT or DD_ENV; a malformed one is said, not echoed", () => {
    expect(monitoringSettings({ SENTRY_DSN: "https://key@o1.ingest.sentry.io/42", DD_ENV: "prod" }).sentry)
      .toEqual({ dsn: "https://key@o1.ingest.sentry.io/42", environment: "prod" })
    expect(
      monitoringSettings({ SENTRY_DSN: "https://key@sentry.example/42", SENTRY_ENVIRONMENT: "staging", DD_ENV: "prod" })
        .sentry?.environment
    )
      .toBe("staging")
    const bad = monitoringSettings({ SENTRY_DSN: "secretkey-without-a-host" })
    expect(bad.sentry).toBeUndefined()
    expect(bad.notes.join()).toContain("SENTRY_DSN is not a Sentry DSN")
    expect(bad.notes.join()).not.toContain("secretkey")
  })

  it("OTLP: the base endpoint gets /v1/traces, the traces endpoint is taken as it is; http/protobuf unless http/json", () => {
    const base = monitoringSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }).tracing
    expect(base).toMatchObject({
      url: "http://collector:4318/v1/traces",
      protocol: "http/protobuf",
      serviceName: "gehen",
      parent: undefined
    })
    const specific = monitoringSettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example/ingest",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json"
    }).tracing
    expect(specific).toMatchObject({ url: "https://traces.example/ingest", protocol: "http/json" })
    const grpc = monitoringSettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4317",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc"
    })
    expect(grpc.tracing?.protocol).toBe("http/protobuf")
    expect(grpc.notes).toEqual([
      "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported (http/protobuf or http/json); exporting traces over http/protobuf"
    ])
  })

  it("OTLP headers, service name and resource attributes as OpenTelemetry writes them (percent-encoded values)", () => {
    const t = monitoringSettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=abc%3D%3D, x-team=core",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=deploys",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,service.name=from-attributes,team=a%2Cb"
    }).tracing
    expect(t?.headers).toEqual({ "x-api-key": "abc==", "x-team": "deploys" })
    expect(t?.resourceAttributes).toEqual({
      "deployment.environment": "prod",
      "service.name": "from-attributes",
      team: "a,b"
    })
    // OTEL_SERVICE_NAME wins over service.name in the attributes, which wins over the default.
    expect(t?.serviceName).toBe("from-attributes")
    expect(
      monitoringSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318",
        OTEL_SERVICE_NAME: "ci-deploys",
        OTEL_RESOURCE_ATTRIBUTES: "service.name=x"
      }).tracing?.serviceName
    )
      .toBe("ci-deploys")
  })

  it("OTEL_TRACES_EXPORTER=none, OTEL_SDK_DISABLED=true and an unsampled TRACEPARENT export nothing", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }
    expect(monitoringSettings({ ...endpoint, OTEL_TRACES_EXPORTER: "none" }).tracing).toBeUndefined()
    expect(monitoringSettings({ ...endpoint, OTEL_SDK_DISABLED: "true" }).tracing).toBeUndefined()
    expect(
      monitoringSettings({ ...endpoint, TRACEPARENT: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00" })
        .tracing
    ).toBeUndefined()
    const zipkin = monitoringSettings({ ...endpoint, OTEL_TRACES_EXPORTER: "zipkin" })
    expect(zipkin.tracing).toBeUndefined()
    expect(zipkin.notes).toHaveLength(1)
    expect(monitoringSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }).tracing).toBeUndefined()
  })

  it("TRACEPARENT: the W3C trace context the run's root span is a child of", () => {
    expect(parseTraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
      .toEqual({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", sampled: true })
    expect(parseTraceParent("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-03")?.sampled).toBe(true)
    for (
      const bad of [
        undefined,
        "",
        "garbage",
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra"
      ]
    ) {
      expect(parseTraceParent(bad)).toBeUndefined()
    }
    // A later version may carry more fields.
    expect(parseTraceParent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra")?.spanId).toBe(
      "b7ad6b7169203331"
    )
  })

  it("key=value lists skip what has no key", () => {
    expect(parseKeyValues("a=1,,=2,b,c= 3 ")).toEqual({ a: "1", c: "3" })
    expect(parseKeyValues(undefined)).toEqual({})
  })
})
