// gehen-sim as a team uses it: the bundled executable seeded from a gehen.yml, its exports
// given to the real gehen CLI, a failing deploy rolled back, a healthy one deployed, then
// stopped with SIGTERM. Rollouts take 0.4 s, so the whole rehearsal takes a few seconds.
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { readExports } from "../../../src/testing/cli/Output.js"
import { VERSION } from "../../../src/Version.js"
import { runCliProcess } from "../../support/subprocess.js"

// The CLI bundle's sibling: test/globalSetup.ts rebuilds both when src/ changes.
const SIM = join(import.meta.dirname, "..", "..", "..", "dist", "cli", "gehen-sim.cjs")
const BAD = "bad0c0de"
const GOOD = "600dc0de"
const EU_CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/prod-eu"

interface Sim {
  readonly child: ChildProcess
  /** The exports once printed (GEHEN_SIM_URL is their last line). */
  readonly ready: Promise<string>
  readonly done: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  readonly stderr: () => string
}

const started: Array<ChildProcess> = []
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
})

const startSim = (args: ReadonlyArray<string>, cwd: string): Sim => {
  const child = spawn(process.execPath, [SIM, ...args], {
    cwd,
    env: { PATH: process.env["PATH"] ?? "" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  started.push(child)
  let stdout = ""
  let stderr = ""
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal }))
  )
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString()
      if (/^export GEHEN_SIM_URL=.*\n/m.test(stdout)) resolve(stdout)
    })
    void done.then(({ code }) => reject(new Error(`gehen-sim exited ${code} before it listened: ${stderr}`)))
  })
  // A run expected to fail never gets ready: that is not an unhandled rejection.
  ready.catch(() => {})
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
  return { child, ready, done, stderr: () => stderr }
}

const workDir = (file: string) => {
  const dir = mkdtempSync(join(tmpdir(), "gehen-sim-"))
  writeFileSync(join(dir, "gehen.yml"), file)
  return dir
}

/** The CLI's environment: nothing but PATH, a bare HOME, and what gehen-sim printed. */
const envFrom = (exports: string, home: string): NodeJS.ProcessEnv => ({
  PATH: process.env["PATH"] ?? "",
  HOME: home,
  NO_COLOR: "1",
  ...readExports(exports).set
})

const served = async (url: string): Promise<string | null> => (await fetch(url)).headers.get("server")

