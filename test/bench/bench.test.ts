// The bench's structure and call counting on a small run; no timing assertions (CI machines vary).
import { describe, expect, it } from "vitest"
import { formatBench, pollStats, runBench } from "../../tools/bench/bench.js"
import type { SimCall } from "../../src/testing/index.js"
import { CLI } from "../support/subprocess.js"

const call = (operation: string, at: number): SimCall => ({ operation, region: "us-east-1", params: {}, at, face: "http" })

describe("pollStats", () => {
  it("starts a round at a DescribeServices call more than half an interval after the previous one", () => {
    const calls = [
      call("DescribeServices", 1000),
      call("DescribeServices", 1003),
      call("DescribeServices", 2000),
      call("ListTasks", 2010),
      call("DescribeTasks", 2020),
      call("DescribeServices", 3001),
      call("UpdateService", 3002),
      // Outside the window.
      call("DescribeServices", 9000)
    ]
    const s = pollStats(calls, 1000, 4000, 1000, 2)
    expect(s?.rounds).toBe(3)
    expect(s?.perRound).toEqual([2, 3, 1])
    expect(s?.readsPerRound).toBe(2)
    expect(s?.readsPerRoundPerCluster).toBe(1)
    expect(pollStats(calls, 5000, 6000, 1000, 1)).toBeUndefined()
  })
})

describe("runBench", () => {
  it("measures N = 1 and 10 with sane call counts", async () => {
    const report = await runBench({
      cliPath: CLI,
      sizes: [1, 10],
      rolloutSeconds: 1,
      intervalSeconds: 0.5,
      clusterSize: 4,
      startupRuns: 1,
      log: () => {}
    })
    expect(report.sizes.map((s) => [s.services, s.clusters])).toEqual([[1, 1], [10, 3]])
    for (const s of report.sizes) {
      expect(s.exitCode, s.stderrTail).toBe(0)
      expect(s.report?.outcome).toBe("deployed")
      expect(s.report?.services).toHaveLength(s.services)
      // One revision and one update per service, one description of its task definition, no retries.
      expect(s.callsByOperation["RegisterTaskDefinition"]).toBe(s.services)
      expect(s.callsByOperation["UpdateService"]).toBe(s.services)
      expect(s.callsByOperation["DescribeTaskDefinition"]).toBe(s.services)
      expect(s.failedCalls).toBe(0)
      expect(s.totalCalls).toBe(Object.values(s.callsByOperation).reduce((a, b) => a + b, 0))
      expect(s.callsPerService).toBeCloseTo(s.totalCalls / s.services)
      // The drain polls every cluster with one DescribeServices per round (at most 4 services each here).
      const drain = s.drain
      expect(drain).toBeDefined()
      expect(drain!.rounds).toBeGreaterThanOrEqual(1)
      expect(drain!.perRound).toHaveLength(drain!.rounds)
      expect(drain!.describeServices).toBeGreaterThanOrEqual(s.clusters)
      expect(drain!.describeServices).toBeLessThanOrEqual(drain!.rounds * s.clusters)
      expect(drain!.readsPerRoundPerCluster).toBeGreaterThan(0)
      expect(s.lastRolloutDoneAt).toBeDefined()
      expect(s.exitAfterLastRolloutMs).toBeDefined()
      if (s.peakRssMb !== undefined) expect(s.peakRssMb).toBeGreaterThan(10)
    }
    expect(report.startup.map((s) => s.label)).toEqual(["node -e 0", "gehen --version", "gehen --help"])
    expect(report.startup[0]?.ratio).toBe(1)
    expect(report.checks.length).toBeGreaterThan(0)
    expect(report.ok).toBe(report.checks.every((c) => c.pass))
    const text = formatBench(report)
    expect(text).toContain("| N | clusters |")
    expect(text).toMatch(/^- (PASS|FAIL) /m)
  }, 90_000)
})
