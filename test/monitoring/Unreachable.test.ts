// Receivers that refuse or never answer: the deploy's exit code is what it would be, the
// exit waits at most the 2 s flush for them, and stderr says so in one line. The time from
// the report to the exit is compared with that of the same deploy without monitoring, run
// beside it (so under the same load), with a margin a busy CI machine keeps; `npm run
// bench` measures the bound itself, on a quiet machine.
import { spawn } from "node:child_process"
import { afterAll, describe, expect, it } from "vitest"
import { CLI } from "../support/subprocess.js"
import { closedPort, startHttp } from "./support/receivers.js"
import { FAILING, type MonitoredWorld, SHA, startMonitoredWorld } from "./support/world.js"

const open: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()))
})

/** The flush bound, and what a machine at load 10 on 2 cores may add to one exit but not the other. */
const FLUSH_MS = 2000
const MARGIN_MS = 1500

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
    const [w, sentryPort, otlpPort] = await Promise.all([
      startMonitoredWorld({ [SHA]: FAILING }),
      closedPort(),
      closedPort()
    ])
    open.push(w)
    const run = await timedDeploy(w, {
      DD_AGENT_HOST: "127.0.0.1",
      DD_DOGSTATSD_PORT: String(await closedPort()),
      SENTRY_DSN: `http://publickey@127.0.0.1:${sentryPort}/42`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`
    })
    expect(run.code).toBe(1)
    const lines = monitoringLines(run.stderr)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("the deploy is not affected")
    // A refused connection ends the wait, and is what the line says: no retry spent the budget.
    expect(lines[0]).toContain(`Sentry at 127.0.0.1:${sentryPort}: connect ECONNREFUSED`)
    expect(lines[0]).toContain(`the OTLP collector at http://127.0.0.1:${otlpPort}/v1/traces: connect ECONNREFUSED`)
    expect(lines[0]).not.toContain("within")
  })

  it("silent (answers that never come, an agent host that does not resolve): the failed deploy exits 1 within the 2 s flush, one line", async () => {
    const [w, quiet, sentry, collector] = await Promise.all([
      startMonitoredWorld({ [SHA]: FAILING }),
      startMonitoredWorld({ [SHA]: FAILING }),
      startHttp("never"),
      startHttp("never")
    ])
    open.push(w, quiet, sentry, collector)
    const [run, baseline] = await Promise.all([
      timedDeploy(w, {
        DD_AGENT_HOST: "gehen-agent.invalid",
        SENTRY_DSN: `http://publickey@127.0.0.1:${sentry.port}/42`,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url
      }),
      timedDeploy(quiet, {})
    ])
    expect(run.code).toBe(1)
    expect(baseline.code).toBe(1)
    // Both got what was sent; they just never answered.
    expect(collector.requests.length).toBeGreaterThan(0)
    expect(sentry.requests).toHaveLength(1)
    expect(run.exitDelayMs).toBeLessThan(baseline.exitDelayMs + FLUSH_MS + MARGIN_MS)
    const lines = monitoringLines(run.stderr)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("the Datadog agent at gehen-agent.invalid:8125")
    expect(lines[0]).toContain(`the OTLP collector at ${collector.url}/v1/traces: spans not exported within 1.8 s`)
    expect(lines[0]).toContain(`Sentry at 127.0.0.1:${sentry.port}: events not delivered within 1.8 s`)
    // Nothing else on stderr about it (no client's own complaints).
    expect(run.stderr.split("\n").filter((l) => /hot-shots|Sentry|opentelemetry|getaddrinfo/i.test(l))).toEqual(lines)
  })

  it("without monitoring nothing is said about it", async () => {
    const w = await startMonitoredWorld()
    open.push(w)
    const run = await timedDeploy(w, {})
    expect(run.code).toBe(0)
    expect(monitoringLines(run.stderr)).toEqual([])
  })
})
