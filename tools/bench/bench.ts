/**
 * `npm run bench`: the real CLI (a subprocess, real SDK clients over HTTP) against the
 * simulator, for N services with a scripted healthy rollout of R seconds, plus the
 * CLI's start-up time. What it measures is written next to each number in the output.
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { type RunReport, RunReport as RunReportSchema } from "../../src/report/Report.js"
import { simulatorEnv, tempDir } from "../demo/cli.js"
import { type Behaviour, type SimCall, Simulator, type SimulatorApi, startSimServerPromise } from "../../src/testing/index.js"

export interface BenchOptions {
  /** The bundled CLI, `dist/cli/gehen.cjs`. */
  readonly cliPath: string
  /** Numbers of services, one deploy each. */
  readonly sizes: ReadonlyArray<number>
  /** R: from UpdateService until a service's old deployment has drained, in seconds. */
  readonly rolloutSeconds: number
  /** gehen's checkIntervalSeconds. */
  readonly intervalSeconds: number
  /** Most services per cluster (clusters are filled in order). */
  readonly clusterSize?: number | undefined
  /** Tasks per service. */
  readonly desiredCount?: number | undefined
  /** gehen.yml `concurrency`; gehen's default when absent. */
  readonly concurrency?: number | undefined
  /** Runs per start-up command (after one warm-up run); 0 skips the start-up measurement. */
  readonly startupRuns?: number | undefined
  /** Progress lines while the bench runs. */
  readonly log: (line: string) => void
}

export interface PollStats {
  /** Poll rounds seen: DescribeServices calls more than half an interval apart start a new round. */
  readonly rounds: number
  /** Reads in each round, in order (a burst shows task inspection). */
  readonly perRound: ReadonlyArray<number>
  readonly describeServices: number
  readonly listTasks: number
  readonly describeTasks: number
  /** (DescribeServices + ListTasks + DescribeTasks) / rounds. */
  readonly readsPerRound: number
  /** readsPerRound / clusters. */
  readonly readsPerRoundPerCluster: number
  /** The window counted, ms since the epoch. */
  readonly from: number
  readonly to: number
}

export interface SizeResult {
  readonly services: number
  readonly clusters: number
  readonly exitCode: number | null
  /** From spawning the CLI until it exited. */
  readonly wallMs: number
  /** wallMs - R. */
  readonly overheadMs: number
  readonly overheadIntervals: number
  readonly callsByOperation: Readonly<Record<string, number>>
  readonly totalCalls: number
  readonly callsPerService: number
  /** Throttled or failed calls (none expected: no faults are injected). */
  readonly failedCalls: number
  /** The drain phase: from the first service's drain start to the last one's end (from `--output json`). */
  readonly drain: PollStats | undefined
  /** The whole wait: version check (with its failure watch) and drain. */
  readonly wait: PollStats | undefined
  /** Peak resident set of the CLI process, in MB; undefined when it could not be measured. */
  readonly peakRssMb: number | undefined
  readonly rssMethod: string
  /** When the simulator completed the last rollout (the old deployment gone). */
  readonly lastRolloutDoneAt: number | undefined
  /** From that moment until the CLI exited. */
  readonly exitAfterLastRolloutMs: number | undefined
  /** The run's own report, decoded; undefined when stdout was not one. */
  readonly report: RunReport | undefined
  /** The end of the CLI's stderr, for a failed run. */
  readonly stderrTail: string
}

export interface StartupResult {
  readonly label: string
  readonly runs: number
  readonly medianMs: number
  /** medianMs / the median of `node -e 0`. */
  readonly ratio: number
}

export interface Check {
  readonly name: string
  readonly pass: boolean
  readonly detail: string
}

