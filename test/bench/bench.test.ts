// The bench's counting and checks on hand-built call lists, with expected values worked out by hand;
// then one small real run for its structure (no timing assertions: CI machines vary).
// The simulator runs in a process of its own (dist/tools/bench-sim.mjs, built with the CLI).
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import type { SimCall } from "../../src/testing/index.js"
import { runBench } from "../../tools/bench/bench.js"
import {
  judge,
  judgeInstall,
  judgeTimings,
  overBudget,
  readBudget,
  readBudgetCheck,
  rssLimitMb
} from "../../tools/bench/checks.js"
import { parseTimeFile } from "../../tools/bench/cliRun.js"
import { formatBench } from "../../tools/bench/format.js"
import type { BenchReport, SizeResult } from "../../tools/bench/model.js"
import { clusterOf, pollStats } from "../../tools/bench/pollStats.js"
import { CLI } from "../support/subprocess.js"

const ROOT = join(import.meta.dirname, "..", "..")
const SIM = join(ROOT, "dist", "tools", "bench-sim.mjs")

const call = (operation: string, at: number, cluster?: string): SimCall => ({
  operation,
  region: "us-east-1",
  params: cluster === undefined ? {} : { cluster },
  at,
  face: "http"
})

/**
 * Cluster x (20 services, a budget of 3 reads a round), polled in 4 rounds a second apart:
 * two DescribeServices a round, and in round 4 task inspection on top (2 ListTasks, 1 DescribeTasks).
 * Reads per round 2, 2, 2, 5: 11 in 4 rounds, an average of 2.75, under the budget; round 4 is over it.
 */
const burst: ReadonlyArray<SimCall> = [
  call("DescribeServices", 1000, "x"),
  call("DescribeServices", 1001, "x"),
  call("DescribeServices", 2000, "x"),
  call("DescribeServices", 2001, "x"),
  call("DescribeServices", 3000, "x"),
  call("DescribeServices", 3001, "x"),
  call("DescribeServices", 4000, "x"),
  call("DescribeServices", 4001, "x"),
  call("ListTasks", 4010, "x"),
  call("ListTasks", 4011, "x"),
  call("DescribeTasks", 4020, "arn:aws:ecs:us-east-1:123456789012:cluster/x")
]

describe("pollStats", () => {
  it("starts a round at a read more than half an interval after the previous one, and counts each cluster's reads in it", () => {
    const calls = [
      call("DescribeServices", 1000, "a"),
      call("DescribeServices", 1003, "b"),
      call("DescribeServices", 2000, "a"),
      call("DescribeServices", 2001, "b"),
      call("ListTasks", 2010, "a"),
      call("DescribeTasks", 2020, "arn:aws:ecs:us-east-1:123456789012:cluster/a"),
      call("DescribeServices", 3001, "a"),
      call("UpdateService", 3002, "a"),
      call("DescribeServices", 3004, "b"),
      // Outside the window.
      call("DescribeServices", 9000, "a")
    ]
    const s = pollStats(calls, 1000, 4000, 1000)
    expect(s).toStrictEqual({
      rounds: 3,
      perRound: [2, 4, 2],
      perCluster: { "us-east-1/a": [1, 3, 1], "us-east-1/b": [1, 1, 1] },
      clusters: 2,
      describeServices: 6,
      listTasks: 1,
      describeTasks: 1,
      readsPerRound: 8 / 3,
      readsPerRoundPerCluster: 4 / 3,
      maxReadsPerRoundPerCluster: 3,
      busiest: { cluster: "us-east-1/a", round: 2 },
      from: 1000,
      to: 4000
    })
    expect(pollStats(calls, 5000, 6000, 1000)).toBeUndefined()
  })

  it("counts task looks alone, with no DescribeServices, as a round of their own", () => {
    const calls = [
      call("DescribeServices", 1000, "a"),
      call("ListTasks", 2000, "a"),
      call("DescribeTasks", 2005, "a"),
      call("DescribeServices", 3000, "a")
    ]
    const s = pollStats(calls, 0, 4000, 1000)
    expect(s?.rounds).toBe(3)
    expect(s?.perCluster).toStrictEqual({ "us-east-1/a": [1, 2, 1] })
  })

  it("reports the busiest round besides the average", () => {
    const s = pollStats(burst, 0, 5000, 1000)
    expect(s?.perCluster).toStrictEqual({ "us-east-1/x": [2, 2, 2, 5] })
    expect(s?.readsPerRoundPerCluster).toBe(2.75)
    expect(s?.maxReadsPerRoundPerCluster).toBe(5)
    expect(s?.busiest).toStrictEqual({ cluster: "us-east-1/x", round: 4 })
  })

  it("takes a call's cluster from its parameters: a name in the call's region, an ARN's own region, else default", () => {
    expect(clusterOf(call("ListTasks", 0, "prod"))).toBe("us-east-1/prod")
    expect(clusterOf(call("DescribeTasks", 0, "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"))).toBe(
      "eu-west-1/prod"
    )
    expect(clusterOf(call("DescribeServices", 0))).toBe("us-east-1/default")
  })
})

