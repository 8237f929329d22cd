/** The bench's targets, and each measurement checked against its own. */
import type { Check, SizeResult, StartupResult } from "./model.js"
import type { PollStats } from "./pollStats.js"

// Exit may follow the last rollout by one interval plus this much (a poll's round trip, the report, exit).
export const EXIT_SLACK_MS = 500
export const RSS_LIMIT_MB = 200
export const STARTUP_RATIO_LIMIT = 3

/**
 * The most reads one poll round may spend on a cluster of n services: 1.5 × ceil(n/10),
 * 2 × ceil(n/10) for services followed through their service deployments (`factor` 2).
 */
export const readBudget = (services: number): number => scaledBudget(services, 1.5)

export const scaledBudget = (services: number, factor: number): number => factor * Math.ceil(services / 10)

export interface BudgetBreach {
  /** `region/name`, as `pollStats` keys clusters. */
  readonly cluster: string
  /** 1 for the first round. */
  readonly round: number
  readonly reads: number
  readonly budget: number
}

/**
 * Every round of every cluster that read more than its budget, in cluster then round
 * order. A cluster missing from `servicesByCluster` has no services to poll: budget 0.
 */
export const overBudget = (
  stats: PollStats,
  servicesByCluster: Readonly<Record<string, number>>,
  factor = 1.5
): ReadonlyArray<BudgetBreach> =>
  Object.entries(stats.perCluster).flatMap(([cluster, perRound]) => {
    const budget = scaledBudget(servicesByCluster[cluster] ?? 0, factor)
    return perRound.flatMap((reads, i) => (reads > budget ? [{ cluster, round: i + 1, reads, budget }] : []))
  })

const SHOWN_BREACHES = 3

/** The drain's reads against the budget, round by round and cluster by cluster: a burst in one round fails it. */
export const readBudgetCheck = (
  label: string,
  drain: PollStats | undefined,
  servicesByCluster: Readonly<Record<string, number>>,
  factor = 1.5
): Check => {
  const budgets = [...new Set(Object.values(servicesByCluster).map((n) => scaledBudget(n, factor)))].sort((a, b) => a - b)
  const name = `${label}: drain reads of each cluster in every poll round <= ${factor} x ceil(n/10), n = its services ` +
    `(${budgets.join(" or ")})`
  if (drain === undefined) return { name, pass: false, detail: "no drain phase seen" }
  const breaches = overBudget(drain, servicesByCluster, factor)
  const most = `most ${drain.maxReadsPerRoundPerCluster} (${drain.busiest.cluster}, round ${drain.busiest.round} of ${drain.rounds}), ` +
    `average ${drain.readsPerRoundPerCluster.toFixed(2)} per round per cluster`
  if (breaches.length === 0) return { name, pass: true, detail: most }
  const shown = breaches.slice(0, SHOWN_BREACHES).map((b) => `${b.cluster} round ${b.round}: ${b.reads} > ${b.budget}`)
  const more = breaches.length > SHOWN_BREACHES ? `, ${breaches.length - SHOWN_BREACHES} more` : ""
  return { name, pass: false, detail: `${most}; over budget: ${shown.join(", ")}${more}` }
}

export const judge = (
  settings: { readonly rolloutSeconds: number; readonly intervalSeconds: number },
  sizes: ReadonlyArray<SizeResult>,
  startup: ReadonlyArray<StartupResult>
): Array<Check> => {
  const R = settings.rolloutSeconds
  const I = settings.intervalSeconds
  const checks: Array<Check> = []
  for (const s of sizes.filter((s) => s.strategy === "BLUE_GREEN")) {
    // Blue/green: stages and bake time run on top of the rollout; exit and the read budget of its own are what count.
    const at = `N=${s.services} blue/green`
    checks.push({ name: `${at}: deploy exited 0`, pass: s.exitCode === 0, detail: `exit ${s.exitCode}` })
    checks.push(readBudgetCheck(at, s.drain, s.servicesByCluster, 2))
  }
  for (const s of sizes.filter((s) => s.strategy !== "BLUE_GREEN")) {
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
  // The reads-per-round target is stated for N = 200; with smaller sizes only, the largest stands in.
  const rolling = sizes.filter((s) => s.strategy !== "BLUE_GREEN")
  const big = rolling.find((s) => s.services === 200) ?? [...rolling].sort((a, b) => b.services - a.services)[0]
  if (big !== undefined) checks.push(readBudgetCheck(`N=${big.services}`, big.drain, big.servicesByCluster))
  for (const s of startup.slice(1).filter((s) => s.judged !== false)) {
    checks.push({
      name: `start-up: ${s.label} median < ${STARTUP_RATIO_LIMIT}x node -e 0`,
      pass: s.ratio < STARTUP_RATIO_LIMIT,
      detail: `${s.medianMs.toFixed(0)} ms = ${s.ratio.toFixed(2)}x`
    })
  }
  return checks
}
