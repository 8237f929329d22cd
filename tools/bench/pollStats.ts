/** Per-round call statistics: the reads the CLI spent polling, by round and by cluster. */
import type { RunReport } from "../../src/report/Report.js"
import type { SimCall } from "../../src/testing/index.js"

/** The calls that poll: a service's state, its tasks, their state. */
export const READ_OPS: ReadonlyArray<string> = [
  "DescribeServices",
  "ListTasks",
  "DescribeTasks",
  // Blue/green, linear and canary services are followed through their service deployments.
  "DescribeServiceDeployments",
  "ListServiceDeployments"
]

export interface PollStats {
  /**
   * Poll rounds seen: a read more than half an interval after the previous one starts a new round
   * (a round may be a task look alone, with no DescribeServices).
   */
  readonly rounds: number
  /** Reads in each round, in order (a burst shows task inspection). */
  readonly perRound: ReadonlyArray<number>
  /** Reads of each cluster (`region/name`) in each round, in order; 0 for a round that did not poll it. */
  readonly perCluster: Readonly<Record<string, ReadonlyArray<number>>>
  /** Clusters polled in the window. */
  readonly clusters: number
  readonly describeServices: number
  readonly listTasks: number
  readonly describeTasks: number
  /** (DescribeServices + ListTasks + DescribeTasks) / rounds: the average. */
  readonly readsPerRound: number
  /** readsPerRound / clusters: the average. */
  readonly readsPerRoundPerCluster: number
  /** The most reads one cluster had in one round. */
  readonly maxReadsPerRoundPerCluster: number
  /** Where that was (the earliest such round; round 1 is the first). */
  readonly busiest: { readonly cluster: string; readonly round: number }
  /** The window counted, ms since the epoch. */
  readonly from: number
  readonly to: number
}

const CLUSTER_ARN = /^arn:[^:]+:ecs:([^:]*):[^:]*:cluster\/(.+)$/

/** The cluster a call names, as `region/name`: a cluster ARN's own region and name, ECS's `default` when it names none. */
export const clusterOf = (call: SimCall): string => {
  // DescribeServiceDeployments names no cluster: its ARNs do (…:service-deployment/<cluster>/<service>/<id>).
  const arns = call.params["serviceDeploymentArns"]
  if (Array.isArray(arns) && typeof arns[0] === "string") return `${call.region}/${arns[0].split("/")[1] ?? "default"}`
  const named = call.params["cluster"]
  const cluster = typeof named === "string" && named !== "" ? named : "default"
  const arn = CLUSTER_ARN.exec(cluster)
  return arn === null ? `${call.region}/${cluster}` : `${arn[1]}/${arn[2]}`
}

/** Reads within [from, to], grouped into rounds by the gaps between them, and by cluster within each round. */
export const pollStats = (
  calls: ReadonlyArray<SimCall>,
  from: number,
  to: number,
  intervalMs: number
): PollStats | undefined => {
  const inWindow = calls
    .filter((c) => READ_OPS.includes(c.operation) && c.at >= from && c.at <= to)
    .sort((a, b) => a.at - b.at)
  if (inWindow.length === 0) return undefined
  const count = (op: string) => inWindow.filter((c) => c.operation === op).length
  const clusterNames = [...new Set(inWindow.map(clusterOf))].sort()
  // A round's reads go out together (task looks right after the DescribeServices that asked for them);
  // the next round is an interval later.
  const perRound: Array<number> = []
  const perCluster: Record<string, Array<number>> = Object.fromEntries(clusterNames.map((k) => [k, []]))
  let last = Number.NEGATIVE_INFINITY
  for (const c of inWindow) {
    if (c.at - last > intervalMs / 2) {
      perRound.push(0)
      for (const k of clusterNames) perCluster[k]!.push(0)
    }
    last = c.at
    const r = perRound.length - 1
    perRound[r]!++
    perCluster[clusterOf(c)]![r]!++
  }
  const rounds = perRound.length
  let busiest = { cluster: clusterNames[0]!, round: 1 }
  let max = 0
  for (let r = 0; r < rounds; r++) {
    for (const k of clusterNames) {
      const reads = perCluster[k]![r]!
      if (reads > max) {
        max = reads
        busiest = { cluster: k, round: r + 1 }
      }
    }
  }
  const readsPerRound = inWindow.length / rounds
  return {
    rounds,
    perRound,
    perCluster,
    clusters: clusterNames.length,
    describeServices: count("DescribeServices"),
    listTasks: count("ListTasks"),
    describeTasks: count("DescribeTasks"),
    readsPerRound,
    readsPerRoundPerCluster: readsPerRound / clusterNames.length,
    maxReadsPerRoundPerCluster: max,
    busiest,
    from,
    to
  }
}

/** The window of some phases over all services, from the run's JSON report. */
export const phaseWindow = (
  report: RunReport | undefined,
  phases: ReadonlyArray<string>
): { readonly from: number; readonly to: number } | undefined => {
  const spans = (report?.services ?? []).flatMap((s) => s.phases.filter((p) => phases.includes(p.phase)))
  if (spans.length === 0) return undefined
  const from = Math.min(...spans.map((p) => Date.parse(p.startedAt)))
  const to = Math.max(...spans.map((p) => (p.endedAt === null ? Number.NaN : Date.parse(p.endedAt))))
  return Number.isFinite(from) && Number.isFinite(to) ? { from, to } : undefined
}
