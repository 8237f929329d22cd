import { describe, expect, it } from "vitest"
import {
  dockerLabelTags,
  eventsOfReport,
  metricsOfReport,
  type OpenChecks,
  stepOf,
  targetEvent,
  titleOfProgress
} from "../../src/monitoring/DatadogEvents.js"
import type { TargetFacts } from "../../src/monitoring/RunSummary.js"
import type { ProgressEvent } from "../../src/ports/Progress.js"
import { summary, target } from "./support/reports.js"

const api = { kind: "service" as const, name: "api", cluster: "prod-a", region: "us-east-1" }
const nightly = { kind: "scheduled-task" as const, name: "nightly", region: "eu-west-1" }
const ctx = { gitsha: "abcdef1", unifiedTags: ["env:prod"] }
const progress = (over: Partial<ProgressEvent>): ProgressEvent => ({
  target: api,
  phase: "update",
  status: "started",
  message: "",
  at: 0,
  ...over
})

describe("Datadog events, as the original Gehen sent them", () => {
  it("the original's titles and texts, one per target and step", () => {
    const text = (title: Parameters<typeof targetEvent>[0], t: TargetFacts = api) => targetEvent(title, t, [], ctx).text
    expect(text("gehen.deploys.started")).toBe("Gehen started a deploy for service api")
    expect(text("gehen.deploys.draining")).toBe("Gehen is checking for service drain on api")
    expect(text("gehen.deploys.completed")).toBe("Gehen successfully deployed api")
    expect(text("gehen.rollbacks.started")).toBe("Gehen started a rollback for service api")
    expect(text("gehen.rollbacks.draining")).toBe("Gehen is checking for service rollback drain on api")
    expect(text("gehen.rollbacks.completed")).toBe("Gehen successfully rolled back api")
    expect(text("gehen.deploys.started", nightly)).toBe("Gehen started a deploy for scheduled task nightly")
    expect(text("gehen.rollbacks.completed", nightly)).toBe("Gehen successfully rolled back nightly")
  })

  it("tags: the first container's docker labels but com.datadoghq.ad.logs, the target's, the sha, the unified tags", () => {
    const labels = dockerLabelTags({ team: "core", "com.datadoghq.ad.logs": `[{"source":"api"}]`, tier: "web" })
    expect(labels).toEqual(["team:core", "tier:web"])
    expect(targetEvent("gehen.deploys.started", api, labels, ctx).tags).toEqual([
      "team:core",
      "tier:web",
      "gehen_service:api",
      "ecs_cluster:prod-a",
      "aws_region:us-east-1",
      "gitsha:abcdef1",
      "env:prod"
    ])
    expect(targetEvent("gehen.deploys.started", nightly, [], ctx).tags)
      .toEqual(["gehen_scheduled_task:nightly", "aws_region:eu-west-1", "gitsha:abcdef1", "env:prod"])
    expect(targetEvent("gehen.deploys.started", api, [], ctx).alertType).toBeUndefined()
  })

  it("steps from the programs' progress: update through, drain begun, rollback begun, rollback drain begun", () => {
    expect(titleOfProgress(progress({ phase: "update", status: "succeeded" }))).toBe("gehen.deploys.started")
    expect(titleOfProgress(progress({ phase: "drain", status: "started" }))).toBe("gehen.deploys.draining")
    expect(titleOfProgress(progress({ phase: "rollback", status: "started" }))).toBe("gehen.rollbacks.started")
    expect(titleOfProgress(progress({ phase: "rollback-drain", status: "started" }))).toBe("gehen.rollbacks.draining")
    for (
      const quiet of [
        progress({ phase: "update", status: "started" }),
        progress({ phase: "update", status: "failed" }),
        progress({ phase: "drain", status: "succeeded" }),
        progress({ phase: "register", status: "succeeded" }),
        progress({ phase: "version-check", status: "observed" }),
        progress({ target: undefined, phase: "plan", status: "started" })
      ]
    ) expect(titleOfProgress(quiet)).toBeUndefined()
  })

  it("a failing rollout caught while versions are checked is recorded as a drain, but sends no draining event", () => {
    const worker = { kind: "service" as const, name: "worker", cluster: "prod-b", region: "us-west-2" }
    const run = (events: ReadonlyArray<ProgressEvent>) => {
      let open: OpenChecks = new Set()
      return events.flatMap((e) => {
        const step = stepOf(open, e)
        open = step.open
        return step.title === undefined ? [] : [`${step.title} ${e.target?.name}`]
      })
    }
    // The watch records the worker's failure while api's version is checked.
    expect(run([
      progress({ phase: "version-check", status: "started" }),
      progress({ target: worker, phase: "drain", status: "started" }),
      progress({ target: worker, phase: "drain", status: "failed" }),
      progress({ target: worker, phase: "rollback", status: "started" })
    ])).toEqual(["gehen.rollbacks.started worker"])
    // Once the version checks have ended, the drain checks start for real.
    expect(run([
      progress({ phase: "version-check", status: "started" }),
      progress({ phase: "version-check", status: "observed" }),
      progress({ phase: "version-check", status: "succeeded" }),
      progress({ phase: "drain", status: "started" }),
      progress({ target: worker, phase: "drain", status: "started" })
    ])).toEqual(["gehen.deploys.draining api", "gehen.deploys.draining worker"])
    // The same in a rollback: its watch while the previous version is checked.
    expect(run([
      progress({ phase: "rollback-version-check", status: "started" }),
      progress({ target: worker, phase: "rollback-drain", status: "started" }),
      progress({ phase: "rollback-version-check", status: "failed" }),
      progress({ phase: "rollback-drain", status: "started" })
    ])).toEqual(["gehen.rollbacks.draining api"])
  })

  it("the end of a deployed run: completed per target deployed, no failure event", () => {
    const events = eventsOfReport(summary(), (t) => (t.name === "api" ? ["team:core"] : []), ctx)
    expect(events.map((e) => [e.title, e.text, e.tags[0]])).toEqual([
      ["gehen.deploys.completed", "Gehen successfully deployed api", "team:core"],
      ["gehen.deploys.completed", "Gehen successfully deployed nightly", "gehen_scheduled_task:nightly"]
    ])
  })

  it("a failed run: rolled back per target, and gehen.deploys.failed (error) naming the failure and every outcome", () => {
    const report = summary({
      outcome: "rollback-failed",
      exitCode: 3,
      error: "api (prod-a): 4 tasks failed their health checks",
      services: [
        target({ kind: "service", name: "api", outcome: "rollback-failed", error: "restore failed: AccessDenied" }),
        target({ kind: "service", name: "worker", cluster: "prod-b", outcome: "rolled-back" })
      ],
      scheduledTasks: [target({ kind: "scheduled-task", name: "nightly", outcome: "skipped" })]
    })
    const events = eventsOfReport(report, () => [], ctx)
    expect(events.map((e) => e.title)).toEqual(["gehen.rollbacks.completed", "gehen.deploys.failed"])
    const failed = events[1]!
    expect(failed.alertType).toBe("error")
    expect(failed.text).toBe([
      "Gehen failed to deploy abcdef1 (rollback-failed, exit 3): api (prod-a): 4 tasks failed their health checks",
      "api (prod-a): rollback-failed (restore failed: AccessDenied)",
      "worker (prod-b): rolled-back",
      "nightly (scheduled task): skipped"
    ].join("\n"))
    expect(failed.tags).toEqual([
      "outcome:rollback-failed",
      "gitsha:abcdef1",
      "gehen_service:api",
      "ecs_cluster:prod-a",
      "gehen_service:worker",
      "ecs_cluster:prod-b",
      "gehen_scheduled_task:nightly",
      "env:prod"
    ])
  })

  it("a failure event of hundreds of targets stays one ASCII datagram", () => {
    const services = Array.from(
      { length: 300 },
      (_, i) => target({ kind: "service", name: `svc-${i}`, outcome: "rolled-back", error: "x… ü" })
    )
    const failed = eventsOfReport(summary({ outcome: "failed", exitCode: 1, error: "boom", services }), () => [], ctx)
      .at(-1)!
    expect(failed.text.length).toBeLessThanOrEqual(4000)
    expect(failed.text).toMatch(/\.\.\. and \d+ more$/)
    expect(failed.text).toMatch(/^[\x20-\x7e\n]*$/)
  })

  it("metrics: the run's duration and count by outcome, each ended phase's duration by phase (no sha: one series per commit would be)", () => {
    const metrics = metricsOfReport(summary(), [{ phase: "plan", status: "succeeded", seconds: 1.5 }], ctx)
    expect(metrics).toEqual([
      {
        type: "distribution",
        name: "gehen.deploy.duration",
        value: 70,
        tags: ["outcome:deployed", "update_strategy:current", "env:prod"]
      },
      {
        type: "increment",
        name: "gehen.deploy.count",
        value: 1,
        tags: ["outcome:deployed", "update_strategy:current", "env:prod"]
      },
      {
        type: "distribution",
        name: "gehen.phase.duration",
        value: 1.5,
        tags: ["phase:plan", "status:succeeded", "env:prod"]
      },
      {
        type: "distribution",
        name: "gehen.phase.duration",
        value: 1,
        tags: [
          "phase:register",
          "status:succeeded",
          "gehen_service:api",
          "ecs_cluster:prod-a",
          "aws_region:us-east-1",
          "env:prod"
        ]
      },
      {
        type: "distribution",
        name: "gehen.phase.duration",
        value: 1,
        tags: [
          "phase:update",
          "status:succeeded",
          "gehen_service:api",
          "ecs_cluster:prod-a",
          "aws_region:us-east-1",
          "env:prod"
        ]
      },
      {
        type: "distribution",
        name: "gehen.phase.duration",
        value: 1,
        tags: ["phase:register", "status:succeeded", "gehen_scheduled_task:nightly", "aws_region:us-east-1", "env:prod"]
      },
      {
        type: "distribution",
        name: "gehen.phase.duration",
        value: 1,
        tags: ["phase:update", "status:succeeded", "gehen_scheduled_task:nightly", "aws_region:us-east-1", "env:prod"]
      }
    ])
    expect(metrics.flatMap((m) => m.tags).some((t) => t.startsWith("gitsha:"))).toBe(false)
  })
})
