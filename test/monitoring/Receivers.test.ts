// Real receivers for two runs of the bundled CLI against the simulator over HTTP, one
// deployed and one rolled back, each reporting to all three at once: a UDP socket stands
// in for the Datadog agent, a local HTTP endpoint for an OpenTelemetry collector (protobuf
// for one run, JSON for the other) and another for Sentry's DSN. The tests read what
// arrived on the wire.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Run } from "../support/subprocess.js"
import { waitFor } from "../support/waitFor.js"
import { parseDatagrams } from "./support/dogstatsd.js"
import { decodeExports, OTLP_STATUS, spanTree } from "./support/otlp.js"
import { type HttpReceiver, startHttp, startUdp, type UdpReceiver } from "./support/receivers.js"
import { FAILING, MARKERS, SHA, startMonitoredWorld } from "./support/world.js"

const PIPELINE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
const PIPELINE_SPAN = "00f067aa0ba902b7"

interface Observed {
  readonly run: Run
  readonly udp: UdpReceiver
  readonly collector: HttpReceiver
  readonly sentry: HttpReceiver
}

const open: Array<{ close: () => Promise<void> }> = []

const observe = async (
  byTag: Parameters<typeof startMonitoredWorld>[0],
  otlp: (collector: HttpReceiver) => Record<string, string>
): Promise<Observed> => {
  const [w, udp, collector, sentry] = await Promise.all([
    startMonitoredWorld(byTag),
    startUdp(),
    startHttp(),
    startHttp()
  ])
  open.push(w, udp, collector, sentry)
  const run = await w.deploy({
    DD_AGENT_HOST: "127.0.0.1",
    DD_DOGSTATSD_PORT: String(udp.port),
    DD_ENV: "prod",
    DD_SERVICE: "deploys",
    DD_VERSION: "1.4.2",
    SENTRY_DSN: `http://publickey@127.0.0.1:${sentry.port}/42`,
    SENTRY_ENVIRONMENT: "production",
    ...otlp(collector)
  }).done
  // Datagrams sent just before the exit may still be in this process's socket queue: the
  // run's count metric is the last one sent.
  await waitFor(() => udp.datagrams.some((d) => d.startsWith("gehen.deploy.count:")), "the run's count metric")
  return { run, udp, collector, sentry }
}

