// Receivers that refuse or never answer: the deploy's exit code is what it would be, the
// exit waits at most the 2 s flush for them, and stderr says so in one line.
import { spawn } from "node:child_process"
import { afterAll, describe, expect, it } from "vitest"
import { CLI } from "../support/subprocess.js"
import { closedPort, startHttp } from "./support/receivers.js"
import { FAILING, type MonitoredWorld, SHA, startMonitoredWorld } from "./support/world.js"

const open: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()))
})

/** The flush bound, and what a loaded 2-core machine may add to an exit. */
const FLUSH_MS = 2000
const SLACK_MS = 700

/**
 * Runs the deploy with `--output json`; the report is printed once the run is over, so
 * the time from it to the process's exit is what the monitoring's flush cost.
 */
const timedDeploy = (w: MonitoredWorld, env: Record<string, string>) =>
  new Promise<{ code: number | null; stderr: string; exitDelayMs: number }>((resolve) => {
    const child = spawn(process.execPath, [CLI, "deploy", "--gitsha", SHA, "--path", w.path, "--output", "json"], {
      env: { ...w.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stderr = ""
    let reportAt: number | undefined
    child.stdout.on("data", () => (reportAt ??= Date.now()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("close", (code) => resolve({ code, stderr, exitDelayMs: Date.now() - (reportAt ?? Date.now()) }))
  })

const monitoringLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("gehen: monitoring"))

describe.concurrent("receivers that cannot be reached", () => {
  it("refused (closed ports): the failed deploy still exits 1, without waiting out the flush, and one line names the receivers", async () => {
    const [w, sentryPort, otlpPort] = await Promise.all([startMonitoredWorld({ [SHA]: FAILING }), closedPort(), closedPort()])
    open.push(w)
    const run = await timedDeploy(w, {
      DD_AGENT_HOST: "127.0.0.1",
      DD_DOGSTATSD_PORT: String(await closedPort()),
      SENTRY_DSN: `http://publickey@127.0.0.1:${sentryPort}/42`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`
    })
    expect(run.code).toBe(1)
    // A refused connection ends the wait: no retry spends the budget.
    expect(run.exitDelayMs).toBeLessThan(FLUSH_MS)
    const lines = monitoringLines(run.stderr)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("the deploy is not affected")
    expect(lines[0]).toContain(`Sentry at 127.0.0.1:${sentryPort}`)
    expect(lines[0]).toContain(`the OTLP collector at http://127.0.0.1:${otlpPort}/v1/traces`)
  })

  it("silent (answers that never come, an agent host that does not resolve): the failed deploy exits 1 within the 2 s flush, one line", async () => {
    const [w, sentry, collector] = await Promise.all([startMonitoredWorld({ [SHA]: FAILING }), startHttp("never"), startHttp("never")])
    open.push(w, sentry, collector)
    const run = await timedDeploy(w, {
      DD_AGENT_HOST: "gehen-agent.invalid",
      SENTRY_DSN: `http://publickey@127.0.0.1:${sentry.port}/42`,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url
    })
    expect(run.code).toBe(1)
    // Both got what was sent; they just never answered.
    expect(collector.requests.length).toBeGreaterThan(0)
    expect(sentry.requests).toHaveLength(1)
    expect(run.exitDelayMs).toBeLessThan(FLUSH_MS + SLACK_MS)
    const lines = monitoringLines(run.stderr)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("the Datadog agent at gehen-agent.invalid:8125")
    expect(lines[0]).toContain(`the OTLP collector at ${collector.url}/v1/traces: spans not exported within 1.8 s`)
    expect(lines[0]).toContain(`Sentry at 127.0.0.1:${sentry.port}: events not delivered within 1.8 s`)
    // Nothing else on stderr about it (no client's own complaints).
    expect(run.stderr.split("\n").filter((l) => /hot-shots|Sentry|opentelemetry|getaddrinfo/i.test(l))).toEqual(lines)
  })

  it("without monitoring the exit follows the report at once (the baseline of the bound above)", async () => {
    const w = await startMonitoredWorld()
    open.push(w)
    const run = await timedDeploy(w, {})
    expect(run.code).toBe(0)
    expect(run.exitDelayMs).toBeLessThan(SLACK_MS)
    expect(monitoringLines(run.stderr)).toEqual([])
  })
})
