import { describe, expect, it } from "vitest"
import { assessDrain, failureThreshold } from "../../../src/deploy/checks/DrainAssessment.js"
import type { Deployment, ServiceState } from "../../../src/ports/Ecs.js"

const TD_OLD = "arn:aws:ecs:us-east-1:123456789012:task-definition/api:1"
const TD_NEW = "arn:aws:ecs:us-east-1:123456789012:task-definition/api:2"

const d = (id: string, over: Partial<Deployment> = {}): Deployment => ({
  id,
  status: "PRIMARY",
  taskDefinition: TD_NEW,
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  failedTasks: 0,
  rolloutState: "IN_PROGRESS",
  createdAt: 1000,
  ...over
})

const state = (deployments: ReadonlyArray<Deployment>, recentEvents: ReadonlyArray<string> = []): ServiceState => ({
  serviceName: "api",
  serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/prod/api",
  clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
  status: "ACTIVE",
  taskDefinition: TD_NEW,
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  deployments,
  deploymentController: "ECS",
  recentEvents
})

const mine = { taskDefinition: TD_NEW, deployment: { id: "new", createdAt: 1000 } }
const old = d("old", { taskDefinition: TD_OLD, createdAt: 10, rolloutState: "COMPLETED" })

describe("assessDrain by deployment id", () => {
  it.each(
    [
      [
        "a stale read (only the old deployment) is not yet visible, never replaced or drained",
        state([old]),
        { _tag: "Waiting", observation: "deployment new not visible yet", newReady: false }
      ],
      [
        "the same stale read after a redeploy (same task definition) is still not visible",
        state([d("old", { createdAt: 10, rolloutState: "COMPLETED" })]),
        { _tag: "Waiting", observation: "deployment new not visible yet", newReady: false }
      ],
      [
        "old and new both up: waiting, the new one at its desired count",
        state([d("new"), { ...old, status: "ACTIVE" }]),
        { _tag: "Waiting", observation: "2/2 new running, old deployment 2 running", newReady: true }
      ],
      [
        "only the new deployment, all running: drained",
        state([d("new", { rolloutState: "COMPLETED" })]),
        { _tag: "Drained", observation: "2/2 new running" }
      ],
      [
        "new tasks pending: not ready",
        state([d("new", { runningCount: 1, pendingCount: 1 })]),
        { _tag: "Waiting", observation: "1/2 new running, 1 pending", newReady: false }
      ]
    ] as const
  )("%s", (_, s, expected) => {
    expect(assessDrain(s, mine, true)).toEqual(expected)
  })

  it("a rollback's drain names what it restores and what still runs, by task definition", () => {
    // The restore (back to api:1), the failed new version (api:2) and the earlier deployment of api:1.
    const restore = { taskDefinition: TD_OLD, deployment: { id: "restore", createdAt: 3000 } }
    const s = state([
      d("restore", { taskDefinition: TD_OLD, runningCount: 1, pendingCount: 1, createdAt: 3000 }),
      d("new", { status: "ACTIVE", runningCount: 2 }),
      { ...old, status: "ACTIVE", runningCount: 2 }
    ])
    expect(assessDrain(s, restore, true, true)).toEqual({
      _tag: "Waiting",
      observation:
        "1/2 of api:1 running, 1 pending, api:2 still 2 running, an earlier deployment of api:1 still 2 running",
      newReady: false
    })
  })

  it("a newer deployment than ours, ours gone: replaced", () => {
    const a = assessDrain(state([d("someone-else", { createdAt: 2000 })]), mine, false)
    expect(a).toMatchObject({ _tag: "Failed", reason: "replaced" })
  })

  it("ours listed but no longer PRIMARY: replaced", () => {
    const a = assessDrain(state([d("someone-else", { createdAt: 2000 }), d("new", { status: "ACTIVE" })]), mine, false)
    expect(a).toMatchObject({ _tag: "Failed", reason: "replaced" })
  })

  it("ECS's circuit breaker failed it", () => {
    const a = assessDrain(
      state([d("new", { rolloutState: "FAILED", rolloutStateReason: "tasks failed to start" })]),
      mine,
      false
    )
    expect(a).toEqual({
      _tag: "Failed",
      reason: "circuit-breaker",
      detail: "deployment new failed: tasks failed to start"
    })
  })

  it("tasks that keep failing fail it at the circuit breaker's bar, with or without a circuit breaker", () => {
    expect(assessDrain(state([d("new", { failedTasks: 2, runningCount: 0 })]), mine, true)._tag).toBe("Waiting")
    const crash = assessDrain(state([d("new", { failedTasks: 3, runningCount: 0 })]), mine, true)
    expect(crash).toMatchObject({ _tag: "Failed", reason: "crash-loop" })
    const health = assessDrain(
      state([d("new", { failedTasks: 3 })], ["(service api) (task 1) failed container health checks."]),
      mine,
      true
    )
    expect(health).toMatchObject({ _tag: "Failed", reason: "unhealthy" })
    expect(health._tag === "Failed" && health.detail).toMatch(/UNHEALTHY/)
  })
})

describe("assessDrain without an id (nothing started: updateStrategy none)", () => {
  const current = { taskDefinition: TD_NEW }
  it("another primary is a stale read until settled, then replaced", () => {
    const s = state([old])
    expect(assessDrain(s, current, false)._tag).toBe("Waiting")
    expect(assessDrain(s, current, true)).toMatchObject({ _tag: "Failed", reason: "replaced" })
  })
  it("the primary on the task definition, alone: drained", () => {
    expect(assessDrain(state([d("x", { rolloutState: "COMPLETED" })]), current, true)._tag).toBe("Drained")
  })
})

describe("failureThreshold", () => {
  it.each([[1, 3], [2, 3], [6, 3], [7, 4], [10, 5], [1000, 200]])("desired %i -> %i", (desired, bar) => {
    expect(failureThreshold(desired)).toBe(bar)
  })
})
