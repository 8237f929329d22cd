import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as os from "node:os"
import * as nodePath from "node:path"
import { appendStepSummary, cell, mermaidName, stepSummaryMarkdown } from "../../src/cli/StepSummary.js"
import type { RunReport, TargetReport } from "../../src/report/Report.js"

const T0 = Date.UTC(2024, 0, 2, 12, 0, 0)
const at = (s: number) => new Date(T0 + s * 1000).toISOString()
const arn = (family: string, rev: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${rev}`

const service = (name: string, over: Partial<TargetReport>): TargetReport => ({
  kind: "service",
  name,
  cluster: "prod",
  region: "us-east-1",
  previousTaskDefinition: arn(name, 4),
  newTaskDefinition: arn(name, 5),
  previousTag: "abc1234",
  newTag: "def5678",
  images: [],
  phases: [],
  outcome: "deployed",
  error: null,
  manualCommand: null,
  ...over
})

const report: RunReport = {
  schemaVersion: 1,
  command: "deploy",
  gitsha: "def5678",
  updateStrategy: "current",
  outcome: "failed",
  exitCode: 1,
  startedAt: at(0),
  endedAt: at(120),
  error: "drain of web failed",
  problems: [],
  deployedAs: null,
  scheduledTasks: [{
    kind: "scheduled-task",
    name: "nightly",
    cluster: null,
    region: "us-east-1",
    previousTaskDefinition: arn("nightly", 3),
    newTaskDefinition: arn("nightly", 4),
    previousTag: "abc1234",
    newTag: "def5678",
    images: [],
    phases: [
      { phase: "register", startedAt: at(1), endedAt: at(2), status: "succeeded" },
      { phase: "update", startedAt: at(2), endedAt: at(3), status: "succeeded" },
      { phase: "rollback", startedAt: at(60), endedAt: at(61), status: "succeeded" }
    ],
    outcome: "rolled-back",
    error: null,
    manualCommand: null
  }],
  services: [
    service("api", {
      phases: [
        { phase: "update", startedAt: at(3), endedAt: at(4), status: "succeeded" },
        { phase: "drain", startedAt: at(4), endedAt: at(50), status: "succeeded" },
        { phase: "rollback", startedAt: at(60), endedAt: at(61), status: "succeeded" },
        { phase: "rollback-drain", startedAt: at(61), endedAt: null, status: "running" }
      ],
      outcome: "rollback-failed",
      error: "rollback drain did not finish"
    }),
    service("web", {
      previousTag: null,
      newTag: null,
      newTaskDefinition: null,
      phases: [
        { phase: "update", startedAt: at(3), endedAt: at(3), status: "skipped" },
        { phase: "drain", startedAt: at(4), endedAt: at(59), status: "failed" }
      ],
      outcome: "failed",
      error: "task 12ab of web:5 is UNHEALTHY | see <logs>\nnext line"
    })
  ]
}

describe("stepSummaryMarkdown", () => {
  const md = stepSummaryMarkdown(report)
  const lines = md.split("\n")

  it("starts with the outcome, sha and exit code", () => {
    expect(lines[0]).toBe("### gehen: ❌ deploy failed, rolled back for `def5678` (exit 1)")
    expect(md).toContain("Update strategy `current`, 2m00s.")
    expect(md).toContain("> drain of web failed")
  })

  it("has one table row per scheduled task and service", () => {
    const rows = lines.filter((l) => l.startsWith("| "))
    expect(rows).toStrictEqual([
      "| Target | Cluster | Region | Task definition | Tag | Outcome | Error |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      "| scheduled task nightly | – | us-east-1 | `nightly:3` → `nightly:4` | `abc1234` → `def5678` | ↩️ rolled back |  |",
      "| service api | prod | us-east-1 | `api:4` → `api:5` | `abc1234` → `def5678` | 🚨 ROLLBACK FAILED | rollback drain did not finish |",
      "| service web | prod | us-east-1 | `web:4` |  | ❌ failed | task 12ab of web:5 is UNHEALTHY \\| see &lt;logs&gt;<br>next line |"
    ])
    expect(md).toContain("> [!CAUTION]")
  })

  it("draws a gantt bar per phase, failed ones crit, open ones to the end of the run", () => {
    const start = lines.indexOf("```mermaid")
    const end = lines.indexOf("```", start + 1)
    expect(lines.slice(start, end + 1)).toStrictEqual([
      "```mermaid",
      "gantt",
      "  title gehen def5678",
      "  dateFormat x",
      "  axisFormat %M:%S",
      "  todayMarker off",
      "  section nightly (scheduled task)",
      `    register :done, ${T0 + 1000}, ${T0 + 2000}`,
      `    update :done, ${T0 + 2000}, ${T0 + 3000}`,
      `    rollback :done, ${T0 + 60_000}, ${T0 + 61_000}`,
      "  section api (prod)",
      `    update :done, ${T0 + 3000}, ${T0 + 4000}`,
      `    drain :done, ${T0 + 4000}, ${T0 + 50_000}`,
      `    rollback :done, ${T0 + 60_000}, ${T0 + 61_000}`,
      `    rollback drain :active, ${T0 + 61_000}, ${T0 + 120_000}`,
      "  section web (prod)",
      `    drain :crit, ${T0 + 4000}, ${T0 + 59_000}`,
      "```"
    ])
    expect(md.endsWith("\n")).toBe(true)
  })

  it("sanitizes odd names for Mermaid and the table", () => {
    const odd = stepSummaryMarkdown({
      ...report,
      error: null,
      scheduledTasks: [],
      services: [service("a:b#c;d%%e", {
        cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
        phases: [{ phase: "drain", startedAt: at(0), endedAt: at(1), status: "succeeded" }]
      })]
    })
    expect(odd).toContain("  section a b c d e (arn aws ecs us-east-1 123456789012 cluster/prod)")
    expect(odd).toContain("| service a:b#c;d%%e | arn:aws:ecs:us-east-1:123456789012:cluster/prod |")
    expect(mermaidName("x (y): z", false)).toBe("x y z")
    expect(mermaidName("#")).toBe("-")
    expect(cell("*a* _b_ `c` [d](e) ~f~ a|b")).toBe("\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\~f\\~ a\\|b")
  })

  it("leaves out the table and the chart when nothing was planned", () => {
    const none = stepSummaryMarkdown({ ...report, services: [], scheduledTasks: [], error: "bad gehen.yml" })
    expect(none).toContain("No service or scheduled task was changed.")
    expect(none).not.toContain("| Target")
    expect(none).not.toContain("mermaid")
  })
})

describe("appendStepSummary", () => {
  it.scoped("creates the file, then appends", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ directory: os.tmpdir() })
      const file = nodePath.join(dir, "summary.md")
      yield* appendStepSummary(file, "# one")
      yield* appendStepSummary(file, "# two\n")
      expect(yield* fs.readFileString(file)).toBe("# one\n# two\n")
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
