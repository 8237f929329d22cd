// Monitoring costs nothing when off: `--version` and `--help` never load the CLI, even with
// every monitoring variable set, and a deploy evaluates a receiver's client (a module of
// the bundle) only when its variable is set (see support/evaluated.ts).
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CLI, runProcess } from "../support/subprocess.js"
import { evaluatedModules, readableCli } from "./support/evaluated.js"
import { startUdp } from "./support/receivers.js"
import { SHA, startMonitoredWorld } from "./support/world.js"

const open: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()))
})

const monitoringModules = (modules: ReadonlyArray<string>) => ({
  hotShots: modules.filter((m) => m.startsWith("node_modules/hot-shots/")),
  sentry: modules.filter((m) => m.startsWith("node_modules/@sentry/")),
  opentelemetry: modules.filter((m) => m.startsWith("node_modules/@effect/opentelemetry/")),
  // The receivers' own modules, imported when their variable is set.
  ours: modules.filter((m) => /^src\/monitoring\/(Datadog|Sentry|Tracing|HostLookup|Post)\.ts$/.test(m))
})

const NONE = { hotShots: [], sentry: [], opentelemetry: [], ours: [] }

const EVERY_VARIABLE = {
  DD_AGENT_HOST: "127.0.0.1",
  SENTRY_DSN: "http://publickey@127.0.0.1:9/42",
  OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9"
}

let bundle: string
beforeAll(async () => {
  bundle = await readableCli()
}, 120_000)

describe("monitoring at start-up", () => {
  for (const args of [["--version"], ["--help"]]) {
    it(`gehen ${args.join(" ")} does not load the CLI, even with every monitoring variable set`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "gehen-monitoring-startup-"))
      const record = join(dir, "read.json")
      const preload = join(dir, "record.cjs")
      writeFileSync(
        preload,
        `const fs = require("node:fs"); const read = fs.readFileSync; const seen = []
        fs.readFileSync = function (p, ...rest) { seen.push(String(p)); return read.call(this, p, ...rest) }
        process.on("exit", () => fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify(seen)))`
      )
      const r = await runProcess(process.execPath, ["-r", preload, CLI, ...args], {
        env: { PATH: process.env["PATH"] ?? "", HOME: dir, NO_COLOR: "1", ...EVERY_VARIABLE }
      })
      expect(r.code).toBe(0)
      expect(r.stdout.length).toBeGreaterThan(0)
      expect((JSON.parse(readFileSync(record, "utf8")) as Array<string>).filter((f) => f.endsWith("main.cjs"))).toEqual(
        []
      )
    })
  }

  it("a deploy evaluates a receiver's client only when its variable is set", async () => {
    const udp = await startUdp()
    open.push(udp)
    const deploy = async (extra: Record<string, string>) => {
      const w = await startMonitoredWorld()
      open.push(w)
      const coverage = mkdtempSync(join(tmpdir(), "gehen-coverage-"))
      const child = spawn(process.execPath, [bundle, "deploy", "--gitsha", SHA, "--path", w.path], {
        env: { ...w.env, ...extra, NODE_V8_COVERAGE: coverage },
        stdio: "ignore"
      })
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
      expect(code).toBe(0)
      return monitoringModules(evaluatedModules(coverage, bundle))
    }
    const [none, datadog, all] = await Promise.all([
      deploy({}),
      deploy({ DD_AGENT_HOST: "127.0.0.1", DD_DOGSTATSD_PORT: String(udp.port) }),
      deploy({ ...EVERY_VARIABLE, DD_DOGSTATSD_PORT: String(udp.port) })
    ])
    expect(none).toEqual(NONE)
    expect(datadog.hotShots.length).toBeGreaterThan(0)
    expect(datadog.ours).toContain("src/monitoring/Datadog.ts")
    expect(datadog.sentry).toEqual([])
    expect(datadog.opentelemetry).toEqual([])
    // The check itself: with every variable set, each client was evaluated.
    expect(all.sentry.length).toBeGreaterThan(0)
    expect(all.opentelemetry.length).toBeGreaterThan(0)
  })
})
