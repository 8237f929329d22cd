/**
 * The CLI's real-time guarantees, timed on this machine (the tests check them only
 * against a baseline, with a margin a busy CI machine keeps):
 * - the exit follows the report: a deploy whose plan fails (a missing service), from the
 *   first byte of its JSON report on stdout to the process's exit;
 * - monitoring costs at most 2 s: the same run reporting to receivers that never answer
 *   (a Sentry DSN and an OTLP collector that accept and stay silent, a Datadog agent host
 *   that does not resolve), the same interval, less the first;
 * - missing credentials are diagnosed within seconds: a deploy with an AWS_PROFILE that no
 *   config file has, from spawn to exit.
 */
import { spawn } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
import { createServer, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { simulatorEnv, tempDir } from "../demo/cli.js"
import type { Timings } from "./model.js"
import { startSimProcess } from "./simClient.js"
import { SHA } from "./simulator.js"
import { median } from "./startup.js"

interface Timed {
  readonly code: number | null
  /** From spawn to exit. */
  readonly wallMs: number
  /** From the first byte on stdout to exit; undefined when nothing came. */
  readonly afterReportMs: number | undefined
  readonly stderr: string
}

const timed = (cliPath: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Promise<Timed> =>
  new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    let reportAt: bigint | undefined
    let stderr = ""
    const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ["ignore", "pipe", "pipe"] })
    child.stdout.on("data", () => (reportAt ??= process.hrtime.bigint()))
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
    child.on("error", reject)
    child.on("exit", (code) => {
      const t1 = process.hrtime.bigint()
      resolve({
        code,
        wallMs: Number(t1 - t0) / 1e6,
        afterReportMs: reportAt === undefined ? undefined : Number(t1 - reportAt) / 1e6,
        stderr
      })
    })
  })

/** An HTTP endpoint that takes every request and never answers. */
const silentServer = async (): Promise<{ readonly url: string; readonly close: () => Promise<void> }> => {
  const open = new Set<ServerResponse>()
  const server: Server = createServer((req, res) => {
    req.resume()
    open.add(res)
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        for (const res of open) res.destroy()
        server.closeAllConnections()
        server.close(() => r())
      })
  }
}

export const measureTimings = async (
  cliPath: string,
  simPath: string,
  runs: number,
  log: (line: string) => void
): Promise<Timings> => {
  const sim = await startSimProcess(simPath, {
    services: 1,
    clusterSize: 1,
    desiredCount: 2,
    rolloutSeconds: 1,
    strategy: "ROLLING"
  })
  const [sentry, collector] = await Promise.all([silentServer(), silentServer()])
  const dir = tempDir("gehen-bench-timings-")
  try {
    const ghost = join(dir, "ghost.yml")
    writeFileSync(ghost, "services:\n  ghost:\n    cluster: bench-1\n")
    const env = simulatorEnv(sim.url, dir, { NO_COLOR: "1" })
    const args = ["deploy", "--gitsha", SHA, "--path", ghost, "--output", "json"]
    const monitored = {
      ...env,
      DD_AGENT_HOST: "gehen-bench-agent.invalid",
      SENTRY_DSN: `http://publickey@${new URL(sentry.url).host}/1`,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url
    }
    const missingProfile: NodeJS.ProcessEnv = {
      ...env,
      AWS_PROFILE: "gehen-bench-missing",
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      // The bench never reaches for a metadata endpoint off this machine.
      AWS_EC2_METADATA_DISABLED: "true"
    }
    const plain: Array<Timed> = []
    const silent: Array<Timed> = []
    const credentials: Array<Timed> = []
    for (let i = 0; i < runs; i++) {
      plain.push(await timed(cliPath, args, env))
      silent.push(await timed(cliPath, args, monitored))
      credentials.push(await timed(cliPath, ["deploy", "--gitsha", SHA, "--path", ghost], missingProfile))
    }
    for (const [what, list] of [["plain", plain], ["monitored", silent], ["credentials", credentials]] as const) {
      const odd = list.find((r) => r.code !== 1)
      if (odd !== undefined) log(`timings: a ${what} run exited ${odd.code}, not 1:\n${odd.stderr}`)
    }
    const after = (list: ReadonlyArray<Timed>) => median(list.map((r) => r.afterReportMs ?? Number.NaN))
    return {
      runs,
      exitAfterReportMs: after(plain),
      exitAfterReportMonitoredMs: after(silent),
      monitoringLine: silent.at(-1)?.stderr.split("\n").find((l) => l.startsWith("gehen: monitoring")),
      credentialsMs: median(credentials.map((r) => r.wallMs)),
      credentialsLine: credentials.at(-1)?.stderr.split("\n").find((l) => l.includes("credentials"))
    }
  } finally {
    await Promise.all([sim.close(), sentry.close(), collector.close()])
    rmSync(dir, { recursive: true, force: true })
  }
}