describe("the read budget", () => {
  it("is 1.5 x ceil(n/10) reads a round for a cluster of n services", () => {
    expect([0, 1, 10, 11, 20, 50, 200].map(readBudget)).toStrictEqual([0, 1.5, 1.5, 3, 3, 7.5, 30])
  })

  it("flags a round that bursts over the budget while the average stays under it", () => {
    const s = pollStats(burst, 0, 5000, 1000)!
    expect(overBudget(s, { "us-east-1/x": 20 })).toStrictEqual([{
      cluster: "us-east-1/x",
      round: 4,
      reads: 5,
      budget: 3
    }])
    expect(readBudgetCheck("N=20", s, { "us-east-1/x": 20 })).toStrictEqual({
      name: "N=20: drain reads of each cluster in every poll round <= 1.5 x ceil(n/10), n = its services (3)",
      pass: false,
      detail:
        "most 5 (us-east-1/x, round 4 of 4), average 2.75 per round per cluster; over budget: us-east-1/x round 4: 5 > 3"
    })
  })

  it("passes when every round of every cluster is within its budget", () => {
    const steady = burst.filter((c) => c.at < 4002)
    expect(readBudgetCheck("N=20", pollStats(steady, 0, 5000, 1000), { "us-east-1/x": 20 })).toStrictEqual({
      name: "N=20: drain reads of each cluster in every poll round <= 1.5 x ceil(n/10), n = its services (3)",
      pass: true,
      detail: "most 2 (us-east-1/x, round 1 of 4), average 2.00 per round per cluster"
    })
  })

  it("holds each cluster to the budget of its own size", () => {
    // Big (50 services, budget 7.5) reads 7 in its round; small (5 services, budget 1.5) reads 2.
    const calls = [
      ...Array.from({ length: 5 }, (_, i) => call("DescribeServices", 1000 + i, "big")),
      call("ListTasks", 1010, "big"),
      call("DescribeTasks", 1020, "big"),
      call("DescribeServices", 1001, "small"),
      call("ListTasks", 1011, "small")
    ]
    const s = pollStats(calls, 0, 2000, 1000)!
    expect(s.perCluster).toStrictEqual({ "us-east-1/big": [7], "us-east-1/small": [2] })
    expect(overBudget(s, { "us-east-1/big": 50, "us-east-1/small": 5 })).toStrictEqual([
      { cluster: "us-east-1/small", round: 1, reads: 2, budget: 1.5 }
    ])
    expect(readBudgetCheck("N=55", s, { "us-east-1/big": 50, "us-east-1/small": 5 }).name).toBe(
      "N=55: drain reads of each cluster in every poll round <= 1.5 x ceil(n/10), n = its services (1.5 or 7.5)"
    )
    // A cluster that is not in the run has nothing to poll: any read is over.
    expect(overBudget(s, { "us-east-1/big": 50 })).toStrictEqual([
      { cluster: "us-east-1/small", round: 1, reads: 2, budget: 0 }
    ])
  })

  it("fails when no drain was seen", () => {
    expect(readBudgetCheck("N=1", undefined, { "us-east-1/x": 1 })).toStrictEqual({
      name: "N=1: drain reads of each cluster in every poll round <= 1.5 x ceil(n/10), n = its services (1.5)",
      pass: false,
      detail: "no drain phase seen"
    })
  })
})

/** N = 20 in one cluster, every measurement within its target but the burst in the drain's round 4. */
const bursty: SizeResult = {
  services: 20,
  clusters: 1,
  servicesByCluster: { "us-east-1/x": 20 },
  exitCode: 0,
  wallMs: 12_340,
  overheadMs: 2340,
  overheadIntervals: 2.34,
  callsByOperation: { DescribeServices: 8, ListTasks: 2, DescribeTasks: 1, UpdateService: 20 },
  totalCalls: 31,
  callsPerService: 1.55,
  failedCalls: 0,
  drain: pollStats(burst, 0, 5000, 1000),
  wait: pollStats(burst, 0, 5000, 1000),
  peakRssMb: 140.4,
  cpuSeconds: 1.2,
  cpuMsPerService: 60,
  simulatorCpuSeconds: 0.8,
  rssMethod: "GNU time %M %U %S (ru_maxrss, user and system time)",
  lastRolloutDoneAt: 1_000_000,
  exitAfterLastRolloutMs: 300,
  report: undefined,
  stderrTail: ""
}

