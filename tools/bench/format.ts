/** The bench's report as Markdown, ready for the README. */
import type { BenchReport } from "./model.js"

const fixed = (
  x: number | undefined,
  digits: number
) => (x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(digits))

export const formatBench = (report: BenchReport): string => {
  const { machine: m, settings: st } = report
  const out: Array<string> = []
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb.toFixed(1)} GB, ${m.os}, Node ${m.node}; ` +
      `load average ${m.loadAverage.toFixed(2)} when the bench started.`
  )
  out.push(
    `Setup: the simulator (${st.simulator}, over HTTP on 127.0.0.1) and the bundled CLI as a subprocess; ` +
      `every service has a url and ${st.desiredCount} tasks, clusters of at most ${st.clusterSize} services, ` +
      `concurrency ${st.concurrency}. Rollout R = ${st.rolloutSeconds} s: new tasks run at ${
        fixed(st.rollout.startAfter, 1)
      } s, ` +
      `turn healthy at ${fixed(st.rollout.healthyAfter, 1)} s, old tasks gone ${
        fixed(st.rollout.drainAfter, 1)
      } s later; ` +
      `checkIntervalSeconds ${st.intervalSeconds}.`
  )
  out.push("")
  out.push(
    "| N | clusters | exit | wall (s) | over R (s) | over R (intervals) | AWS calls | calls/service | drain rounds | " +
      "drain reads/round/cluster | drain most reads in a round/cluster | wait reads/round/cluster | peak RSS (MB) | " +
      "CPU (s) | CPU/service (ms) | simulator CPU (s) | last rollout -> exit (s) |"
  )
  out.push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
  for (const s of report.sizes) {
    out.push(
      `| ${s.services}${s.strategy === "BLUE_GREEN" ? " blue/green" : ""} | ${s.clusters} | ${
        s.exitCode ?? "killed"
      } | ${fixed(s.wallMs / 1000, 2)} | ${fixed(s.overheadMs / 1000, 2)} | ` +
        `${fixed(s.overheadIntervals, 1)} | ${s.totalCalls} | ${fixed(s.callsPerService, 1)} | ${
          s.drain?.rounds ?? "n/a"
        } | ` +
        `${fixed(s.drain?.readsPerRoundPerCluster, 2)} | ${s.drain?.maxReadsPerRoundPerCluster ?? "n/a"} | ` +
        `${fixed(s.wait?.readsPerRoundPerCluster, 2)} | ${fixed(s.peakRssMb, 0)} | ` +
        `${fixed(s.cpuSeconds, 2)} | ${fixed(s.cpuMsPerService, 1)} | ${fixed(s.simulatorCpuSeconds, 2)} | ` +
        `${fixed(s.exitAfterLastRolloutMs === undefined ? undefined : s.exitAfterLastRolloutMs / 1000, 2)} |`
    )
  }
  const ops = [...new Set(report.sizes.flatMap((s) => Object.keys(s.callsByOperation)))].sort()
  if (ops.length > 0) {
    out.push("")
    out.push(
      `| AWS calls by operation | ${
        report.sizes.map((s) => `N=${s.services}${s.strategy === "BLUE_GREEN" ? " b/g" : ""}`).join(" | ")
      } |`
    )
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
    out.push(`| start-up (median of ${report.startup[0]?.runs ?? 0}) | ms | x node -e 0 (median of pairs) |`)
    out.push("|---|---:|---:|")
    for (const s of report.startup) out.push(`| \`${s.label}\` | ${fixed(s.medianMs, 0)} | ${fixed(s.ratio, 2)} |`)
  }
  const t = report.timings
  if (t !== undefined) {
    out.push("")
    out.push(`| real-time guarantee (median of ${t.runs}) | ms |`)
    out.push("|---|---:|")
    out.push(`| exit after the report (a failed plan, \`--output json\`) | ${fixed(t.exitAfterReportMs, 0)} |`)
    out.push(
      `| the same, reporting to receivers that never answer and an agent host that does not resolve | ${
        fixed(t.exitAfterReportMonitoredMs, 0)
      } |`
    )
    out.push(
      `| missing credentials (an AWS_PROFILE no config file has), spawn to exit | ${fixed(t.credentialsMs, 0)} |`
    )
    if (t.monitoringLine !== undefined) out.push("", `Monitoring's line on stderr: \`${t.monitoringLine}\``)
  }
  const i = report.install
  if (i !== undefined) {
    out.push("")
    out.push(
      `Install (npm ${i.npm}): the tarball ${
        fixed(i.tarballBytes / 1024, 0)
      } KB; \`npm install -g\` of it into an empty prefix took ` +
        `${fixed(i.seconds, 1)} s and holds ${i.packages} package(s), ${
          fixed((i.duKb ?? i.installedBytes / 1024) / 1024, 1)
        } MB (du), ` +
        `install scripts: ${
          i.packagesWithInstallScripts.length === 0 ? "none" : i.packagesWithInstallScripts.join(", ")
        }.`
    )
  }
  out.push("")
  out.push(
    "How it counts: wall time from spawning the CLI to its exit; AWS calls from the simulator's call record. " +
      "Drain reads are the DescribeServices, ListTasks and DescribeTasks calls between the first service's drain start and " +
      "the last one's end (phase times from `--output json`); a poll round starts at a read more than half " +
      "an interval after the previous one; reads/round/cluster = reads / rounds / clusters (the average); most reads in a " +
      "round/cluster = the reads of the busiest cluster in its busiest round (a call's cluster is the one it names), which " +
      "the budget check holds to 1.5 x ceil(n/10) for a cluster of n services (2 x ceil(n/10) for the blue/green " +
      "size, whose DescribeServiceDeployments and ListServiceDeployments count as reads too). \"wait\" counts the same over the " +
      "version check (whose failure watch polls too) and the drain. Last rollout -> exit: from the simulator completing the last " +
      `rollout to the CLI's exit. Peak RSS and CPU (user + system) are the CLI process's own, ${
        report.sizes[0]?.rssMethod ?? "n/a"
      }; ` +
      "the simulator's CPU is its process's over the same deploy. Start-up: wall time from spawn to exit (to the first AWS " +
      "request where the label says so), each run paired with a run of `node -e 0`."
  )
  out.push("")
  for (const c of report.checks) out.push(`- ${c.pass ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`)
  return out.join("\n")
}
