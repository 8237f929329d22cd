// A local HTTP endpoint stands in for an OpenTelemetry collector: the bundled CLI deploys
// against the simulator over HTTP, and the test decodes what it exported (protobuf by
// default, JSON when asked) into the run's span tree.
import { afterAll, describe, expect, it } from "vitest"
import { decodeExports, OTLP_STATUS, spanTree } from "./support/otlp.js"
import { startHttp } from "./support/receivers.js"
import { FAILING, MARKERS, SHA, startMonitoredWorld } from "./support/world.js"

const open: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()))
})

const PIPELINE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
const PIPELINE_SPAN = "00f067aa0ba902b7"

describe.concurrent("OTLP traces to a local collector", () => {
  it("a deploy under the pipeline's TRACEPARENT: one trace, the root span a child of it, targets, phases, calls (protobuf)", async () => {
    const [w, collector] = await Promise.all([startMonitoredWorld(), startHttp()])
    open.push(w, collector)
    const run = await w.deploy({
      OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/otlp`,
      TRACEPARENT: `00-${PIPELINE_TRACE}-${PIPELINE_SPAN}-01`
    }).done
    expect(run.code).toBe(0)
    expect(run.stderr).not.toContain("monitoring")
    expect(collector.requests.every((r) => r.method === "POST" && r.path === "/otlp/v1/traces")).toBe(true)
    expect(collector.requests[0]?.headers["content-type"]).toBe("application/x-protobuf")

    const exports = decodeExports(collector.requests)
    expect(exports[0]?.resource).toMatchObject({ "service.name": "gehen", "service.version": expect.any(String) })
    const tree = spanTree(exports)
    expect(new Set(tree.spans.map((s) => s.traceId))).toEqual(new Set([PIPELINE_TRACE]))

    const root = tree.one("gehen deploy")
    expect(root.parentSpanId).toBe(PIPELINE_SPAN)
    expect(root.status.code).toBe(OTLP_STATUS.ok)
    expect(root.attributes).toMatchObject({
      "gehen.gitsha": SHA,
      "gehen.update_strategy": "current",
      "gehen.services.count": 2,
      "gehen.scheduled_tasks.count": 1,
      "gehen.outcome": "deployed",
      "gehen.exit_code": 0,
      "gehen.targets.deployed": 3
    })

    // The plan under the root, with its reads.
    const plan = tree.one("plan")
    expect(plan.parentSpanId).toBe(root.spanId)
    expect(tree.children(plan).map((s) => s.name)).toEqual(expect.arrayContaining(["ECS.DescribeServices", "ECS.DescribeTaskDefinition", "EventBridge.ListTargetsByRule"]))

    // One span per target under the root, one per phase under it.
    const targets = tree.children(root).filter((s) => s.attributes["gehen.target.kind"] !== undefined)
    expect(targets.map((s) => s.name).sort()).toEqual(["api (prod-a)", "nightly (scheduled task)", "worker (prod-b)"])
    const api = tree.one("api (prod-a)")
    expect(api.attributes).toMatchObject({ "gehen.target.kind": "service", "gehen.target.name": "api", "gehen.ecs.cluster": "prod-a", "cloud.region": "us-east-1", "gehen.target.outcome": "deployed" })
    expect(tree.children(api).map((s) => s.name)).toEqual(["register", "update", "version-check", "drain"])
    expect(tree.children(tree.one("nightly (scheduled task)")).map((s) => s.name)).toEqual(["register", "update"])
    for (const phase of tree.children(api)) {
      expect(phase.status.code).toBe(OTLP_STATUS.ok)
      expect(phase.attributes["gehen.phase.status"]).toBe("succeeded")
      expect(phase.startNanos).toBeLessThanOrEqual(phase.endNanos)
      expect(phase.startNanos).toBeGreaterThanOrEqual(api.startNanos)
    }

    // Each AWS call of a target under its phase, as an AWS SDK client span.
    const update = tree.children(api).find((s) => s.name === "update")!
    const [call] = tree.children(update)
    expect(call).toMatchObject({
      name: "ECS.UpdateService",
      kind: 3,
      attributes: { "rpc.system": "aws-api", "rpc.service": "ECS", "rpc.method": "UpdateService", "cloud.region": "us-east-1", "aws.attempts": 1 }
    })
    expect(tree.children(tree.children(tree.one("nightly (scheduled task)")).find((s) => s.name === "update")!).map((s) => s.name))
      .toEqual(["EventBridge.PutTargets"])
    // The version check's requests: a probe span each, its HTTP request a client span under it.
    const versionCheck = tree.children(api).find((s) => s.name === "version-check")!
    const probes = tree.children(versionCheck)
    expect(probes.length).toBeGreaterThan(0)
    expect(probes.every((p) => p.name === "version probe")).toBe(true)
    expect(probes.at(-1)?.attributes["gehen.served_version"]).toBe(SHA)
    expect(tree.children(probes.at(-1)!)).toMatchObject([{ name: "http.client GET", kind: 3, attributes: { "http.response.status_code": 200 } }])
    for (const marker of Object.values(MARKERS)) expect(Buffer.concat(collector.requests.map((r) => r.body)).toString()).not.toContain(marker)
  })

  it("a failed deploy over http/json with the standard variables: headers, service name, resource attributes; error statuses and events", async () => {
    const [w, collector] = await Promise.all([startMonitoredWorld({ [SHA]: FAILING }), startHttp()])
    open.push(w, collector)
    const run = await w.deploy({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/custom/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=k%3Dey,x-team=deploys",
      OTEL_SERVICE_NAME: "ci-deploys",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,team=core"
    }).done
    expect(run.code).toBe(1)
    expect(collector.requests.length).toBeGreaterThan(0)
    for (const r of collector.requests) {
      expect(r.path).toBe("/custom/traces")
      expect(r.headers["content-type"]).toBe("application/json")
      expect(r.headers["x-api-key"]).toBe("k=ey")
      expect(r.headers["x-team"]).toBe("deploys")
    }
    const exports = decodeExports(collector.requests)
    expect(exports[0]?.resource).toMatchObject({ "service.name": "ci-deploys", "deployment.environment": "prod", team: "core" })
    const tree = spanTree(exports)
    const root = tree.one("gehen deploy")
    // No TRACEPARENT: the run is a trace of its own.
    expect(root.parentSpanId).toBe("")
    expect(root.status.code).toBe(OTLP_STATUS.error)
    expect(root.status.message).toMatch(/UNHEALTHY/)
    expect(root.events.map((e) => e.name)).toContain("exception")
    expect(root.attributes).toMatchObject({ "gehen.outcome": "failed", "gehen.exit_code": 1, "gehen.targets.rolled-back": 3 })

    const api = tree.one("api (prod-a)")
    expect(api.status.code).toBe(OTLP_STATUS.error)
    expect(api.attributes["gehen.target.outcome"]).toBe("rolled-back")
    const phases = tree.children(api)
    expect(phases.map((s) => s.name)).toEqual(expect.arrayContaining(["register", "update", "version-check", "drain", "rollback", "rollback-version-check", "rollback-drain"]))
    const drain = phases.find((s) => s.name === "drain")!
    expect(drain.status).toMatchObject({ code: OTLP_STATUS.error, message: expect.stringMatching(/UNHEALTHY/) })
    expect(drain.attributes["gehen.phase.status"]).toBe("failed")
    // Observations while a phase ran are its events.
    expect(phases.find((s) => s.name === "rollback-drain")!.events.length).toBeGreaterThan(0)
    expect(tree.children(phases.find((s) => s.name === "rollback")!).map((s) => s.name)).toEqual(["ECS.UpdateService"])
    // A target that only followed the others back is not a failure of its own.
    expect(tree.one("nightly (scheduled task)").status.code).toBe(OTLP_STATUS.ok)
  })
})