describe("judge", () => {
  it("checks the per-round budget of the largest size, and flags a burst that the average hides", () => {
    expect(judge({ rolloutSeconds: 10, intervalSeconds: 1 }, [bursty], [])).toStrictEqual([
      { name: "N=20: deploy exited 0", pass: true, detail: "exit 0" },
      { name: "N=20: wall time <= R + 3 intervals", pass: true, detail: "12.34 s <= 13 s" },
      { name: "N=20: peak RSS < 150 MB", pass: true, detail: "140 MB" },
      {
        name: "N=20: exit <= 1 interval + 500 ms after the last rollout completed",
        pass: true,
        detail: "300 ms <= 1500 ms"
      },
      {
        name: "N=20: drain reads of each cluster in every poll round <= 1.5 x ceil(n/10), n = its services (3)",
        pass: false,
        detail:
          "most 5 (us-east-1/x, round 4 of 4), average 2.75 per round per cluster; over budget: us-east-1/x round 4: 5 > 3"
      }
    ])
  })
})

describe("the targets", () => {
  it("peak RSS: under 150 MB up to N = 200, under 300 MB beyond", () => {
    expect([1, 200, 201, 1000].map(rssLimitMb)).toStrictEqual([150, 150, 300, 300])
    const big = { ...bursty, services: 1000, peakRssMb: 299, wallMs: 13_500 }
    const checks = judge({ rolloutSeconds: 10, intervalSeconds: 1 }, [big], [])
    expect(checks.find((c) => c.name.includes("peak RSS"))).toStrictEqual({
      name: "N=1000: peak RSS < 300 MB",
      pass: true,
      detail: "299 MB"
    })
    expect(checks.find((c) => c.name.includes("wall time"))).toStrictEqual({
      name: "N=1000: wall time <= R + 3 intervals",
      pass: false,
      detail: "13.50 s <= 13 s"
    })
  })

  it("start-up: a ratio of 1.3 for --version and --help; an absolute bound where a command has one; the rest shown only", () => {
    const checks = judge({ rolloutSeconds: 10, intervalSeconds: 1 }, [], [
      { label: "node -e 0", runs: 5, medianMs: 40, ratio: 1 },
      { label: "gehen --version", runs: 5, medianMs: 52, ratio: 1.3 },
      { label: "gehen --help", runs: 5, medianMs: 60, ratio: 1.5 },
      { label: "no cache", runs: 5, medianMs: 200, ratio: 5, judged: false },
      { label: "the Action", runs: 5, medianMs: 2100, ratio: 50, judged: false, limitMs: 2000 }
    ])
    expect(checks).toStrictEqual([
      { name: "start-up: gehen --version median <= 1.3x node -e 0", pass: true, detail: "52 ms = 1.30x" },
      { name: "start-up: gehen --help median <= 1.3x node -e 0", pass: false, detail: "60 ms = 1.50x" },
      { name: "start-up: the Action median <= 2 s", pass: false, detail: "2100 ms" }
    ])
  })

  it("the real-time guarantees: the exit after the report, monitoring's cost over it, credentials", () => {
    const checks = judgeTimings({
      runs: 3,
      exitAfterReportMs: 120,
      exitAfterReportMonitoredMs: 2200,
      monitoringLine: undefined,
      credentialsMs: 5200,
      credentialsLine: undefined
    })
    expect(checks.map((c) => [c.pass, c.detail])).toStrictEqual([
      [true, "120 ms"],
      [false, "2200 ms after the report, 2080 ms more than without"],
      [false, "5200 ms"]
    ])
  })

  it("the install: size by du, packages, install scripts", () => {
    const checks = judgeInstall({
      tarballBytes: 900_000,
      installedBytes: 3_900_000,
      duKb: 3900,
      packages: 1,
      packagesWithInstallScripts: [],
      npmSaidInstallScripts: false,
      seconds: 1.2,
      npm: "11.0.0"
    })
    expect(checks).toStrictEqual([
      { name: "npm install -g of the tarball <= 10 MB", pass: true, detail: "3.8 MB (du of the prefix)" },
      { name: "npm install -g of the tarball: <= 5 packages", pass: true, detail: "1" },
      { name: "npm install -g of the tarball: no install scripts", pass: true, detail: "none" }
    ])
  })

  it("reads GNU time's figures, after its note on a non-zero exit", () => {
    expect(parseTimeFile("123456 1.25 0.30\n")).toStrictEqual({ peakRssKb: 123456, cpuSeconds: 1.55 })
    expect(parseTimeFile("Command exited with non-zero status 1\n98304 0.50 0.10\n")).toStrictEqual({
      peakRssKb: 98304,
      cpuSeconds: 0.6
    })
    expect(parseTimeFile("garbage")).toBeUndefined()
  })
})

