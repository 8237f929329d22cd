// A local HTTP endpoint stands in for Sentry (the DSN points at it): the test reads the
// envelopes the official SDK sent, and searches them for the world's marker secrets.
import { afterAll, describe, expect, it } from "vitest"
import { type HttpReceiver, startHttp } from "./support/receivers.js"
import { FAILING, MARKERS, SHA, startMonitoredWorld } from "./support/world.js"

const open: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()))
})

const dsnOf = (sentry: HttpReceiver) => `http://publickey@127.0.0.1:${sentry.port}/42`

/** An envelope: a header line, then item header and payload lines. */
const envelope = (body: Buffer) => {
  const [header, ...items] = body.toString("utf8").split("\n").filter((l) => l !== "")
  const parsed = items.map((l) => JSON.parse(l) as Record<string, unknown>)
  return { header: JSON.parse(header!) as Record<string, unknown>, items: parsed.filter((_, i) => i % 2 === 0), payloads: parsed.filter((_, i) => i % 2 === 1) }
}

describe.concurrent("Sentry through a local DSN", () => {
  it("a failed deploy: one event with the outcome, sha, targets and phase timings; no marker secret anywhere in it", async () => {
    const [w, sentry] = await Promise.all([startMonitoredWorld({ [SHA]: FAILING }), startHttp()])
    open.push(w, sentry)
    const run = await w.deploy({ SENTRY_DSN: dsnOf(sentry), SENTRY_ENVIRONMENT: "production" }).done
    expect(run.code).toBe(1)
    expect(run.stderr).not.toContain("monitoring")
    expect(sentry.requests).toHaveLength(1)
    const [request] = sentry.requests
    expect(request!.path).toMatch(/^\/api\/42\/envelope\//)
    const { header, items, payloads } = envelope(request!.body)
    expect(header["dsn"] ?? header["sdk"]).toBeDefined()
    expect(items).toEqual([{ type: "event" }])
    const event = payloads[0]!
    expect(event).toMatchObject({
      level: "error",
      logger: "gehen",
      release: "gehen@0.1.0",
      environment: "production",
      message: expect.stringMatching(new RegExp(`^gehen deploy failed: ${SHA}: api \\(prod-a\\): .*UNHEALTHY`)),
      tags: { outcome: "failed", gitsha: SHA, update_strategy: "current", exit_code: "1" },
      fingerprint: ["gehen", "deploy failed", "failed"]
    })
    const contexts = event["contexts"] as Record<string, Record<string, unknown>>
    expect(contexts["run"]).toMatchObject({ outcome: "failed", exitCode: 1, gitsha: SHA })
    expect(Object.keys(contexts["targets"]!).sort()).toEqual(["api (prod-a)", "nightly (scheduled task)", "worker (prod-b)"])
    expect(contexts["targets"]!["api (prod-a)"]).toMatchObject({ outcome: "rolled-back", phases: expect.stringContaining("rollback-drain succeeded") })
    // Nothing of the process: no integrations ran, so no modules, breadcrumbs, or environment.
    expect(event["breadcrumbs"]).toBeUndefined()
    expect(event["modules"]).toBeUndefined()
    expect(event["extra"]).toBeUndefined()
    const raw = request!.body.toString("utf8")
    for (const marker of [...Object.values(MARKERS), "AKIDCIRUNNER"]) expect(raw).not.toContain(marker)
  })

  it("a deploy that went through sends nothing", async () => {
    const [w, sentry] = await Promise.all([startMonitoredWorld(), startHttp()])
    open.push(w, sentry)
    const run = await w.deploy({ SENTRY_DSN: dsnOf(sentry) }).done
    expect(run.code).toBe(0)
    expect(sentry.requests).toEqual([])
  })
})