describe("gehen-sim", () => {
  it("rehearses a team's file: a failing deploy rolled back, a healthy one deployed, stopped by SIGTERM with exit 0", async () => {
    const dir = workDir(`services:
  api:
    cluster: prod
    url: https://api.example.com/version
  worker:
    cluster: ${EU_CLUSTER}
    url: https://worker.example.com/version
    containers: [worker]
scheduledTasks:
  nightly:
    region: eu-west-1
    eventBusName: jobs
timeoutMinutes: 0.2
checkIntervalSeconds: 0.2
`)
    const sim = startSim(
      [
        "--from",
        "gehen.yml",
        "--rewrite-urls",
        "rehearsal.yml",
        "--behaviour",
        "api=unhealthy",
        "--behaviour",
        `api@${GOOD}=healthy`,
        "--rollout-seconds",
        "0.4",
        "--port",
        "0"
      ],
      dir
    )
    const exports = await sim.ready
    const env = envFrom(exports, dir)
    const endpoint = env["AWS_ENDPOINT_URL"] ?? ""
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(env["AWS_CONFIG_FILE"]).toBe("/dev/null")
    expect(exports).toMatch(/^unset .*AWS_PROFILE/m)
    const apiUrl = `${endpoint}/version/prod/api`
    const workerUrl = `${endpoint}/version/eu-west-1/prod-eu/worker`
    expect(readFileSync(join(dir, "rehearsal.yml"), "utf8")).toContain(`url: ${workerUrl}`)
    expect(await served(apiUrl)).toBe("api-0000000")

    const rehearsal = join(dir, "rehearsal.yml")
    const outcomes = (stdout: string) => {
      const report = JSON.parse(stdout) as {
        outcome: string
        services: Array<{ name: string; outcome: string }>
        scheduledTasks: Array<{ name: string; outcome: string }>
      }
      return [report.outcome, ...[...report.services, ...report.scheduledTasks].map((t) => `${t.name} ${t.outcome}`)]
    }

    // api's new tasks turn UNHEALTHY: gehen fails and puts every target back on 0000000.
    const failing = await runCliProcess(["deploy", "--gitsha", BAD, "--path", rehearsal, "--output", "json"], env)
    expect(failing.code, failing.stderr).toBe(1)
    expect(outcomes(failing.stdout)).toEqual(["failed", "api rolled-back", "worker rolled-back", "nightly rolled-back"])
    expect(failing.stderr).toContain("UNHEALTHY")
    expect(await served(apiUrl)).toBe("api-0000000")
    expect(await served(workerUrl)).toBe("worker-0000000")

    // The fixed build rolls out healthy.
    const healthy = await runCliProcess(["deploy", "--gitsha", GOOD, "--path", rehearsal, "--output", "json"], env)
    expect(healthy.code, healthy.stderr).toBe(0)
    expect(outcomes(healthy.stdout)).toEqual(["deployed", "api deployed", "worker deployed", "nightly deployed"])
    expect(await served(apiUrl)).toBe(`api-${GOOD}`)
    expect(await served(workerUrl)).toBe(`worker-${GOOD}`)

    sim.child.kill("SIGTERM")
    expect(await sim.done).toEqual({ code: 0, signal: null })
    expect(sim.stderr()).toContain(`version url ${apiUrl}`)
    expect(sim.stderr()).toContain("prod/api (us-east-1): unhealthy")
    expect(sim.stderr()).toMatch(/gehen-sim: stopped\n$/)
    await expect(fetch(apiUrl)).rejects.toThrow()
  })

  it("--background: exits once the detached simulator listens, its exports name the process to stop", async () => {
    const dir = workDir("services:\n  api:\n    cluster: prod\n")
    const parent = startSim(["--background", "--from", "gehen.yml", "--tag", "v1"], dir)
    const exports = await parent.ready
    expect(await parent.done).toEqual({ code: 0, signal: null })
    const { set } = readExports(exports)
    const pid = Number(set["GEHEN_SIM_PID"])
    const url = `${set["GEHEN_SIM_URL"]}/version/prod/api`
    expect(pid).toBeGreaterThan(0)
    expect(parent.stderr()).toContain(`serving in the background as process ${pid}`)
    expect(await served(url)).toBe("api-v1")
    process.kill(pid, "SIGTERM")
    // Stopped once the port no longer answers.
    for (let i = 0; i < 50 && (await fetch(url).then(() => true, () => false)); i++) {
      await new Promise((r) => setTimeout(r, 50))
    }
    await expect(fetch(url)).rejects.toThrow()
  })

  it("bad flags and bad files: one gehen-sim: line per problem on stderr, exit 1, nothing on stdout", async () => {
    const dir = workDir("services:\n  api:\n    cluster: prod\n    url: ftp://x\n")
    for (const args of [["--behaviour", "api=sad"], ["--from", "gehen.yml"], ["--from", "missing.yml"]]) {
      const run = startSim(args, dir)
      let stdout = ""
      run.child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()))
      expect(await run.done).toEqual({ code: 1, signal: null })
      expect(stdout).toBe("")
      expect(run.stderr()).toMatch(/^gehen-sim: /)
    }
  })

  it("--version, -v and version print the package's version, as gehen --version does, and exit 0", async () => {
    const dir = workDir("")
    for (const args of [["--version"], ["-v"], ["version"]]) {
      const run = startSim(args, dir)
      let stdout = ""
      run.child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()))
      expect(await run.done).toEqual({ code: 0, signal: null })
      expect(stdout).toBe(`${VERSION}\n`)
      expect(run.stderr()).toBe("")
    }
  })
})