describe("formatBench", () => {
  it("writes the average and the busiest round side by side", () => {
    const report: BenchReport = {
      machine: { cpu: "Test CPU", cores: 2, node: "v20.0.0", os: "Linux 6.1", memoryGb: 4, loadAverage: 0.5 },
      settings: {
        rolloutSeconds: 10,
        intervalSeconds: 1,
        rollout: { kind: "healthy", startAfter: 3, healthyAfter: 6, drainAfter: 4 },
        clusterSize: 50,
        desiredCount: 2,
        concurrency: "default",
        startupRuns: 15,
        simulator: "a process of its own"
      },
      sizes: [bursty],
      startup: [
        { label: "node -e 0", runs: 15, medianMs: 40, ratio: 1 },
        { label: "gehen --version", runs: 15, medianMs: 60, ratio: 1.5 }
      ],
      checks: [{ name: "N=20: a check", pass: false, detail: "why" }],
      ok: false
    }
    const lines = formatBench(report).split("\n")
    expect(lines[0]).toBe(
      "Machine: Test CPU, 2 cores, 4.0 GB, Linux 6.1, Node v20.0.0; load average 0.50 when the bench started."
    )
    expect(lines.slice(3, 6)).toStrictEqual([
      "| N | clusters | exit | wall (s) | over R (s) | over R (intervals) | AWS calls | calls/service | drain rounds | " +
      "drain reads/round/cluster | drain most reads in a round/cluster | wait reads/round/cluster | peak RSS (MB) | " +
      "CPU (s) | CPU/service (ms) | simulator CPU (s) | last rollout -> exit (s) |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      "| 20 | 1 | 0 | 12.34 | 2.34 | 2.3 | 31 | 1.6 | 4 | 2.75 | 5 | 2.75 | 140 | 1.20 | 60.0 | 0.80 | 0.30 |"
    ])
    expect(lines).toContain("| DescribeServices | 8 (0.40/svc) |")
    expect(lines).toContain("| `gehen --version` | 60 | 1.50 |")
    expect(lines.at(-1)).toBe("- FAIL N=20: a check: why")
  })
})

