/** What the bench is asked to do and what it reports: the shapes its modules pass to each other. */
import type { RunReport } from "../../src/report/Report.js"
import type { Behaviour } from "../../src/testing/index.js"
import type { PollStats } from "./pollStats.js"

export interface BenchOptions {
  /** The bundled CLI, `dist/cli/gehen.cjs`. */
  readonly cliPath: string
  /** The simulator's process, `dist/tools/bench-sim.mjs`. */
  readonly simPath: string
  /** Numbers of services, one deploy each. */
  readonly sizes: ReadonlyArray<number>
  /** Sizes deployed again as BLUE_GREEN services (followed through their service deployments); none by default. */
  readonly blueGreenSizes?: ReadonlyArray<number> | undefined
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
  /** More ways to start to time: as installed (no build-time code cache), the single executable, the GitHub Action. */
  readonly startupVariants?: StartupVariants | undefined
  /** Runs of each real-time guarantee (the exit after the report, monitoring's cost, credentials); 0 or absent skips them. */
  readonly timingRuns?: number | undefined
  /** The checkout to pack and install with `npm install -g`; absent skips the install. */
  readonly installFrom?: string | undefined
  /** Progress lines while the bench runs. */
  readonly log: (line: string) => void
}

export interface SizeResult {
  readonly services: number
  /** ROLLING, or BLUE_GREEN (with a bake time of half the rollout). */
  readonly strategy?: "ROLLING" | "BLUE_GREEN" | undefined
  readonly clusters: number
  /** Services per cluster, keyed as `pollStats` keys clusters (`region/name`). */
  readonly servicesByCluster: Readonly<Record<string, number>>
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
  /** User + system CPU seconds of the CLI process (not the simulator's). */
  readonly cpuSeconds: number | undefined
  /** cpuSeconds per deployed service, in ms. */
  readonly cpuMsPerService: number | undefined
  /** The simulator process's CPU seconds over the same deploy. */
  readonly simulatorCpuSeconds: number | undefined
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
  /** false: shown for comparison, not held to the start-up budget. */
  readonly judged?: boolean | undefined
  /** Held to this absolute bound (ms) instead. */
  readonly limitMs?: number | undefined
}

/** The real-time guarantees, as medians (see timings.ts). */
export interface Timings {
  readonly runs: number
  /** From the first byte of the report on stdout to the exit, without monitoring. */
  readonly exitAfterReportMs: number
  /** The same with receivers that never answer and an agent host that does not resolve. */
  readonly exitAfterReportMonitoredMs: number
  /** gehen's line about the receivers, as the last monitored run printed it. */
  readonly monitoringLine: string | undefined
  /** From spawn to exit of a deploy whose AWS_PROFILE no config file has. */
  readonly credentialsMs: number
  readonly credentialsLine: string | undefined
}

export interface InstallResult {
  readonly tarballBytes: number
  /** The files' sizes, summed. */
  readonly installedBytes: number
  /** `du -sk` of the prefix, when du is there. */
  readonly duKb: number | undefined
  readonly packages: number
  readonly packagesWithInstallScripts: ReadonlyArray<string>
  /** npm listed install scripts it did (not) run. */
  readonly npmSaidInstallScripts: boolean
  readonly seconds: number
  readonly npm: string
}

export interface Check {
  readonly name: string
  readonly pass: boolean
  readonly detail: string
}

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly node: string
  readonly os: string
  readonly memoryGb: number
  /** 1-minute load average when the bench started: other work on the machine skews the times. */
  readonly loadAverage: number
}

export interface BenchSettings {
  readonly rolloutSeconds: number
  readonly intervalSeconds: number
  readonly rollout: Behaviour
  readonly clusterSize: number
  readonly desiredCount: number
  readonly concurrency: number | "default"
  readonly startupRuns: number
  /** "a process of its own", how the simulator ran. */
  readonly simulator: string
}

export interface BenchReport {
  readonly machine: Machine
  readonly settings: BenchSettings
  readonly sizes: ReadonlyArray<SizeResult>
  readonly startup: ReadonlyArray<StartupResult>
  readonly timings?: Timings | undefined
  readonly install?: InstallResult | undefined
  readonly checks: ReadonlyArray<Check>
  readonly ok: boolean
}

export interface StartupVariants {
  /** The single executable (`npm run build:sea`), when it was built. */
  readonly seaPath?: string | undefined
  /** The bundle copied elsewhere, as `npm install -g` lays it out: no build-time code cache. */
  readonly installed?: boolean | undefined
  /** The GitHub Action's script, `action/run.mjs`: its start to gehen's first AWS request. */
  readonly actionScript?: string | undefined
  /** Time a deploy's start to its first AWS request too. */
  readonly firstRequest?: boolean | undefined
}