export interface BenchReport {
  readonly machine: {
    readonly cpu: string
    readonly cores: number
    readonly node: string
    readonly os: string
    readonly memoryGb: number
    /** 1-minute load average when the bench started: other work on the machine skews the times. */
    readonly loadAverage: number
  }
  readonly settings: {
    readonly rolloutSeconds: number
    readonly intervalSeconds: number
    readonly rollout: Behaviour
    readonly clusterSize: number
    readonly desiredCount: number
    readonly concurrency: number | "default"
    readonly startupRuns: number
  }
  readonly sizes: ReadonlyArray<SizeResult>
  readonly startup: ReadonlyArray<StartupResult>
  readonly checks: ReadonlyArray<Check>
  readonly ok: boolean
}

const SHA = "be4c0ffee1234567"
const OLD = "0ldbe4c0ffee"
const READ_OPS = ["DescribeServices", "ListTasks", "DescribeTasks"]
// Exit may follow the last rollout by one interval plus this much (a poll's round trip, the report, exit).
const EXIT_SLACK_MS = 500
const RSS_LIMIT_MB = 200
const STARTUP_RATIO_LIMIT = 3

/** Tasks run at 0.3 R and turn healthy at 0.6 R; the old tasks are gone by R. */
export const rolloutFor = (seconds: number): Behaviour => ({
  kind: "healthy",
  startAfter: 0.3 * seconds,
  healthyAfter: 0.6 * seconds,
  drainAfter: 0.4 * seconds
})

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
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

interface CliRun {
  readonly code: number | null
  readonly startedAt: number
  readonly exitedAt: number
  readonly stdout: string
  readonly stderrTail: string
  readonly peakRssKb: number | undefined
  readonly rssMethod: string
}

/** One deploy, measured: wall time by the bench's clock, peak RSS by GNU time or else by polling VmHWM. */
const runCli = (cliPath: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, limitMs: number): Promise<CliRun> =>
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

/** Reads within [from, to], grouped into rounds by the gaps between DescribeServices calls. */
export const pollStats = (
  calls: ReadonlyArray<SimCall>,
  from: number,
  to: number,
  intervalMs: number,
  clusters: number
): PollStats | undefined => {
  const inWindow = calls.filter((c) => READ_OPS.includes(c.operation) && c.at >= from && c.at <= to)
  const count = (op: string) => inWindow.filter((c) => c.operation === op).length
  const times = inWindow.filter((c) => c.operation === "DescribeServices").map((c) => c.at).sort((a, b) => a - b)
  if (times.length === 0) return undefined
  // A round's calls go out together; the next round is an interval later.
  const starts = [times[0]!]
  for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! > intervalMs / 2) starts.push(times[i]!)
  const rounds = starts.length
  // Each read belongs to the latest round started by its time (task inspection follows its DescribeServices).
  const perRound = starts.map(() => 0)
  for (const c of inWindow) {
    let r = 0
    while (r + 1 < starts.length && starts[r + 1]! <= c.at) r++
    perRound[r]!++
  }
  const readsPerRound = inWindow.length / rounds
  return {
    rounds,
    perRound,
    describeServices: count("DescribeServices"),
    listTasks: count("ListTasks"),
    describeTasks: count("DescribeTasks"),
    readsPerRound,
    readsPerRoundPerCluster: readsPerRound / clusters,
    from,
    to
  }
}

/** The window of a phase over all services, from the run's JSON report. */
const phaseWindow = (report: RunReport | undefined, phases: ReadonlyArray<string>): { from: number; to: number } | undefined => {
  const spans = (report?.services ?? []).flatMap((s) => s.phases.filter((p) => phases.includes(p.phase)))
  if (spans.length === 0) return undefined
  const from = Math.min(...spans.map((p) => Date.parse(p.startedAt)))
  const to = Math.max(...spans.map((p) => (p.endedAt === null ? Number.NaN : Date.parse(p.endedAt))))
  return Number.isFinite(from) && Number.isFinite(to) ? { from, to } : undefined
}

const decodeReport = Schema.decodeUnknownOption(Schema.parseJson(RunReportSchema))

const clusterName = (i: number) => `bench-${i + 1}`
const serviceName = (i: number) => `svc-${String(i + 1).padStart(3, "0")}`