describe("runBench", () => {
  it("measures N = 1 and 10 with sane call counts", async () => {
    const report = await runBench({
      cliPath: CLI,
      simPath: SIM,
      sizes: [1, 10],
      rolloutSeconds: 1,
      intervalSeconds: 0.5,
      clusterSize: 4,
      startupRuns: 1,
      startupVariants: { firstRequest: true, actionScript: join(ROOT, "action", "run.mjs") },
      timingRuns: 1,
      log: () => {}
    })
    const [one, ten] = report.sizes
    expect(report.sizes.map((s) => [s.services, s.clusters, s.servicesByCluster])).toStrictEqual([
      [1, 1, { "us-east-1/bench-1": 1 }],
      [10, 3, { "us-east-1/bench-1": 4, "us-east-1/bench-2": 4, "us-east-1/bench-3": 2 }]
    ])
    for (const s of report.sizes) expect(s.exitCode, s.stderrTail).toBe(0)
    expect(report.sizes.map((s) => s.report?.outcome)).toStrictEqual(["deployed", "deployed"])
    expect(report.sizes.map((s) => s.report?.services.length)).toStrictEqual([1, 10])
    // One revision and one update per service, no retries.
    for (const op of ["RegisterTaskDefinition", "UpdateService"]) {
      expect(report.sizes.map((s) => s.callsByOperation[op]), op).toStrictEqual([1, 10])
    }
    // Two descriptions per task definition: the one it runs, and its family's newest (a run
    // that was cut short may have registered the copy already).
    expect(report.sizes.map((s) => s.callsByOperation["DescribeTaskDefinition"])).toStrictEqual([2, 20])
    expect(report.sizes.map((s) => s.failedCalls)).toStrictEqual([0, 0])
    // The drain polled every cluster, named in the calls: at least one DescribeServices each.
    expect(Object.keys(one!.drain?.perCluster ?? {})).toStrictEqual(["us-east-1/bench-1"])
    expect(Object.keys(ten!.drain?.perCluster ?? {})).toStrictEqual([
      "us-east-1/bench-1",
      "us-east-1/bench-2",
      "us-east-1/bench-3"
    ])
    expect(one!.drain?.describeServices).toBeGreaterThanOrEqual(1)
    expect(ten!.drain?.describeServices).toBeGreaterThanOrEqual(3)
    for (const s of report.sizes) {
      expect(s.lastRolloutDoneAt).toBeDefined()
      expect(s.exitAfterLastRolloutMs).toBeDefined()
      if (s.peakRssMb !== undefined) expect(s.peakRssMb).toBeGreaterThan(10)
      // The CLI's CPU time, apart from the simulator's (a process of its own, which did work too).
      expect(s.cpuSeconds).toBeGreaterThan(0)
      expect(s.cpuMsPerService).toBe((s.cpuSeconds! * 1000) / s.services)
      expect(s.simulatorCpuSeconds).toBeGreaterThan(0)
    }
    expect(report.startup.map((s) => s.label)).toStrictEqual([
      "node -e 0",
      "gehen --version",
      "gehen --help",
      "gehen deploy, spawn to first AWS request",
      "gehen deploy, installed (per-user cache), spawn to first AWS request",
      "gehen deploy, no code cache, spawn to first AWS request",
      "the GitHub Action (node action/run.mjs), a job's first run: spawn to first AWS request",
      "the GitHub Action, a later run on the same runner: spawn to first AWS request"
    ])
    for (const s of report.startup) expect(s.medianMs, s.label).toBeGreaterThan(0)
    // The real-time guarantees were measured: each run got its report, and said what it should.
    expect(report.timings?.exitAfterReportMs).toBeGreaterThan(0)
    expect(report.timings?.monitoringLine).toContain("the Datadog agent at gehen-bench-agent.invalid:8125")
    expect(report.timings?.credentialsLine).toContain("no usable AWS credentials")
    expect(report.checks.map((c) => c.name)).toStrictEqual([
      "N=1: deploy exited 0",
      "N=1: wall time <= R + 3 intervals",
      "N=1: peak RSS < 150 MB",
      "N=1: exit <= 1 interval + 500 ms after the last rollout completed",
      "N=10: deploy exited 0",
      "N=10: wall time <= R + 3 intervals",
      "N=10: peak RSS < 150 MB",
      "N=10: exit <= 1 interval + 500 ms after the last rollout completed",
      "N=10: drain reads of each cluster in every poll round <= 1.5 x ceil(n/10), n = its services (1.5)",
      "start-up: gehen --version median <= 1.3x node -e 0",
      "start-up: gehen --help median <= 1.3x node -e 0",
      "start-up: the GitHub Action (node action/run.mjs), a job's first run: spawn to first AWS request median <= 2 s",
      "exit <= 700 ms after the report (a failed plan, no monitoring)",
      "monitoring adds <= 2 s to the exit (receivers that never answer, an agent host that does not resolve)",
      "missing credentials diagnosed, spawn to exit, <= 5 s"
    ])
    const text = formatBench(report)
    expect(text).toContain("| N | clusters |")
    expect(text).toMatch(/^- (PASS|FAIL) /m)
  }, 90_000)
})

describe("runBench, blue/green", () => {
  it("deploys a blue/green size, followed through service deployments, within 2 x ceil(n/10) reads a round", async () => {
    const report = await runBench({
      cliPath: CLI,
      simPath: SIM,
      sizes: [],
      blueGreenSizes: [6],
      rolloutSeconds: 1,
      intervalSeconds: 0.5,
      clusterSize: 4,
      startupRuns: 0,
      log: () => {}
    })
    const [bg] = report.sizes
    expect(bg?.strategy).toBe("BLUE_GREEN")
    expect(bg?.exitCode, bg?.stderrTail).toBe(0)
    expect(bg?.callsByOperation["DescribeServiceDeployments"]).toBeGreaterThan(0)
    expect(bg?.report?.services.every((s) => s.serviceDeployment?.status === "SUCCESSFUL")).toBe(true)
    const budget = report.checks.find((c) => c.name.startsWith("N=6 blue/green: drain reads"))
    expect(budget?.pass, budget?.detail).toBe(true)
    expect(formatBench(report)).toContain("| 6 blue/green | 2 | 0 |")
  })
})
