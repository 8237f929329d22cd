/** The bench's targets, and each measurement checked against its own. */
import type { Check, InstallResult, SizeResult, StartupResult, Timings } from "./model.js"
import type { PollStats } from "./pollStats.js"

// Exit may follow the last rollout by one interval plus this much (a poll's round trip, the report, exit).
export const EXIT_SLACK_MS = 500
/** Peak RSS of the CLI: under 150 MB up to N = 200, under 300 MB beyond (N = 1000 in 20 clusters). */
export const rssLimitMb = (services: number): number => (services <= 200 ? 150 : 300)
/** Wall time over the rollout R, in check intervals. */
export const WALL_INTERVALS = 3
/** `gehen --version` and `--help` against `node -e 0`. */
export const STARTUP_RATIO_LIMIT = 1.3
/** The exit after the report, without monitoring. */
export const EXIT_AFTER_REPORT_MS = 700
/** What monitoring may add to the exit, whatever its receivers do. */
export const MONITORING_BUDGET_MS = 2000
/** Missing credentials diagnosed, from spawn to exit. */
export const CREDENTIALS_MS = 5000
/** `npm install -g` of the tarball. */
export const INSTALL_LIMITS = { megabytes: 10, packages: 5 } as const

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
  const budgets = [...new Set(Object.values(servicesByCluster).map((n) => scaledBudget(n, factor)))].sort((a, b) =>
    a - b
  )
  const name =
    `${label}: drain reads of each cluster in every poll round <= ${factor} x ceil(n/10), n = its services ` +
    `(${budgets.join(" or ")})`
  if (drain === undefined) return { name, pass: false, detail: "no drain phase seen" }
  const breaches = overBudget(drain, servicesByCluster, factor)
  const most =
    `most ${drain.maxReadsPerRoundPerCluster} (${drain.busiest.cluster}, round ${drain.busiest.round} of ${drain.rounds}), ` +
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
    const wallLimit = R + WALL_INTERVALS * I
    checks.push({
      name: `${at}: wall time <= R + ${WALL_INTERVALS} intervals`,
      pass: s.wallMs / 1000 <= wallLimit,
      detail: `${(s.wallMs / 1000).toFixed(2)} s <= ${wallLimit} s`
    })
    const rssLimit = rssLimitMb(s.services)
    checks.push({
      name: `${at}: peak RSS < ${rssLimit} MB`,
      pass: s.peakRssMb !== undefined && s.peakRssMb < rssLimit,
      detail: s.peakRssMb === undefined ? "not measured" : `${s.peakRssMb.toFixed(0)} MB`
    })
    const exitLimit = I * 1000 + EXIT_SLACK_MS
    checks.push({
      name: `${at}: exit <= 1 interval + ${EXIT_SLACK_MS} ms after the last rollout completed`,
      pass: s.exitAfterLastRolloutMs !== undefined && s.exitAfterLastRolloutMs <= exitLimit,
      detail: s.exitAfterLastRolloutMs === undefined
        ? "some rollout did not complete"
        : `${s.exitAfterLastRolloutMs} ms <= ${exitLimit} ms`
    })
  }
  // The reads-per-round target is stated for N = 200; with smaller sizes only, the largest stands in.
  const rolling = sizes.filter((s) => s.strategy !== "BLUE_GREEN")
  const big = rolling.find((s) => s.services === 200) ?? [...rolling].sort((a, b) => b.services - a.services)[0]
  if (big !== undefined) checks.push(readBudgetCheck(`N=${big.services}`, big.drain, big.servicesByCluster))
  for (const s of startup.slice(1)) {
    if (s.limitMs !== undefined) {
      checks.push({
        name: `start-up: ${s.label} median <= ${s.limitMs / 1000} s`,
        pass: s.medianMs <= s.limitMs,
        detail: `${s.medianMs.toFixed(0)} ms`
      })
    } else if (s.judged !== false) {
      checks.push({
        name: `start-up: ${s.label} median <= ${STARTUP_RATIO_LIMIT}x node -e 0`,
        pass: s.ratio <= STARTUP_RATIO_LIMIT,
        detail: `${s.medianMs.toFixed(0)} ms = ${s.ratio.toFixed(2)}x`
      })
    }
  }
  return checks
}

/** The real-time guarantees against their bounds. */
export const judgeTimings = (t: Timings): Array<Check> => {
  const cost = t.exitAfterReportMonitoredMs - t.exitAfterReportMs
  return [
    {
      name: `exit <= ${EXIT_AFTER_REPORT_MS} ms after the report (a failed plan, no monitoring)`,
      pass: t.exitAfterReportMs <= EXIT_AFTER_REPORT_MS,
      detail: `${t.exitAfterReportMs.toFixed(0)} ms`
    },
    {
      name: `monitoring adds <= ${
        MONITORING_BUDGET_MS / 1000
      } s to the exit (receivers that never answer, an agent host that does not resolve)`,
      pass: Number.isFinite(cost) && cost <= MONITORING_BUDGET_MS,
      detail: `${t.exitAfterReportMonitoredMs.toFixed(0)} ms after the report, ${cost.toFixed(0)} ms more than without`
    },
    {
      name: `missing credentials diagnosed, spawn to exit, <= ${CREDENTIALS_MS / 1000} s`,
      pass: t.credentialsMs <= CREDENTIALS_MS,
      detail: `${t.credentialsMs.toFixed(0)} ms`
    }
  ]
}

/** The install's size, package count and install scripts against their targets. */
export const judgeInstall = (i: InstallResult): Array<Check> => {
  const mb = (i.duKb === undefined ? i.installedBytes / 1024 : i.duKb) / 1024
  return [
    {
      name: `npm install -g of the tarball <= ${INSTALL_LIMITS.megabytes} MB`,
      pass: mb <= INSTALL_LIMITS.megabytes,
      detail: `${mb.toFixed(1)} MB (du of the prefix)`
    },
    {
      name: `npm install -g of the tarball: <= ${INSTALL_LIMITS.packages} packages`,
      pass: i.packages <= INSTALL_LIMITS.packages,
      detail: `${i.packages}`
    },
    {
      name: "npm install -g of the tarball: no install scripts",
      pass: i.packagesWithInstallScripts.length === 0 && !i.npmSaidInstallScripts,
      detail: i.packagesWithInstallScripts.length === 0 && !i.npmSaidInstallScripts
        ? "none"
        : `${i.packagesWithInstallScripts.join(", ")}${i.npmSaidInstallScripts ? " (npm listed install scripts)" : ""}`
    }
  ]
}
