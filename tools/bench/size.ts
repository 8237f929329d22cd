/** One size: N services seeded in a fresh simulator process, one deploy of them by the CLI, and what it cost. */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { RunReport as RunReportSchema } from "../../src/report/Report.js"
import { simulatorEnv, tempDir } from "../demo/cli.js"
import { runCli } from "./cliRun.js"
import type { BenchOptions, SizeResult } from "./model.js"
import { phaseWindow, pollStats } from "./pollStats.js"
import { startSimProcess } from "./simClient.js"
import { configYaml, placement, servicesByCluster, SHA } from "./simulator.js"

const decodeReport = Schema.decodeUnknownOption(Schema.parseJson(RunReportSchema))

export const runSize = async (
  options: BenchOptions,
  n: number,
  strategy: "ROLLING" | "BLUE_GREEN" = "ROLLING"
): Promise<SizeResult> => {
  const R = options.rolloutSeconds
  const intervalMs = options.intervalSeconds * 1000
  const clusterSize = options.clusterSize ?? 50
  const placed = placement(n, clusterSize)
  const byCluster = servicesByCluster(placed)
  const sim = await startSimProcess(options.simPath, {
    services: n,
    clusterSize,
    desiredCount: options.desiredCount ?? 2,
    rolloutSeconds: R,
    strategy
  })
  const dir = tempDir("gehen-bench-")
  try {
    const path = join(dir, "gehen.yml")
    writeFileSync(path, configYaml(placed, sim.url, options))
    const env = simulatorEnv(sim.url, dir, { NO_COLOR: "1" })
    const args = ["deploy", "--gitsha", SHA, "--path", path, "--output", "json"]
    const simBefore = await sim.usage()
    const run = await runCli(options.cliPath, args, env, 3 * R * 1000 + 120_000)
    const simAfter = await sim.usage()

    const calls = await sim.calls()
    const callsByOperation: Record<string, number> = {}
    for (const c of calls) callsByOperation[c.operation] = (callsByOperation[c.operation] ?? 0) + 1
    const report = Option.getOrUndefined(decodeReport(run.stdout))
    if (report === undefined) {
      const kept = join(tmpdir(), `gehen-bench-stdout-${n}.json`)
      writeFileSync(kept, run.stdout)
      options.log(`N=${n}: the CLI's stdout was not a RunReport (${run.stdout.length} bytes, kept in ${kept})`)
    }
    const statsOver = (phases: ReadonlyArray<string>) => {
      const window = phaseWindow(report, phases)
      return window === undefined ? undefined : pollStats(calls, window.from, window.to, intervalMs)
    }
    const lastDone = await sim.lastRolloutDone()
    const wallMs = run.exitedAt - run.startedAt
    return {
      services: n,
      strategy,
      clusters: Object.keys(byCluster).length,
      servicesByCluster: byCluster,
      exitCode: run.code,
      wallMs,
      overheadMs: wallMs - R * 1000,
      overheadIntervals: (wallMs - R * 1000) / intervalMs,
      callsByOperation,
      totalCalls: calls.length,
      callsPerService: calls.length / n,
      failedCalls: calls.filter((c) => c.error !== undefined).length,
      drain: statsOver(["drain"]),
      wait: statsOver(["version-check", "drain"]),
      peakRssMb: run.peakRssKb === undefined ? undefined : run.peakRssKb / 1024,
      cpuSeconds: run.cpuSeconds,
      cpuMsPerService: run.cpuSeconds === undefined ? undefined : (run.cpuSeconds * 1000) / n,
      simulatorCpuSeconds: simAfter.cpuSeconds - simBefore.cpuSeconds,
      rssMethod: run.rssMethod,
      lastRolloutDoneAt: lastDone,
      exitAfterLastRolloutMs: lastDone === undefined ? undefined : run.exitedAt - lastDone,
      report,
      stderrTail: run.code === 0 ? "" : run.stderrTail
    }
  } finally {
    await sim.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
