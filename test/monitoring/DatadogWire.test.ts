// A real UDP socket stands in for the Datadog agent; the bundled CLI deploys against the
// simulator over HTTP and the test reads what arrived, datagram by datagram.
import { afterAll, describe, expect, it } from "vitest"
import { parseDatagrams } from "./support/dogstatsd.js"
import { startUdp, type UdpReceiver } from "./support/receivers.js"
import { FAILING, MARKERS, type MonitoredWorld, SHA, startMonitoredWorld } from "./support/world.js"

const open: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()))
})

const ddEnv = (udp: UdpReceiver) => ({
  DD_AGENT_HOST: "127.0.0.1",
  DD_DOGSTATSD_PORT: String(udp.port),
  DD_ENV: "prod",
  DD_SERVICE: "deploys",
  DD_VERSION: "1.4.2"
})

const run = async (world: Promise<MonitoredWorld>) => {
  const [w, udp] = await Promise.all([world, startUdp()])
  open.push(w, udp)
  const result = await w.deploy(ddEnv(udp)).done
  // Datagrams sent just before the exit may still be in the socket's queue.
  await new Promise((r) => setTimeout(r, 100))
  return { result, udp, ...parseDatagrams(udp.datagrams) }
}

const API_TAGS = ["team:core", "tier:web", "gehen_service:api", "ecs_cluster:prod-a", "aws_region:us-east-1", `gitsha:${SHA}`, "env:prod", "service:deploys", "version:1.4.2"]
const WORKER_TAGS = ["team:jobs", "gehen_service:worker", "ecs_cluster:prod-b", "aws_region:us-west-2", `gitsha:${SHA}`, "env:prod", "service:deploys", "version:1.4.2"]
const NIGHTLY_TAGS = ["job:nightly", "gehen_scheduled_task:nightly", "aws_region:us-east-1", `gitsha:${SHA}`, "env:prod", "service:deploys", "version:1.4.2"]

describe.concurrent("DogStatsD to a real UDP socket", () => {
  it("a deploy: the original's events per service and step, with docker labels as tags, and the metrics", async () => {
    const { result, events, metrics, udp } = await run(startMonitoredWorld())
    expect(result.code).toBe(0)
    expect(result.stderr).not.toContain("monitoring")
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
      const tags = e.text.endsWith(" api") ? API_TAGS : e.text.endsWith(" worker") ? WORKER_TAGS : NIGHTLY_TAGS
      expect(e.tags).toEqual(tags)
      // The original sent no alert type: info.
      expect(e.alertType).toBeUndefined()
    }
    // The log configuration label is not a tag; the sidecar's labels are not the first container's.
    expect(udp.datagrams.join("\n")).not.toContain("com.datadoghq.ad.logs")
    expect(udp.datagrams.join("\n")).not.toContain("team:sidecar")

    const byName = (name: string) => metrics.filter((m) => m.name === name)
    expect(byName("gehen.deploy.count")).toEqual([
      { name: "gehen.deploy.count", value: 1, type: "c", tags: ["outcome:deployed", "update_strategy:current", "env:prod", "service:deploys", "version:1.4.2"] }
    ])
    const [duration] = byName("gehen.deploy.duration")
    expect(duration).toMatchObject({ type: "d", tags: ["outcome:deployed", "update_strategy:current", "env:prod", "service:deploys", "version:1.4.2"] })
    expect(duration!.value).toBeGreaterThan(0)
    expect(duration!.value).toBeLessThan(30)
    const phases = byName("gehen.phase.duration")
    expect(phases.every((m) => m.type === "d" && m.value >= 0)).toBe(true)
    const phaseOf = (target: string) => phases.filter((m) => m.tags.includes(target)).map((m) => m.tags[0])
    expect(phaseOf("gehen_service:api")).toEqual(["phase:register", "phase:update", "phase:version-check", "phase:drain"])
    expect(phaseOf("gehen_service:worker")).toEqual(["phase:register", "phase:update", "phase:drain"])
    expect(phaseOf("gehen_scheduled_task:nightly")).toEqual(["phase:register", "phase:update"])
    expect(phases.find((m) => m.tags[0] === "phase:plan")?.tags).toEqual(["phase:plan", "status:succeeded", "env:prod", "service:deploys", "version:1.4.2"])
    expect(metrics.flatMap((m) => m.tags).some((t) => t.startsWith("gitsha:"))).toBe(false)
  })

  it("a rolled-back deploy: rollback events per target, gehen.deploys.failed (error) naming each outcome, metrics by outcome", async () => {
    const { result, events, metrics, udp } = await run(startMonitoredWorld({ [SHA]: FAILING }))
    expect(result.code).toBe(1)
    const texts = events.map((e) => `${e.title}: ${e.text.split("\n")[0]}`)
    for (const t of ["api", "worker"]) {
      expect(texts).toContain(`gehen.rollbacks.started: Gehen started a rollback for service ${t}`)
      expect(texts).toContain(`gehen.rollbacks.draining: Gehen is checking for service rollback drain on ${t}`)
      expect(texts).toContain(`gehen.rollbacks.completed: Gehen successfully rolled back ${t}`)
    }
    expect(texts).toContain("gehen.rollbacks.started: Gehen started a rollback for scheduled task nightly")
    expect(texts).toContain("gehen.rollbacks.completed: Gehen successfully rolled back nightly")
    expect(texts.some((t) => t.startsWith("gehen.deploys.completed"))).toBe(false)
    // Rollback events carry the tags of the revision that was tried.
    expect(events.find((e) => e.title === "gehen.rollbacks.completed" && e.text.endsWith(" api"))?.tags).toEqual(API_TAGS)

    const failed = events.filter((e) => e.title === "gehen.deploys.failed")
    expect(failed).toHaveLength(1)
    expect(failed[0]!.alertType).toBe("error")
    const lines = failed[0]!.text.split("\n")
    expect(lines[0]).toMatch(new RegExp(`^Gehen failed to deploy ${SHA} \\(failed, exit 1\\): api \\(prod-a\\): .*UNHEALTHY`))
    expect(lines.slice(1).map((l) => /^\S+ \([^)]*\): [a-z-]+/.exec(l)?.[0])).toEqual([
      "api (prod-a): rolled-back",
      "worker (prod-b): rolled-back",
      "nightly (scheduled task): rolled-back"
    ])
    expect([...failed[0]!.tags].sort()).toEqual([
      "outcome:failed", `gitsha:${SHA}`, "gehen_service:api", "ecs_cluster:prod-a", "gehen_service:worker", "ecs_cluster:prod-b",
      "gehen_scheduled_task:nightly", "env:prod", "service:deploys", "version:1.4.2"
    ].sort())
    expect(metrics.find((m) => m.name === "gehen.deploy.count")?.tags[0]).toBe("outcome:failed")
    expect(metrics.find((m) => m.name === "gehen.phase.duration" && m.tags.includes("phase:rollback-drain"))).toBeDefined()
    for (const marker of Object.values(MARKERS)) expect(udp.datagrams.join("\n")).not.toContain(marker)
  })
})
