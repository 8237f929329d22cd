/** One size: N services seeded in a fresh simulator, one deploy of them by the CLI, and what it cost. */
import { rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { RunReport as RunReportSchema } from "../../src/report/Report.js"
import { type SimulatorApi, Simulator, startSimServerPromise } from "../../src/testing/index.js"
import { simulatorEnv, tempDir } from "../demo/cli.js"
import { runCli } from "./cliRun.js"
import type { BenchOptions, SizeResult } from "./model.js"
import { phaseWindow, pollStats } from "./pollStats.js"
import { configYaml, type Placed, placement, REGION, rolloutFor, seed, servicesByCluster, SHA } from "./simulator.js"

const decodeReport = Schema.decodeUnknownOption(Schema.parseJson(RunReportSchema))

/** When the simulator completed the last rollout: it stamps a deployment's updatedAt as its old tasks go. */
const lastRolloutDone = async (sim: SimulatorApi, placed: ReadonlyArray<Placed>): Promise<number | undefined> => {
  let last = 0
  for (const s of placed) {
    const svc = await Effect.runPromise(sim.service(s.cluster, s.name, REGION))
    const d = svc?.deployments
    if (d?.length !== 1 || d[0]?.rolloutState !== "COMPLETED" || d[0].updatedAt === undefined) return undefined
    last = Math.max(last, d[0].updatedAt.getTime())
  }
  return last
}

/** A blue/green service bakes for half the rollout: its stages and bake time run on top of R. */
export const blueGreenFor = (rolloutSeconds: number) => ({ strategy: "BLUE_GREEN" as const, bakeTimeInMinutes: rolloutSeconds / 120 })

export const runSize = async (options: BenchOptions, n: number, strategy: "ROLLING" | "BLUE_GREEN" = "ROLLING"): Promise<SizeResult> => {
  const R = options.rolloutSeconds
  const intervalMs = options.intervalSeconds * 1000
  const placed = placement(n, options.clusterSize ?? 50)
  const byCluster = servicesByCluster(placed)
  const sim = await Effect.runPromise(Simulator.make({ behaviour: () => rolloutFor(R) }))
  await Effect.runPromise(seed(sim, placed, options.desiredCount ?? 2, strategy === "BLUE_GREEN" ? blueGreenFor(R) : undefined))
  const server = await startSimServerPromise(sim, { host: "127.0.0.1" })
  const dir = tempDir("gehen-bench-")
  try {
    const path = join(dir, "gehen.yml")
    writeFileSync(path, configYaml(placed, server.url, options))
    const env = simulatorEnv(server.url, dir, { NO_COLOR: "1" })
    const args = ["deploy", "--gitsha", SHA, "--path", path, "--output", "json"]
    const run = await runCli(options.cliPath, args, env, 3 * R * 1000 + 120_000)

    const calls = await Effect.runPromise(sim.calls())
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
    const lastDone = await lastRolloutDone(sim, placed)
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
