import { describe, expect, it } from "vitest"
import { makeStyle } from "../../src/cli/Style.js"
import { formatSummary } from "../../src/cli/Summary.js"
import type { RunReport, TargetReport } from "../../src/report/Report.js"

const style = makeStyle(false)

const target = (name: string, over: Partial<TargetReport> = {}): TargetReport => ({
  kind: "service",
  name,
  cluster: "prod",
  region: "us-east-1",
  previousTaskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/${name}:1`,
  newTaskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/${name}:2`,
  previousTag: "abc1234",
  newTag: "def5678",
  images: [],
  phases: [],
  outcome: "rolled-back",
  error: null,
  manualCommand: null,
  ...over
})

const report = (services: ReadonlyArray<TargetReport>, over: Partial<RunReport> = {}): RunReport => ({
  schemaVersion: 1,
  command: "deploy",
  gitsha: "def5678",
  updateStrategy: "current",
  outcome: "rollback-failed",
  exitCode: 3,
  startedAt: "2026-12-01T00:00:00.000Z",
  endedAt: "2026-12-01T00:05:00.000Z",
  error: "api: task x is UNHEALTHY",
  problems: [],
  deployedAs: null,
  services,
  scheduledTasks: [],
  ...over
})

describe("the closing summary tells the truth about restores", () => {
  it("a restore whose call succeeded but was not confirmed: no manual command is claimed", () => {
    const text = formatSummary(
      style,
      report([
        target("api", { outcome: "rollback-failed", error: "restore issued, but not confirmed: task y is UNHEALTHY" }),
        target("web")
      ])
    )
    expect(text).toContain("deploy FAILED and NOT everything was put back")
    expect(text).toContain("(exit 3)")
    expect(text).toContain("1 target(s) need a look now: their restores were issued but not confirmed")
    expect(text).not.toContain("commands above")
    expect(text).not.toContain("restore by hand")
  })

  it("a restore call that failed: its command is printed under it and the closing line points at it", () => {
    const command =
      "aws ecs update-service --region us-east-1 --cluster 'prod' --service 'api' --task-definition 'api:1' --force-new-deployment"
    const text = formatSummary(
      style,
      report([target("api", { outcome: "rollback-failed", error: "rollback failed: down", manualCommand: command })])
    )
    expect(text).toContain(`restore by hand: ${command}`)
    expect(text).toContain("their restore calls failed; the commands above put them back by hand")
  })

  it("a failure whose restores all held says so, exit 1", () => {
    const text = formatSummary(style, report([target("api"), target("web")], { outcome: "failed", exitCode: 1 }))
    expect(text).toContain("deploy FAILED; every change was put back")
    expect(text).not.toContain("need a look")
  })
})
