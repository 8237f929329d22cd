// Monitoring costs nothing when off: which files the bundled CLI loads (recorded at exit
// by a preload), for --version and --help with every monitoring variable set, and for a
// deploy with none or one of them set.
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { CLI } from "../support/subprocess.js"
import { startUdp } from "./support/receivers.js"
import { SHA, startMonitoredWorld } from "./support/world.js"

const open: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()))
})

/** A preload that writes the files in require's cache when the process exits. */
const recorder = () => {
  const dir = mkdtempSync(join(tmpdir(), "gehen-monitoring-startup-"))
  const record = join(dir, "loaded.json")
  const preload = join(dir, "record.cjs")
  writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify(Object.keys(require.cache))))`)
  return { dir, preload, loaded: () => JSON.parse(readFileSync(record, "utf8")) as Array<string> }
}

const monitoringFiles = (files: ReadonlyArray<string>) => ({
  hotShots: files.filter((f) => f.includes("node_modules/hot-shots")),
  sentry: files.filter((f) => f.includes("node_modules/@sentry")),
  opentelemetry: files.filter((f) => f.includes("node_modules/@opentelemetry") || f.includes("node_modules/@effect/opentelemetry"))
})

const NONE = { hotShots: [], sentry: [], opentelemetry: [] }

const EVERY_VARIABLE = {
  DD_AGENT_HOST: "127.0.0.1",
  SENTRY_DSN: "http://publickey@127.0.0.1:9/42",
  OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9"
}

describe("monitoring at start-up", () => {
  for (const args of [["--version"], ["--help"]]) {
    it(`gehen ${args.join(" ")} loads no monitoring client, even with every monitoring variable set`, () => {
      const r = recorder()
      const stdout = execFileSync(process.execPath, ["-r", r.preload, CLI, ...args], {
        env: { PATH: process.env["PATH"] ?? "", HOME: r.dir, NO_COLOR: "1", ...EVERY_VARIABLE }
      }).toString()
      expect(stdout.length).toBeGreaterThan(0)
      expect(monitoringFiles(r.loaded())).toEqual(NONE)
    })
  }

  it("a deploy loads a receiver's client only when its variable is set", async () => {
    const udp = await startUdp()
    open.push(udp)
    // Not execFileSync: the simulator answering the CLI runs in this process.
    const deploy = async (extra: Record<string, string>) => {
      const w = await startMonitoredWorld()
      open.push(w)
      const r = recorder()
      const child = spawn(process.execPath, ["-r", r.preload, CLI, "deploy", "--gitsha", SHA, "--path", w.path], {
        env: { ...w.env, ...extra },
        stdio: "ignore"
      })
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
      expect(code).toBe(0)
      return monitoringFiles(r.loaded())
    }
    const [none, datadog] = await Promise.all([deploy({}), deploy({ DD_AGENT_HOST: "127.0.0.1", DD_DOGSTATSD_PORT: String(udp.port) })])
    expect(none).toEqual(NONE)
    expect(datadog.hotShots.length).toBeGreaterThan(0)
    expect(datadog.sentry).toEqual([])
    expect(datadog.opentelemetry).toEqual([])
  })
})
