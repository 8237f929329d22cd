/**
 * Start-up timing: `gehen --version` and `--help` (answered by the launcher, without the
 * CLI) against a bare `node -e 0`; with `variants`, also as an installed package lays the
 * launcher out and as the single executable. A deploy's start is timed by firstRequest.ts.
 */
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, rmSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { simulatorEnv, tempDir } from "../demo/cli.js"
import type { StartupResult, StartupVariants } from "./model.js"

export type { StartupVariants }

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

interface Command {
  readonly label: string
  readonly file: string
  readonly args: ReadonlyArray<string>
  readonly env?: Readonly<Record<string, string>>
  /** false: shown, not held to the start-up budget (a start that cannot keep a cache). */
  readonly judged?: boolean
}

/** Median wall time of each command, and the median of its ratios to `node -e 0` run just before it. */
export const measureStartup = (
  cliPath: string,
  runs: number,
  variants: StartupVariants = {}
): ReadonlyArray<StartupResult> => {
  const home = tempDir("gehen-bench-startup-")
  const env = simulatorEnv("http://127.0.0.1:9", home, { NO_COLOR: "1" })
  const node = process.execPath
  const commands: Array<Command> = [
    { label: "node -e 0", file: node, args: ["-e", "0"] },
    { label: "gehen --version", file: node, args: [cliPath, "--version"] },
    { label: "gehen --help", file: node, args: [cliPath, "--help"] }
  ]
  if (variants.installed === true) {
    const copy = join(home, "installed")
    mkdirSync(copy)
    for (const f of ["gehen.cjs", "main.cjs"]) copyFileSync(join(dirname(cliPath), f), join(copy, f))
    const launcher = join(copy, "gehen.cjs")
    commands.push(
      { label: "gehen --version, installed", file: node, args: [launcher, "--version"] },
      { label: "gehen --help, installed", file: node, args: [launcher, "--help"] }
    )
  }
  if (variants.seaPath !== undefined) {
    commands.push(
      { label: `${basename(variants.seaPath)} --version`, file: variants.seaPath, args: ["--version"] },
      { label: `${basename(variants.seaPath)} --help`, file: variants.seaPath, args: ["--help"] }
    )
  }
  const once = (c: Command) => {
    // A failed run is retried (once a second, twice): a parallel `npm run build` replaces dist/cli for a moment.
    let last = ""
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000)
      const t0 = process.hrtime.bigint()
      const r = spawnSync(c.file, c.args, { env: { ...env, ...c.env }, stdio: ["ignore", "ignore", "pipe"] })
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      if (r.status === 0) return ms
      last = `${c.file} ${c.args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr.toString().trim().slice(-500)}`
    }
    throw new Error(last)
  }
  // Pairs, as A B A B ...: each command's run right after a run of `node -e 0`, and the
  // ratio taken pair by pair, so that the machine's drift during the measurement cancels out.
  const samples = commands.map(() => [] as Array<number>)
  const ratios = commands.map(() => [] as Array<number>)
  try {
    // One warm-up each fills the OS file cache.
    for (const c of commands) once(c)
    for (let i = 0; i < runs; i++) {
      for (const [j, c] of commands.entries()) {
        const base = once(commands[0]!)
        const ms = j === 0 ? base : once(c)
        samples[j]!.push(ms)
        ratios[j]!.push(ms / base)
      }
    }
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
  return commands.map((c, j) => ({
    label: c.label,
    runs,
    medianMs: median(samples[j]!),
    ratio: median(ratios[j]!),
    ...(c.judged === false ? { judged: false } : {})
  }))
}
