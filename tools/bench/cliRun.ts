/**
 * Running the CLI as a subprocess and measuring it: wall time by the bench's clock, and
 * the CLI process's own peak RSS and CPU time (user + system), which the simulator (a
 * process of its own) does not share.
 */
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
  /** User + system CPU seconds of the CLI process. */
  readonly cpuSeconds: number | undefined
  readonly rssMethod: string
}

/** GNU time's `%M %U %S` (the child's ru_maxrss and CPU times from wait4) when /usr/bin/time works here. */
const gnuTime = (() => {
  let works: boolean | undefined
  return (): boolean => {
    if (works === undefined) {
      const dir = tempDir("gehen-bench-time-")
      const out = join(dir, "rss")
      const r = spawnSync("/usr/bin/time", ["-f", TIME_FORMAT, "-o", out, process.execPath, "-e", "0"], {
        stdio: "ignore"
      })
      works = r.status === 0 && existsSync(out) && parseTimeFile(readFileSync(out, "utf8")) !== undefined
      rmSync(dir, { recursive: true, force: true })
    }
    return works
  }
})()

const TIME_FORMAT = "%M %U %S"

/** GNU time writes "Command exited with non-zero status N" before the figures when the exit code is not 0. */
export const parseTimeFile = (
  text: string
): { readonly peakRssKb: number; readonly cpuSeconds: number } | undefined => {
  const lines = text.trim().split("\n")
  const m = /^(\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(lines[lines.length - 1] ?? "")
  if (m === null) return undefined
  return { peakRssKb: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]) }
}

/** utime + stime from /proc/<pid>/stat, in seconds (clock ticks of 1/100 s on Linux). */
const procCpuSeconds = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}

const vmHwmKb = (pid: number): number | undefined => {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return m?.[1] === undefined ? undefined : Number(m[1])
  } catch {
    return undefined
  }
}

/**
 * One CLI run, measured: wall time by the bench's clock, peak RSS and CPU time by GNU
 * time, or else by polling /proc (VmHWM, utime + stime) every 50 ms.
 */
export const runCli = (
  cliPath: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  limitMs: number
): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const dir = tempDir("gehen-bench-rss-")
    const rssFile = join(dir, "rss")
    const timed = gnuTime()
    // Profiling the CLI under the bench: BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env["BENCH_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "")
    const [cmd, argv] = timed
      ? ["/usr/bin/time", ["-f", TIME_FORMAT, "-o", rssFile, process.execPath, ...nodeArgs, cliPath, ...args]] as const
      : [process.execPath, [...nodeArgs, cliPath, ...args]] as const
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
    let cpu: number | undefined
    const poll = timed || child.pid === undefined
      ? undefined
      : setInterval(() => {
        hwm = vmHwmKb(child.pid!) ?? hwm
        cpu = procCpuSeconds(child.pid!) ?? cpu
      }, 50)
    const killGroup = () => {
      try {
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
          process.kill(-child.pid, "SIGKILL")
        }
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
      if (poll !== undefined) {
        clearInterval(poll)
      }
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
      const figures = timed && existsSync(rssFile) ? parseTimeFile(readFileSync(rssFile, "utf8")) : undefined
      rmSync(dir, { recursive: true, force: true })
      resolve({
        code,
        startedAt,
        exitedAt: exitedAt === 0 ? Date.now() : exitedAt,
        stdout: Buffer.concat(out).toString("utf8"),
        stderrTail: err,
        peakRssKb: timed ? figures?.peakRssKb : hwm,
        cpuSeconds: timed ? figures?.cpuSeconds : cpu,
        rssMethod: timed
          ? "GNU time %M %U %S (ru_maxrss, user and system time)"
          : "VmHWM and utime + stime from /proc/<pid>, polled every 50 ms"
      })
    })
  })
