/**
 * `npm run bench`: the real CLI (a subprocess, real SDK clients over HTTP) against the
 * simulator, for N services with a scripted healthy rollout of R seconds, plus the
 * CLI's start-up time. What it measures is written next to each number in the output.
 *
 * The parts: simProcess.ts runs the simulator in a process of its own (simulator.ts seeds
 * the services, simClient.ts drives it), cliRun.ts runs the CLI and measures its memory
 * and CPU time, size.ts measures one deploy, pollStats.ts counts its reads per round and
 * cluster, startup.ts times start-up, firstRequest.ts a deploy's start to its first AWS
 * request (the GitHub Action's too), timings.ts the real-time guarantees, install.ts the
 * package installed, checks.ts holds the targets, format.ts writes the report; this module
 * runs them in order.
 */
import { existsSync, readFileSync } from "node:fs"
import { availableParallelism, cpus, loadavg, release, totalmem, type } from "node:os"
import { judge, judgeInstall, judgeTimings } from "./checks.js"
import { measureFirstRequest } from "./firstRequest.js"
import { measureInstall } from "./install.js"
import type {
  BenchOptions,
  BenchReport,
  Check,
  InstallResult,
  Machine,
  SizeResult,
  StartupResult,
  Timings
} from "./model.js"
import { rolloutFor } from "./simulator.js"
import { runSize } from "./size.js"
import { measureStartup } from "./startup.js"
import { measureTimings } from "./timings.js"

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
  if (!existsSync(options.cliPath)) {
    throw new Error(`the bundled CLI ${options.cliPath} is missing: run \`npm run build\` first`)
  }
  if (!existsSync(options.simPath)) {
    throw new Error(`the bench's simulator ${options.simPath} is missing: run \`npm run build\` first`)
  }
  const host = machine()
  const R = options.rolloutSeconds
  const sizes: Array<SizeResult> = []
  for (const n of options.sizes) {
    log(`N=${n}: deploying ${n} service(s) (rollout ${R} s, interval ${options.intervalSeconds} s)...`)
    const s = await runSize(options, n)
    sizes.push(s)
    log(
      `N=${n}: exit ${s.exitCode} after ${(s.wallMs / 1000).toFixed(2)} s, ${s.totalCalls} AWS calls, ` +
        `peak RSS ${s.peakRssMb?.toFixed(0) ?? "?"} MB, CPU ${s.cpuSeconds?.toFixed(2) ?? "?"} s ` +
        `(${s.cpuMsPerService?.toFixed(1) ?? "?"} ms per service; the simulator ${
          s.simulatorCpuSeconds?.toFixed(2) ?? "?"
        } s)`
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
  const failures: Array<Check> = []
  // Keep the other numbers when one measurement fails: it becomes a failed check.
  const measured = async <A>(name: string, measure: () => A | Promise<A>): Promise<A | undefined> => {
    try {
      return await measure()
    } catch (e) {
      failures.push({ name: `${name} measured`, pass: false, detail: e instanceof Error ? e.message : String(e) })
      return undefined
    }
  }
  if (runs > 0) {
    const more = options.startupVariants === undefined ? "" : " and their variants"
    log(`start-up: ${runs} runs each of node -e 0, gehen --version, gehen --help${more}...`)
    startup = (await measured("start-up", () => measureStartup(options.cliPath, runs, options.startupVariants))) ?? []
    if (options.startupVariants?.firstRequest === true) {
      log(
        `start-up: ${runs} runs each of a deploy's start to its first AWS request${
          options.startupVariants.actionScript === undefined ? "" : ", the GitHub Action's too"
        }...`
      )
      const first = await measured(
        "start-up to the first AWS request",
        () =>
          measureFirstRequest(options.cliPath, runs, {
            actionScript: options.startupVariants?.actionScript,
            seaPath: options.startupVariants?.seaPath
          })
      )
      startup = [...startup, ...(first ?? [])]
    }
  }
  let timings: Timings | undefined
  if ((options.timingRuns ?? 0) > 0) {
    log(
      `timings: ${options.timingRuns} runs each of the exit after the report, with silent receivers, and missing credentials...`
    )
    timings = await measured(
      "timings",
      () => measureTimings(options.cliPath, options.simPath, options.timingRuns!, log)
    )
  }
  let install: InstallResult | undefined
  if (options.installFrom !== undefined) {
    log("install: npm pack, then npm install -g of the tarball into an empty prefix...")
    install = await measured("install", () => measureInstall(options.installFrom!))
  }
  const checks = [
    ...judge(options, sizes, startup),
    ...(timings === undefined ? [] : judgeTimings(timings)),
    ...(install === undefined ? [] : judgeInstall(install)),
    ...failures
  ]
  return {
    machine: host,
    settings: {
      rolloutSeconds: R,
      intervalSeconds: options.intervalSeconds,
      rollout: rolloutFor(R),
      clusterSize: options.clusterSize ?? 50,
      desiredCount: options.desiredCount ?? 2,
      concurrency: options.concurrency ?? "default",
      startupRuns: runs,
      simulator: "a process of its own"
    },
    sizes,
    startup,
    ...(timings === undefined ? {} : { timings }),
    ...(install === undefined ? {} : { install }),
    checks,
    ok: checks.every((c) => c.pass)
  }
}
