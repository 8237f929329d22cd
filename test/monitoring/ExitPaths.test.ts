// Every way a run ends reaches the receivers before the process exits: a signal while
// the new version drains (rolled back, exit 130) and a plan that stops the run (exit 1).
import { afterAll, describe, expect, it } from "vitest"
import { startCli, writeConfig } from "../support/subprocess.js"
import { waitFor } from "../support/waitFor.js"
import { parseDatagrams } from "./support/dogstatsd.js"
import { decodeExports, OTLP_STATUS, spanTree } from "./support/otlp.js"
import { startHttp, startUdp } from "./support/receivers.js"
import { NEVER_DRAINS, SHA, startMonitoredWorld } from "./support/world.js"

const open: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()))
})

/** Datagrams sent just before the exit may still be in this process's socket queue: the count metric is the last one. */
const countArrived = (datagrams: ReadonlyArray<string>) =>
  waitFor(() => datagrams.some((d) => d.startsWith("gehen.deploy.count:")), "the run's count metric")

const receivers = async () => {
  const [udp, collector, sentry] = await Promise.all([startUdp(), startHttp(), startHttp()])
  open.push(udp, collector, sentry)
  const env = {
    DD_AGENT_HOST: "127.0.0.1",
    DD_DOGSTATSD_PORT: String(udp.port),
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    SENTRY_DSN: `http://publickey@127.0.0.1:${sentry.port}/42`
  }
  return { udp, collector, sentry, env }
}

describe.concurrent("every exit path flushes what was recorded", () => {
  it("SIGINT while draining: the restores, the interrupted run's events, metrics and trace all arrive before exit 130", async () => {
    const [w, r] = await Promise.all([startMonitoredWorld({ [SHA]: NEVER_DRAINS }), receivers()])
    open.push(w)
    const cli = w.deploy(r.env)
    await waitFor(() => cli.output().includes("drain:"))
    cli.child.kill("SIGINT")
    const run = await cli.done
    expect(run.code).toBe(130)
    await countArrived(r.udp.datagrams)

    const { events, metrics } = parseDatagrams(r.udp.datagrams)
    const titles = events.map((e) => `${e.title} ${e.text.split("\n")[0]!.split(" ").at(-1)}`)
    expect(titles).toEqual(expect.arrayContaining([
      "gehen.rollbacks.started api",
      "gehen.rollbacks.started worker",
      "gehen.rollbacks.started nightly"
    ]))
    const failed = events.find((e) => e.title === "gehen.deploys.failed")
    expect(failed?.tags).toContain("outcome:interrupted")
    expect(failed?.text).toMatch(/\(interrupted, exit 130\)/)
    expect(metrics.find((m) => m.name === "gehen.deploy.count")?.tags).toContain("outcome:interrupted")

    const tree = spanTree(decodeExports(r.collector.requests))
    expect(tree.one("gehen deploy").attributes).toMatchObject({
      "gehen.outcome": "interrupted",
      "gehen.exit_code": 130
    })
    const drain = tree.children(tree.one("api (prod-a)")).find((s) => s.name === "drain")
    expect(drain?.attributes["gehen.phase.status"]).toBe("interrupted")
    // Put back after a signal: nothing for Sentry (a person stopped it; nothing is left broken).
    expect(r.sentry.requests).toEqual([])
  })

  it("a plan that stops the run (a missing service): the failure event, the count, the error span and Sentry's report", async () => {
    const [w, r] = await Promise.all([startMonitoredWorld(), receivers()])
    open.push(w)
    const { path } = writeConfig("services:\n  ghost:\n    cluster: prod-a\n")
    const run = await startCli(["deploy", "--gitsha", SHA, "--path", path], { ...w.env, ...r.env }).done
    expect(run.code).toBe(1)
    await countArrived(r.udp.datagrams)

    const { events, metrics } = parseDatagrams(r.udp.datagrams)
    expect(events.map((e) => e.title)).toEqual(["gehen.deploys.failed"])
    expect(events[0]!.text).toMatch(
      new RegExp(`^Gehen failed to deploy ${SHA} \\(failed, exit 1\\): [^]*service ghost`)
    )
    expect(metrics.find((m) => m.name === "gehen.deploy.count")?.tags).toContain("outcome:failed")

    const root = spanTree(decodeExports(r.collector.requests)).one("gehen deploy")
    expect(root.status.code).toBe(OTLP_STATUS.error)
    expect(root.attributes).toMatchObject({ "gehen.outcome": "failed", "gehen.exit_code": 1 })

    expect(r.sentry.requests).toHaveLength(1)
    expect(r.sentry.requests[0]!.body.toString()).toMatch(/gehen deploy failed: abcdef1234567890: [^]*ghost/)
  })
})