const seed = (sim: SimulatorApi, n: number, clusterSize: number, desiredCount: number) =>
  Effect.gen(function*() {
    const placed: Array<{ readonly name: string; readonly cluster: string }> = []
    for (let i = 0; i < n; i++) {
      const cluster = clusterName(Math.floor(i / clusterSize))
      const name = serviceName(i)
      // One family per service, as in a real account.
      const td = yield* sim.seedTaskDefinition("us-east-1", {
        family: name,
        containerDefinitions: [{ name: "app", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}:${OLD}`, memory: 256 }]
      })
      yield* sim.addService({ cluster, name, taskDefinition: td, region: "us-east-1", desiredCount })
      placed.push({ name, cluster })
    }
    return placed
  })

const runSize = async (options: BenchOptions, n: number): Promise<SizeResult> => {
  const R = options.rolloutSeconds
  const intervalMs = options.intervalSeconds * 1000
  const clusterSize = options.clusterSize ?? 50
  const clusters = Math.ceil(n / clusterSize)
  const sim = await Effect.runPromise(Simulator.make({ behaviour: () => rolloutFor(R) }))
  const placed = await Effect.runPromise(seed(sim, n, clusterSize, options.desiredCount ?? 2))
  const server = await startSimServerPromise(sim, { host: "127.0.0.1" })
  const dir = tempDir("gehen-bench-")
  try {
    const path = join(dir, "gehen.yml")
    const lines = [
      "services:",
      ...placed.flatMap((s) => [`  ${s.name}:`, `    cluster: ${s.cluster}`, `    url: ${server.url}/version/${s.cluster}/${s.name}`]),
      `timeoutMinutes: ${Math.max(1, Math.ceil((3 * R) / 60))}`,
      `checkIntervalSeconds: ${options.intervalSeconds}`,
      ...(options.concurrency === undefined ? [] : [`concurrency: ${options.concurrency}`])
    ]
    writeFileSync(path, `${lines.join("\n")}\n`)
    const env = simulatorEnv(server.url, dir, { NO_COLOR: "1" })
    const run = await runCli(options.cliPath, ["deploy", "--gitsha", SHA, "--path", path, "--output", "json"], env, 3 * R * 1000 + 120_000)

    const calls = await Effect.runPromise(sim.calls())
    const callsByOperation: Record<string, number> = {}
    for (const c of calls) callsByOperation[c.operation] = (callsByOperation[c.operation] ?? 0) + 1
    const report = Option.getOrUndefined(decodeReport(run.stdout))
    if (report === undefined) {
      const kept = join(tmpdir(), `gehen-bench-stdout-${n}.json`)
      writeFileSync(kept, run.stdout)
      options.log(`N=${n}: the CLI's stdout was not a RunReport (${run.stdout.length} bytes, kept in ${kept})`)
    }
    const drainWindow = phaseWindow(report, ["drain"])
    const waitWindow = phaseWindow(report, ["version-check", "drain"])

    // The simulator stamps a deployment's updatedAt when it completes (old tasks gone).
    let lastDone: number | undefined = 0
    for (const s of placed) {
      const svc = await Effect.runPromise(sim.service(s.cluster, s.name, "us-east-1"))
      const d = svc?.deployments
      if (d?.length !== 1 || d[0]?.rolloutState !== "COMPLETED" || d[0].updatedAt === undefined) {
        lastDone = undefined
        break
      }
      lastDone = Math.max(lastDone, d[0].updatedAt.getTime())
    }
    const wallMs = run.exitedAt - run.startedAt
    return {
      services: n,
      clusters,
      exitCode: run.code,
      wallMs,
      overheadMs: wallMs - R * 1000,
      overheadIntervals: (wallMs - R * 1000) / intervalMs,
      callsByOperation,
      totalCalls: calls.length,
      callsPerService: calls.length / n,
      failedCalls: calls.filter((c) => c.error !== undefined).length,
      drain: drainWindow === undefined ? undefined : pollStats(calls, drainWindow.from, drainWindow.to, intervalMs, clusters),
      wait: waitWindow === undefined ? undefined : pollStats(calls, waitWindow.from, waitWindow.to, intervalMs, clusters),
      peakRssMb: run.peakRssKb === undefined ? undefined : run.peakRssKb / 1024,
      rssMethod: run.rssMethod,
      lastRolloutDoneAt: lastDone,
      exitAfterLastRolloutMs: lastDone === undefined ? undefined : run.exitedAt - lastDone,
      report,
      stderrTail: run.code === 0 ? "" : run.stderrTail
    }
  } finally {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Median wall time of each command, runs interleaved so drift hits all three alike. */
const measureStartup = (cliPath: string, runs: number): ReadonlyArray<StartupResult> => {
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

const machine = (): BenchReport["machine"] => {
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

const judge = (options: BenchOptions, sizes: ReadonlyArray<SizeResult>, startup: ReadonlyArray<StartupResult>): Array<Check> => {
  const R = options.rolloutSeconds
  const I = options.intervalSeconds
  const checks: Array<Check> = []
  for (const s of sizes) {
    const at = `N=${s.services}`
    checks.push({ name: `${at}: deploy exited 0`, pass: s.exitCode === 0, detail: `exit ${s.exitCode}` })
    const wallLimit = R + 2 * I + 5
    checks.push({
      name: `${at}: wall time <= R + 2 intervals + 5 s`,
      pass: s.wallMs / 1000 <= wallLimit,
      detail: `${(s.wallMs / 1000).toFixed(2)} s <= ${wallLimit} s`
    })
    checks.push({
      name: `${at}: peak RSS < ${RSS_LIMIT_MB} MB`,
      pass: s.peakRssMb !== undefined && s.peakRssMb < RSS_LIMIT_MB,
      detail: s.peakRssMb === undefined ? "not measured" : `${s.peakRssMb.toFixed(0)} MB`
    })
    const exitLimit = I * 1000 + EXIT_SLACK_MS
    checks.push({
      name: `${at}: exit <= 1 interval + ${EXIT_SLACK_MS} ms after the last rollout completed`,
      pass: s.exitAfterLastRolloutMs !== undefined && s.exitAfterLastRolloutMs <= exitLimit,
      detail: s.exitAfterLastRolloutMs === undefined ? "some rollout did not complete" : `${s.exitAfterLastRolloutMs} ms <= ${exitLimit} ms`
    })
  }
  // The calls-per-round target is stated for N = 200; with smaller sizes only, the largest stands in.
  const big = sizes.find((s) => s.services === 200) ?? [...sizes].sort((a, b) => b.services - a.services)[0]
  if (big !== undefined) {
    const limit = 1.5 * Math.ceil(big.services / 10)
    checks.push({
      name: `N=${big.services}: drain reads per poll round <= 1.5 x ceil(N/10) = ${limit} (${(limit / big.clusters).toFixed(2)} per cluster)`,
      pass: big.drain !== undefined && big.drain.readsPerRound <= limit,
      detail: big.drain === undefined
        ? "no drain phase seen"
        : `${big.drain.readsPerRound.toFixed(2)} per round (${big.drain.readsPerRoundPerCluster.toFixed(2)} per cluster)`
    })
  }
  for (const s of startup.slice(1)) {
    checks.push({
      name: `start-up: ${s.label} median < ${STARTUP_RATIO_LIMIT}x node -e 0`,
      pass: s.ratio < STARTUP_RATIO_LIMIT,
      detail: `${s.medianMs.toFixed(0)} ms = ${s.ratio.toFixed(2)}x`
    })
  }
  return checks
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
  const runs = options.startupRuns ?? 15
  let startup: ReadonlyArray<StartupResult> = []
  let startupError: string | undefined
  if (runs > 0) {
    log(`start-up: ${runs} runs each of node -e 0, gehen --version, gehen --help...`)
    try {
      startup = measureStartup(options.cliPath, runs)
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

const fixed = (x: number | undefined, digits: number) => (x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(digits))

/** The report as Markdown, ready for the README. */
export const formatBench = (report: BenchReport): string => {
  const { machine: m, settings: st } = report
  const out: Array<string> = []
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb.toFixed(1)} GB, ${m.os}, Node ${m.node}; ` +
      `load average ${m.loadAverage.toFixed(2)} when the bench started.`
  )
  out.push(
    `Setup: the simulator (in the bench's process, over HTTP on 127.0.0.1) and the bundled CLI as a subprocess; ` +
      `every service has a url and ${st.desiredCount} tasks, clusters of at most ${st.clusterSize} services, ` +
      `concurrency ${st.concurrency}. Rollout R = ${st.rolloutSeconds} s: new tasks run at ${fixed(st.rollout.startAfter, 1)} s, ` +
      `turn healthy at ${fixed(st.rollout.healthyAfter, 1)} s, old tasks gone ${fixed(st.rollout.drainAfter, 1)} s later; ` +
      `checkIntervalSeconds ${st.intervalSeconds}.`
  )
  out.push("")
  out.push(
    "| N | clusters | exit | wall (s) | over R (s) | over R (intervals) | AWS calls | calls/service | drain rounds | " +
      "drain reads/round/cluster | wait reads/round/cluster | peak RSS (MB) | last rollout -> exit (s) |"
  )
  out.push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
  for (const s of report.sizes) {
    out.push(
      `| ${s.services} | ${s.clusters} | ${s.exitCode ?? "killed"} | ${fixed(s.wallMs / 1000, 2)} | ${fixed(s.overheadMs / 1000, 2)} | ` +
        `${fixed(s.overheadIntervals, 1)} | ${s.totalCalls} | ${fixed(s.callsPerService, 1)} | ${s.drain?.rounds ?? "n/a"} | ` +
        `${fixed(s.drain?.readsPerRoundPerCluster, 2)} | ${fixed(s.wait?.readsPerRoundPerCluster, 2)} | ${fixed(s.peakRssMb, 0)} | ` +
        `${fixed(s.exitAfterLastRolloutMs === undefined ? undefined : s.exitAfterLastRolloutMs / 1000, 2)} |`
    )
  }
  const ops = [...new Set(report.sizes.flatMap((s) => Object.keys(s.callsByOperation)))].sort()
  if (ops.length > 0) {
    out.push("")
    out.push(`| AWS calls by operation | ${report.sizes.map((s) => `N=${s.services}`).join(" | ")} |`)
    out.push(`|---|${report.sizes.map(() => "---:").join("|")}|`)
    for (const op of ops) {
      const cells = report.sizes.map((s) => {
        const c = s.callsByOperation[op] ?? 0
        return `${c} (${fixed(c / s.services, 2)}/svc)`
      })
      out.push(`| ${op} | ${cells.join(" | ")} |`)
    }
  }
  if (report.startup.length > 0) {
    out.push("")
    out.push(`| start-up (median of ${report.startup[0]?.runs ?? 0}) | ms | x node -e 0 |`)
    out.push("|---|---:|---:|")
    for (const s of report.startup) out.push(`| \`${s.label}\` | ${fixed(s.medianMs, 0)} | ${fixed(s.ratio, 2)} |`)
  }
  out.push("")
  out.push(
    "How it counts: wall time from spawning the CLI to its exit; AWS calls from the simulator's call record. " +
      "Drain reads are the DescribeServices, ListTasks and DescribeTasks calls between the first service's drain start and " +
      "the last one's end (phase times from `--output json`); a poll round starts at a DescribeServices call more than half " +
      "an interval after the previous one; reads/round/cluster = reads / rounds / clusters. \"wait\" counts the same over the " +
      "version check (whose failure watch polls too) and the drain. Last rollout -> exit: from the simulator completing the last " +
      `rollout to the CLI's exit. Peak RSS: ${report.sizes[0]?.rssMethod ?? "n/a"}.`
  )
  out.push("")
  for (const c of report.checks) out.push(`- ${c.pass ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`)
  return out.join("\n")
}
