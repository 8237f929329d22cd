/**
 * `npm run bench` (node dist/tools/bench.mjs). Options (some also from the environment variable in parentheses):
 *   --sizes 1,50,200,1000 (BENCH_SIZES; N = 1000 is 20 clusters of 50)   --rollout 10 (BENCH_ROLLOUT, seconds)
 *   --interval 1 (BENCH_INTERVAL, seconds)   --startup-runs 15 (BENCH_STARTUP_RUNS, 0 skips)   --cluster-size 50
 *   --timing-runs 5 (BENCH_TIMING_RUNS, 0 skips)   --no-install   --concurrency N   --json <file> (the raw report)
 *   --blue-green 50 (BENCH_BLUE_GREEN, sizes deployed again as BLUE_GREEN services; "" skips)
 * Exits 1 when a run failed or a target was missed.
 */
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { bundledCliFrom } from "../demo/cli.js"
import { runBench } from "./bench.js"
import { formatBench } from "./format.js"

const { values } = parseArgs({
  options: {
    sizes: { type: "string" },
    "blue-green": { type: "string" },
    rollout: { type: "string" },
    interval: { type: "string" },
    "startup-runs": { type: "string" },
    "cluster-size": { type: "string" },
    concurrency: { type: "string" },
    "timing-runs": { type: "string" },
    "no-install": { type: "boolean" },
    json: { type: "string" }
  }
})

/** A number from argv or the environment; `whole` also wants an integer, `min` is inclusive unless `above`. */
const numberOf = (
  name: string,
  text: string | undefined,
  fallback: number,
  rule: { readonly whole?: boolean; readonly above?: number; readonly min?: number }
): number => {
  if (text === undefined || text === "") return fallback
  const n = Number(text)
  const ok = Number.isFinite(n) && (rule.whole !== true || Number.isInteger(n)) &&
    (rule.above === undefined || n > rule.above) && (rule.min === undefined || n >= rule.min)
  if (!ok) {
    const what = `${rule.whole === true ? "a whole number" : "a number"} ${
      rule.above !== undefined ? `> ${rule.above}` : `>= ${rule.min ?? 0}`
    }`
    throw new Error(`${name}: expected ${what}, got ${JSON.stringify(text)}`)
  }
  return n
}

const sizesText = values.sizes ?? process.env["BENCH_SIZES"] ?? "1,50,200,1000"
const sizes = sizesText.split(",").map((s) => numberOf("--sizes", s.trim(), 0, { whole: true, min: 1 }))
const blueGreenText = values["blue-green"] ?? process.env["BENCH_BLUE_GREEN"] ?? "50"
const blueGreenSizes = blueGreenText.trim() === ""
  ? []
  : blueGreenText.split(",").map((s) => numberOf("--blue-green", s.trim(), 0, { whole: true, min: 1 }))
const concurrency = values.concurrency === undefined
  ? undefined
  : numberOf("--concurrency", values.concurrency, 10, { whole: true, min: 1 })

// The single executable is timed when `npm run build:sea` made one.
const sea = join(import.meta.dirname, "..", "sea", `gehen-${process.platform}-${process.arch}`)

const root = join(import.meta.dirname, "..", "..")

const report = await runBench({
  cliPath: bundledCliFrom(import.meta.dirname),
  simPath: join(import.meta.dirname, "bench-sim.mjs"),
  startupVariants: {
    installed: true,
    seaPath: existsSync(sea) ? sea : undefined,
    firstRequest: true,
    actionScript: join(root, "action", "run.mjs")
  },
  timingRuns: numberOf("--timing-runs", values["timing-runs"] ?? process.env["BENCH_TIMING_RUNS"], 5, {
    whole: true,
    min: 0
  }),
  installFrom: values["no-install"] === true ? undefined : root,
  sizes,
  blueGreenSizes,
  rolloutSeconds: numberOf("--rollout", values.rollout ?? process.env["BENCH_ROLLOUT"], 10, { above: 0 }),
  intervalSeconds: numberOf("--interval", values.interval ?? process.env["BENCH_INTERVAL"], 1, { above: 0 }),
  startupRuns: numberOf("--startup-runs", values["startup-runs"] ?? process.env["BENCH_STARTUP_RUNS"], 15, {
    whole: true,
    min: 0
  }),
  clusterSize: numberOf("--cluster-size", values["cluster-size"], 50, { whole: true, min: 1 }),
  concurrency,
  log: (line) => process.stderr.write(`${line}\n`)
})
process.stdout.write(`${formatBench(report)}\n`)
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`)
process.exitCode = report.ok ? 0 : 1
