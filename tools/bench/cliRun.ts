/** Running the CLI as a subprocess and sampling its memory: wall time by the bench's clock, peak RSS. */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { tempDir } from "../demo/cli.js"

export interface CliRun {
  readonly code: number | null
  readonly startedAt: number
  readonly exitedAt: number
  readonly stdout: string
  readonly stderrTail: string
  readonly peakRssKb: number | undefined
  readonly rssMethod: string
}

/** GNU time's `%M` (the child's ru_maxrss from wait4) when /usr/bin/time works here. */
const gnuTime = (() => {
  let works: boolean | undefined
  return (): boolean => {
    if (works === undefined) {
      const dir = tempDir("gehen-bench-time-")
      const out = join(dir, "rss")
      const r = spawnSync("/usr/bin/time", ["-f", "%M", "-o", out, process.execPath, "-e", "0"], { stdio: "ignore" })
      works = r.status === 0 && existsSync(out) && /^\d+\s*$/m.test(readFileSync(out, "utf8"))
      rmSync(dir, { recursive: true, force: true })
    }
    return works
  }
})()

/** GNU time writes "Command exited with non-zero status N" before the number when the exit code is not 0. */
const parseTimeFile = (text: string): number | undefined => {
  const lines = text.trim().split("\n")
  const last = Number(lines[lines.length - 1])
  return Number.isFinite(last) && last > 0 ? last : undefined
}

const vmHwmKb = (pid: number): number | undefined => {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return m?.[1] === undefined ? undefined : Number(m[1])
  } catch {
    return undefined
  }
}

/** One CLI run, measured: wall time by the bench's clock, peak RSS by GNU time or else by polling VmHWM. */
export const runCli = (cliPath: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, limitMs: number): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const dir = tempDir("gehen-bench-rss-")
    const rssFile = join(dir, "rss")
    const timed = gnuTime()
    const [cmd, argv] = timed
      ? ["/usr/bin/time", ["-f", "%M", "-o", rssFile, process.execPath, cliPath, ...args]] as const
      : [process.execPath, [cliPath, ...args]] as const
    const startedAt = Date.now()
    // Its own process group, so the time limit kills node too, not just /usr/bin/time.
    const child = spawn(cmd, argv, { env, stdio: ["ignore", "pipe", "pipe"], detached: true })
    const out: Array<Buffer> = []
    let err = ""
    child.stdout.on("data", (d: Buffer) => out.push(d))
    // Only the end of stderr matters (why a run failed); 200 services' progress is long.
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)))
    // VmHWM is the process's own high-water mark, so the last read before exit is its peak.
    let hwm: number | undefined
    const poll = timed || child.pid === undefined
      ? undefined
      : setInterval(() => (hwm = vmHwmKb(child.pid!) ?? hwm), 50)
    const killGroup = () => {
      try {
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, "SIGKILL")
      } catch {
        // Already gone.
      }
    }
    const limit = setTimeout(killGroup, limitMs)
    // A detached group misses the terminal's Ctrl-C: pass an interrupt of the bench on to it.
    const onSignal = () => {
      killGroup()
      process.exit(130)
    }
    process.once("SIGINT", onSignal)
    process.once("SIGTERM", onSignal)
    const cleanUp = () => {
      clearTimeout(limit)
      if (poll !== undefined) clearInterval(poll)
      process.removeListener("SIGINT", onSignal)
      process.removeListener("SIGTERM", onSignal)
    }
    let exitedAt = 0
    child.on("exit", () => (exitedAt = Date.now()))
    child.on("error", (e) => {
      cleanUp()
      rmSync(dir, { recursive: true, force: true })
      reject(e)
    })
    child.on("close", (code) => {
      cleanUp()
      const peak = timed ? (existsSync(rssFile) ? parseTimeFile(readFileSync(rssFile, "utf8")) : undefined) : hwm
      rmSync(dir, { recursive: true, force: true })
      resolve({
        code,
        startedAt,
        exitedAt: exitedAt === 0 ? Date.now() : exitedAt,
        stdout: Buffer.concat(out).toString("utf8"),
        stderrTail: err,
        peakRssKb: peak,
        rssMethod: timed ? "GNU time %M (ru_maxrss)" : "VmHWM from /proc/<pid>/status, polled every 50 ms"
      })
    })
  })
