/** Start-up timing: `gehen --version` and `--help` against a bare `node -e 0`. */
import { spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { simulatorEnv, tempDir } from "../demo/cli.js"
import type { StartupResult } from "./model.js"

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Median wall time of each command, runs interleaved so drift hits all three alike. */
export const measureStartup = (cliPath: string, runs: number): ReadonlyArray<StartupResult> => {
  const home = tempDir("gehen-bench-startup-")
  const env = simulatorEnv("http://127.0.0.1:9", home, { NO_COLOR: "1" })
  const commands: ReadonlyArray<{ label: string; args: ReadonlyArray<string> }> = [
    { label: "node -e 0", args: ["-e", "0"] },
    { label: "gehen --version", args: [cliPath, "--version"] },
    { label: "gehen --help", args: [cliPath, "--help"] }
  ]
  const once = (args: ReadonlyArray<string>) => {
    // A failed run is retried (once a second, twice): a parallel `npm run build` replaces dist/cli for a moment.
    let last = ""
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000)
      const t0 = process.hrtime.bigint()
      const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] })
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      if (r.status === 0) return ms
      last = `node ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr.toString().trim().slice(-500)}`
    }
    throw new Error(last)
  }
  const samples = commands.map(() => [] as Array<number>)
  try {
    // One warm-up each fills the OS file cache.
    for (const c of commands) once(c.args)
    for (let i = 0; i < runs; i++) commands.forEach((c, j) => samples[j]!.push(once(c.args)))
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
  const base = median(samples[0]!)
  return commands.map((c, j) => ({ label: c.label, runs, medianMs: median(samples[j]!), ratio: median(samples[j]!) / base }))
}
