/**
 * `npm run bench`: the real CLI (a subprocess, real SDK clients over HTTP) against the
 * simulator, for N services with a scripted healthy rollout of R seconds, plus the
 * CLI's start-up time. What it measures is written next to each number in the output.
 *
 * The parts: simulator.ts seeds the services, cliRun.ts runs the CLI and samples its
 * memory, size.ts measures one deploy, pollStats.ts counts its reads per round and
 * cluster, startup.ts times start-up, checks.ts holds the targets, format.ts writes the
 * report; this module runs them in order.
 */
import { existsSync, readFileSync } from "node:fs"
import { availableParallelism, cpus, loadavg, release, totalmem, type } from "node:os"
import { judge } from "./checks.js"
import type { BenchOptions, BenchReport, Machine, SizeResult, StartupResult } from "./model.js"
import { rolloutFor } from "./simulator.js"
import { runSize } from "./size.js"
import { measureStartup } from "./startup.js"

const machine = (): Machine => {
  let cpu = cpus()[0]?.model ?? "unknown"
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? cpu
  } catch {
    // Not Linux: os.cpus() has the model.
  }
  return {
    cpu,
    cores: availableParallelism(),
    node: process.version,
    os: `${type()} ${release()}`,
    memoryGb: totalmem() / 2 ** 30,
    loadAverage: loadavg()[0] ?? 0
  }
}

export const runBench = async (options: BenchOptions): Promise<BenchReport> => {
  const { log } = options
  if (!existsSync(options.cliPath)) throw new Error(`the bundled CLI ${options.cliPath} is missing: run \`npm run build\` first`)
  const host = machine()
  const R = options.rolloutSeconds
  const sizes: Array<SizeResult> = []
  for (const n of options.sizes) {
    log(`N=${n}: deploying ${n} service(s) (rollout ${R} s, interval ${options.intervalSeconds} s)...`)
    const s = await runSize(options, n)
    sizes.push(s)
    log(
      `N=${n}: exit ${s.exitCode} after ${(s.wallMs / 1000).toFixed(2)} s, ${s.totalCalls} AWS calls, ` +
        `peak RSS ${s.peakRssMb?.toFixed(0) ?? "?"} MB`
    )
    if (s.exitCode !== 0) log(`N=${n}: the CLI's stderr ended with:\n${s.stderrTail}`)
  }
  for (const n of options.blueGreenSizes ?? []) {
    log(`N=${n} blue/green: deploying ${n} BLUE_GREEN service(s) (bake ${R / 2} s)...`)
    const s = await runSize(options, n, "BLUE_GREEN")
    sizes.push(s)
    log(`N=${n} blue/green: exit ${s.exitCode} after ${(s.wallMs / 1000).toFixed(2)} s, ${s.totalCalls} AWS calls`)
    if (s.exitCode !== 0) log(`N=${n} blue/green: the CLI's stderr ended with:\n${s.stderrTail}`)
  }
  const runs = options.startupRuns ?? 15
  let startup: ReadonlyArray<StartupResult> = []
  let startupError: string | undefined
  if (runs > 0) {
    const more = options.startupVariants === undefined ? "" : " and their variants"
    log(`start-up: ${runs} runs each of node -e 0, gehen --version, gehen --help${more}...`)
    try {
      startup = measureStartup(options.cliPath, runs, options.startupVariants)
    } catch (e) {
      // Keep the deploy numbers; the failed measurement becomes a failed check.
      startupError = e instanceof Error ? e.message : String(e)
    }
  }
  const checks = judge(options, sizes, startup)
  if (startupError !== undefined) checks.push({ name: "start-up measured", pass: false, detail: startupError })
  return {
    machine: host,
    settings: {
      rolloutSeconds: R,
      intervalSeconds: options.intervalSeconds,
      rollout: rolloutFor(R),
      clusterSize: options.clusterSize ?? 50,
      desiredCount: options.desiredCount ?? 2,
      concurrency: options.concurrency ?? "default",
      startupRuns: runs
    },
    sizes,
    startup,
    checks,
    ok: checks.every((c) => c.pass)
  }
}