let deployed: Observed
let failed: Observed
beforeAll(async () => {
  ;[deployed, failed] = await Promise.all([
    observe(
      {},
      (c) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${c.url}/otlp`, TRACEPARENT: `00-${PIPELINE_TRACE}-${PIPELINE_SPAN}-01` })
    ),
    observe({ [SHA]: FAILING }, (c) => ({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${c.url}/custom/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=k%3Dey,x-team=deploys",
      OTEL_SERVICE_NAME: "ci-deploys",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,team=core"
    }))
  ])
})
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()))
})

describe("the runs", () => {
  it("end as they would without monitoring, with nothing on stderr about it", () => {
    expect(deployed.run.code).toBe(0)
    expect(failed.run.code).toBe(1)
    for (const { run } of [deployed, failed]) expect(run.stderr).not.toContain("monitoring")
  })

  it("send no marker secret (task-definition environment and secrets, AWS credentials, the process environment) to any receiver", () => {
    for (const o of [deployed, failed]) {
      const sent = [
        ...o.udp.datagrams,
        ...[...o.collector.requests, ...o.sentry.requests].map((r) => r.body.toString("utf8"))
      ].join("\n")
      for (const marker of [...Object.values(MARKERS), "AKIDCIRUNNER"]) expect(sent).not.toContain(marker)
    }
  })
})

const API_TAGS = [
  "team:core",
  "tier:web",
  "gehen_service:api",
  "ecs_cluster:prod-a",
  "aws_region:us-east-1",
  `gitsha:${SHA}`,
  "env:prod",
  "service:deploys",
  "version:1.4.2"
]
const WORKER_TAGS = [
  "team:jobs",
  "gehen_service:worker",
  "ecs_cluster:prod-b",
  "aws_region:us-west-2",
  `gitsha:${SHA}`,
  "env:prod",
  "service:deploys",
  "version:1.4.2"
]
const NIGHTLY_TAGS = [
  "job:nightly",
  "gehen_scheduled_task:nightly",
  "aws_region:us-east-1",
  `gitsha:${SHA}`,
  "env:prod",
  "service:deploys",
  "version:1.4.2"
]

describe("DogStatsD to a real UDP socket", () => {
  it("a deploy: the original's events per service and step, with docker labels as tags, and the metrics", () => {
    const { events, metrics } = parseDatagrams(deployed.udp.datagrams)
    const texts = events.map((e) => `${e.title}: ${e.text}`)
    expect([...texts].sort()).toEqual([
      "gehen.deploys.completed: Gehen successfully deployed api",
      "gehen.deploys.completed: Gehen successfully deployed nightly",
      "gehen.deploys.completed: Gehen successfully deployed worker",
      "gehen.deploys.draining: Gehen is checking for service drain on api",
      "gehen.deploys.draining: Gehen is checking for service drain on worker",
      "gehen.deploys.started: Gehen started a deploy for scheduled task nightly",
      "gehen.deploys.started: Gehen started a deploy for service api",
      "gehen.deploys.started: Gehen started a deploy for service worker"
    ])
    // Each step in order, per target.
    expect(texts.filter((t) => t.endsWith(" api"))).toEqual([
      "gehen.deploys.started: Gehen started a deploy for service api",
      "gehen.deploys.draining: Gehen is checking for service drain on api",
      "gehen.deploys.completed: Gehen successfully deployed api"
    ])
    for (const e of events) {
      expect(e.tags).toEqual(
        e.text.endsWith(" api") ? API_TAGS : e.text.endsWith(" worker") ? WORKER_TAGS : NIGHTLY_TAGS
      )
      // The original sent no alert type: info.
      expect(e.alertType).toBeUndefined()
    }
    // The log configuration label is not a tag; the sidecar's labels are not the first container's.
    expect(deployed.udp.datagrams.join("\n")).not.toContain("com.datadoghq.ad.logs")
    expect(deployed.udp.datagrams.join("\n")).not.toContain("team:sidecar")

    const byName = (name: string) => metrics.filter((m) => m.name === name)
    const runTags = ["outcome:deployed", "update_strategy:current", "env:prod", "service:deploys", "version:1.4.2"]
    expect(byName("gehen.deploy.count")).toEqual([{ name: "gehen.deploy.count", value: 1, type: "c", tags: runTags }])
    const [duration] = byName("gehen.deploy.duration")
    expect(duration).toMatchObject({ type: "d", tags: runTags })
    expect(duration!.value).toBeGreaterThan(0)
    expect(duration!.value).toBeLessThan(30)
    const phases = byName("gehen.phase.duration")
    expect(phases.every((m) => m.type === "d" && m.value >= 0)).toBe(true)
    const phaseOf = (target: string) => phases.filter((m) => m.tags.includes(target)).map((m) => m.tags[0])
    expect(phaseOf("gehen_service:api")).toEqual([
      "phase:register",
      "phase:update",
      "phase:version-check",
      "phase:drain"
    ])
    expect(phaseOf("gehen_service:worker")).toEqual(["phase:register", "phase:update", "phase:drain"])
    expect(phaseOf("gehen_scheduled_task:nightly")).toEqual(["phase:register", "phase:update"])
    expect(phases.find((m) => m.tags[0] === "phase:plan")?.tags).toEqual([
      "phase:plan",
      "status:succeeded",
      "env:prod",
      "service:deploys",
      "version:1.4.2"
    ])
    // No sha among the metrics' tags: each commit would make new time series.
    expect(metrics.flatMap((m) => m.tags).some((t) => t.startsWith("gitsha:"))).toBe(false)
  })

  it("a rolled-back deploy: rollback events per target, gehen.deploys.failed (error) naming each outcome, metrics by outcome", () => {
    const { events, metrics } = parseDatagrams(failed.udp.datagrams)
    const texts = events.map((e) => `${e.title}: ${e.text.split("\n")[0]}`)
    for (const t of ["api", "worker"]) {
      expect(texts).toContain(`gehen.rollbacks.started: Gehen started a rollback for service ${t}`)
      expect(texts).toContain(`gehen.rollbacks.draining: Gehen is checking for service rollback drain on ${t}`)
      expect(texts).toContain(`gehen.rollbacks.completed: Gehen successfully rolled back ${t}`)
    }
    expect(texts).toContain("gehen.rollbacks.started: Gehen started a rollback for scheduled task nightly")
    expect(texts).toContain("gehen.rollbacks.completed: Gehen successfully rolled back nightly")
    expect(texts.some((t) => t.startsWith("gehen.deploys.completed"))).toBe(false)
    // The failing rollout was caught while api's version was checked: no drain check ran.
    expect(texts.some((t) => t.startsWith("gehen.deploys.draining"))).toBe(false)
    // Rollback events carry the tags of the revision that was tried.
    expect(events.find((e) => e.title === "gehen.rollbacks.completed" && e.text.endsWith(" api"))?.tags).toEqual(
      API_TAGS
    )

    const failures = events.filter((e) => e.title === "gehen.deploys.failed")
    expect(failures).toHaveLength(1)
    expect(failures[0]!.alertType).toBe("error")
    const lines = failures[0]!.text.split("\n")
    // Both services' new tasks turn UNHEALTHY: the one found first names the failure.
    expect(lines[0]).toMatch(
      new RegExp(
        `^Gehen failed to deploy ${SHA} \\(failed, exit 1\\): (api \\(prod-a\\)|worker \\(prod-b\\)): .*UNHEALTHY`
      )
    )
    expect(lines.slice(1).map((l) => /^\S+ \([^)]*\): [a-z-]+/.exec(l)?.[0])).toEqual([
      "api (prod-a): rolled-back",
      "worker (prod-b): rolled-back",
      "nightly (scheduled task): rolled-back"
    ])
    expect([...failures[0]!.tags].sort()).toEqual([
      "outcome:failed",
      `gitsha:${SHA}`,
      "gehen_service:api",
      "ecs_cluster:prod-a",
      "gehen_service:worker",
      "ecs_cluster:prod-b",
      "gehen_scheduled_task:nightly",
      "env:prod",
      "service:deploys",
      "version:1.4.2"
    ].sort())
    expect(metrics.find((m) => m.name === "gehen.deploy.count")?.tags[0]).toBe("outcome:failed")
    expect(metrics.find((m) => m.name === "gehen.phase.duration" && m.tags.includes("phase:rollback-drain")))
      .toBeDefined()
  })
})

describe("OTLP traces to a local collector", () => {
  it("a deploy under the pipeline's TRACEPARENT: one trace, the root span a child of it, targets, phases, calls (protobuf)", () => {
    const { collector } = deployed
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
    expect(tree.children(plan).map((s) => s.name)).toEqual(
      expect.arrayContaining(["ECS.DescribeServices", "ECS.DescribeTaskDefinition", "EventBridge.ListTargetsByRule"])
    )

    // One span per target under the root, one per phase under it.
    const targets = tree.children(root).filter((s) => s.attributes["gehen.target.kind"] !== undefined)
    expect(targets.map((s) => s.name).sort()).toEqual(["api (prod-a)", "nightly (scheduled task)", "worker (prod-b)"])
    const api = tree.one("api (prod-a)")
    expect(api.attributes).toMatchObject({
      "gehen.target.kind": "service",
      "gehen.target.name": "api",
      "gehen.ecs.cluster": "prod-a",
      "cloud.region": "us-east-1",
      "gehen.target.outcome": "deployed"
    })
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
    expect(tree.children(update)).toMatchObject([{
      name: "ECS.UpdateService",
      kind: 3,
      attributes: {
        "rpc.system": "aws-api",
        "rpc.service": "ECS",
        "rpc.method": "UpdateService",
        "cloud.region": "us-east-1",
        "aws.attempts": 1
      }
    }])
    expect(
      tree.children(tree.children(tree.one("nightly (scheduled task)")).find((s) => s.name === "update")!).map((s) =>
        s.name
      )
    )
      .toEqual(["EventBridge.PutTargets"])
    // The version check's requests: a probe span each, its HTTP request a client span under it.
    const probes = tree.children(tree.children(api).find((s) => s.name === "version-check")!)
    expect(probes.length).toBeGreaterThan(0)
    expect(probes.every((p) => p.name === "version probe")).toBe(true)
    expect(probes.at(-1)?.attributes["gehen.served_version"]).toBe(SHA)
    expect(tree.children(probes.at(-1)!)).toMatchObject([{
      name: "http.client GET",
      kind: 3,
      attributes: { "http.response.status_code": 200 }
    }])
  })

  it("a failed deploy over http/json with the standard variables: headers, service name, resource attributes; error statuses and events", () => {
    const { collector } = failed
    expect(collector.requests.length).toBeGreaterThan(0)
    for (const r of collector.requests) {
      expect(r.path).toBe("/custom/traces")
      expect(r.headers["content-type"]).toBe("application/json")
      expect(r.headers["x-api-key"]).toBe("k=ey")
      expect(r.headers["x-team"]).toBe("deploys")
    }
    const exports = decodeExports(collector.requests)
    expect(exports[0]?.resource).toMatchObject({
      "service.name": "ci-deploys",
      "deployment.environment": "prod",
      team: "core"
    })
    const tree = spanTree(exports)
    const root = tree.one("gehen deploy")
    // No TRACEPARENT: the run is a trace of its own.
    expect(root.parentSpanId).toBe("")
    expect(root.status.code).toBe(OTLP_STATUS.error)
    expect(root.status.message).toMatch(/UNHEALTHY/)
    expect(root.events.map((e) => e.name)).toContain("exception")
    expect(root.attributes).toMatchObject({
      "gehen.outcome": "failed",
      "gehen.exit_code": 1,
      "gehen.targets.rolled-back": 3
    })

    const api = tree.one("api (prod-a)")
    expect(api.attributes["gehen.target.outcome"]).toBe("rolled-back")
    const phases = tree.children(api)
    expect(phases.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        "register",
        "update",
        "version-check",
        "rollback",
        "rollback-version-check",
        "rollback-drain"
      ])
    )
    // Both services' new tasks turn UNHEALTHY; the one found first failed, its span and
    // the phase the run was in when it was seen (the version check, or the drain after it).
    const culprits = [api, tree.one("worker (prod-b)")].filter((t) => t.status.code === OTLP_STATUS.error)
    expect(culprits.length).toBeGreaterThan(0)
    const failing = tree.children(culprits[0]!).filter((s) => s.attributes["gehen.phase.status"] === "failed")
    expect(failing).toHaveLength(1)
    expect(["version-check", "drain"]).toContain(failing[0]!.name)
    expect(failing[0]!.status).toMatchObject({ code: OTLP_STATUS.error, message: expect.stringMatching(/UNHEALTHY/) })
    // Observations while a phase ran are its events: what the progress said (how many
    // there are depends on how the polls fell, so on the machine's load).
    const observed = [...tree.children(api), ...tree.children(tree.one("worker (prod-b)"))]
      .flatMap((s) => s.events.map((e) => e.name))
      // A failed span's own event, the error's.
      .filter((name) => name !== "exception")
    expect(observed.length).toBeGreaterThan(0)
    for (const e of observed) expect(failed.run.stderr).toContain(e)
    expect(tree.children(phases.find((s) => s.name === "rollback")!).map((s) => s.name)).toEqual(["ECS.UpdateService"])
    // A target that only followed the others back is not a failure of its own.
    expect(tree.one("nightly (scheduled task)").status.code).toBe(OTLP_STATUS.ok)
  })
})

/** An envelope: a header line, then item header and payload lines. */
const envelope = (body: Buffer) => {
  const [header, ...items] = body.toString("utf8").split("\n").filter((l) => l !== "")
  const parsed = items.map((l) => JSON.parse(l) as Record<string, unknown>)
  return {
    header: JSON.parse(header!) as Record<string, unknown>,
    items: parsed.filter((_, i) => i % 2 === 0),
    payloads: parsed.filter((_, i) => i % 2 === 1)
  }
}

describe("Sentry through a local DSN", () => {
  it("a failed deploy: one event with the outcome, sha, targets and phase timings, and nothing of the process", () => {
    expect(failed.sentry.requests).toHaveLength(1)
    const [request] = failed.sentry.requests
    expect(request!.path).toMatch(/^\/api\/42\/envelope\//)
    const { header, items, payloads } = envelope(request!.body)
    expect(header["sdk"]).toMatchObject({ name: "sentry.javascript.node" })
    expect(items).toEqual([{ type: "event" }])
    const event = payloads[0]!
    expect(event).toMatchObject({
      level: "error",
      logger: "gehen",
      release: "gehen@0.1.0",
      environment: "production",
      message: expect.stringMatching(
        new RegExp(`^gehen deploy failed: ${SHA}: (api \\(prod-a\\)|worker \\(prod-b\\)): .*UNHEALTHY`)
      ),
      tags: { outcome: "failed", gitsha: SHA, update_strategy: "current", exit_code: "1" },
      fingerprint: ["gehen", "deploy failed", "failed"]
    })
    const contexts = event["contexts"] as Record<string, Record<string, unknown>>
    expect(contexts["run"]).toMatchObject({ outcome: "failed", exitCode: 1, gitsha: SHA })
    expect(Object.keys(contexts["targets"]!).sort()).toEqual([
      "api (prod-a)",
      "nightly (scheduled task)",
      "worker (prod-b)"
    ])
    expect(contexts["targets"]!["api (prod-a)"]).toMatchObject({
      outcome: "rolled-back",
      phases: expect.stringContaining("rollback-drain succeeded")
    })
    // No integration ran: no breadcrumbs, modules, request or extra data.
    for (const key of ["breadcrumbs", "modules", "request", "extra", "user"]) expect(event[key]).toBeUndefined()
  })

  it("a deploy that went through sends nothing", () => {
    expect(deployed.sentry.requests).toEqual([])
  })
})
