import type { RunSummary } from "../../../src/monitoring/RunSummary.js"
import type { TargetReport } from "../../../src/report/Report.js"

const at = (s: number) => new Date(Date.UTC(2026, 10, 28, 8, 0, s)).toISOString()

export const target = (over: Partial<TargetReport> & Pick<TargetReport, "kind" | "name">): TargetReport => ({
  cluster: over.kind === "service" ? "prod-a" : null,
  region: "us-east-1",
  previousTaskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/${over.name}:41`,
  newTaskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/${over.name}:42`,
  previousTag: "1234567",
  newTag: "abcdef1",
  images: [],
  phases: [
    { phase: "register", startedAt: at(1), endedAt: at(2), status: "succeeded" },
    { phase: "update", startedAt: at(2), endedAt: at(3), status: "succeeded" },
    { phase: "drain", startedAt: at(3), endedAt: null, status: "running" }
  ],
  outcome: "deployed",
  error: null,
  manualCommand: null,
  ...over
})

export const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  command: "deploy",
  gitsha: "abcdef1",
  updateStrategy: "current",
  outcome: "deployed",
  exitCode: 0,
  startedAt: at(0),
  endedAt: at(70),
  error: null,
  services: [target({ kind: "service", name: "api" })],
  scheduledTasks: [target({ kind: "scheduled-task", name: "nightly" })],
  ...over
})
