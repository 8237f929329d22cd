// The pure decisions about service deployments, as tables.
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import { assessFollowed, assessRollback, stageText } from "../../../src/deploy/checks/FollowAssessment.js"
import { type Followed, gateOf } from "../../../src/deploy/checks/Following.js"
import { restoreWayOf } from "../../../src/deploy/recovery/RestoreWay.js"
import {
  type DeploymentModel,
  extraMinutes,
  productionShifted,
  rollingModel,
  type ServiceDeploymentState,
  shiftMinutes,
  startedServiceDeployment
} from "../../../src/domain/DeploymentModel.js"
import type { ServiceState } from "../../../src/ports/Ecs.js"
import { AwsCallError, notOffered } from "../../../src/ports/Errors.js"

const model = (m: Partial<DeploymentModel>): DeploymentModel => ({ ...rollingModel, ...m })
const blueGreen = model({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 10 })
const linear = model({
  strategy: "LINEAR",
  bakeTimeInMinutes: 5,
  linear: { stepPercent: 25, stepBakeTimeInMinutes: 2 }
})
const canary = model({
  strategy: "CANARY",
  bakeTimeInMinutes: 5,
  canary: { canaryPercent: 10, canaryBakeTimeInMinutes: 3 }
})

const sd = (s: Partial<ServiceDeploymentState>): ServiceDeploymentState => ({
  arn: "arn:sd/1",
  serviceArn: "arn:svc",
  status: "IN_PROGRESS",
  hooks: [],
  ...s
})

const followed = (s: Partial<ServiceDeploymentState>): Followed => ({
  arn: "arn:sd/1",
  last: sd(s),
  text: "t",
  stages: []
})

const state = (deployments: ServiceState["deployments"]): ServiceState => ({
  serviceName: "web",
  serviceArn: "arn:svc",
  clusterArn: "arn:c",
  status: "ACTIVE",
  taskDefinition: "td:2",
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  deployments,
  deploymentController: "ECS",
  recentEvents: []
})

const dep = (id: string, taskDefinition: string, status = "PRIMARY") => ({
  id,
  status,
  taskDefinition,
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  failedTasks: 0,
  rolloutState: "IN_PROGRESS"
})

describe("deadlines", () => {
  it.each([
    [rollingModel, 0, 0],
    [blueGreen, 0, 10],
    [linear, 6, 11],
    [canary, 3, 8]
  ])("%#: shift %i min, beyond the rollout %i min", (m, shift, extra) => {
    expect(shiftMinutes(m)).toBe(shift)
    expect(extraMinutes(m)).toBe(extra)
  })
})

describe("finding the deployment an update started", () => {
  // Revision ids unrelated to deployment ids, the list in no order: only the revisions' task definitions count.
  const briefs = [
    { arn: "old", status: "SUCCESSFUL", createdAt: 100, targetServiceRevisionArn: "rev/7f3a" },
    { arn: "mine", status: "IN_PROGRESS", createdAt: 200, targetServiceRevisionArn: "rev/0b21" },
    { arn: "redeploy", status: "IN_PROGRESS", createdAt: 300, targetServiceRevisionArn: "rev/99c0" },
    { arn: "unknown", status: "PENDING", createdAt: 400, targetServiceRevisionArn: "rev/none" },
    { arn: "no-revision", status: "PENDING", createdAt: 500 }
  ]
  const revisions = new Map([["rev/7f3a", "td:1"], ["rev/0b21", "td:2"], ["rev/99c0", "td:3"]])
  it.each([
    ["td:2", briefs, "mine"],
    ["td:1", briefs, "old"],
    ["td:4", briefs, undefined],
    // Listed in any order: the newest by createdAt of those running the task definition.
    ["td:2", [...briefs].reverse(), "mine"],
    ["td:2", [briefs[1]!, { ...briefs[1]!, arn: "newer", createdAt: 250 }], "newer"],
    ["td:2", [{ ...briefs[1]!, arn: "newer", createdAt: 250 }, briefs[1]!], "newer"],
    ["td:2", [], undefined]
  ])("for %s: %s", (taskDefinition, listed, want) => {
    expect(startedServiceDeployment(listed, revisions, taskDefinition)?.arn).toBe(want)
  })
})

describe("not offered", () => {
  const e = (code: string, status?: number) =>
    new AwsCallError({ operation: "ListServiceDeployments", region: "r", code, detail: "x", httpStatus: status })
  it.each([
    ["UnknownOperationException", 400, true],
    ["AccessDeniedException", 400, true],
    ["NotImplemented", undefined, true],
    ["InvalidAction", 400, true],
    ["UnsupportedFeatureException", 400, false],
    ["ThrottlingException", 400, false],
    ["ServerException", 500, false]
  ])("%s (%s): %s", (code, status, want) => expect(notOffered(e(code, status))).toBe(want))
})

describe("the version check's gate", () => {
  it.each([
    [blueGreen, followed({ lifecycleStage: "TEST_TRAFFIC_SHIFT" }), false],
    [linear, followed({ lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" }), true],
    [linear, followed({ lifecycleStage: "BAKE_TIME" }), false],
    [canary, followed({ lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" }), true],
    [canary, followed({ status: "SUCCESSFUL" }), false],
    [canary, undefined, false]
  ])("%#: held %s", (m, f, held) => {
    expect(Option.isSome(gateOf(m, f).hold)).toBe(held)
  })

  it("production shifted from BAKE_TIME on", () => {
    expect(productionShifted(sd({ lifecycleStage: "CLEAN_UP" }))).toBe(true)
    expect(productionShifted(sd({ lifecycleStage: "TEST_TRAFFIC_SHIFT" }))).toBe(false)
  })
})

describe("how a service goes back", () => {
  it.each([
    [rollingModel, followed({}), "update-service"],
    [blueGreen, undefined, "update-service"],
    [blueGreen, followed({ status: "IN_PROGRESS", lifecycleStage: "BAKE_TIME" }), "stop"],
    [
      blueGreen,
      followed({ status: "IN_PROGRESS", hooks: [{ hookId: "h", targetType: "PAUSE", status: "AWAITING_ACTION" }] }),
      "continue"
    ],
    [blueGreen, followed({ status: "SUCCESSFUL" }), "update-service"],
    [blueGreen, followed({ status: "ROLLBACK_IN_PROGRESS" }), "ecs"],
    [linear, followed({ status: "ROLLBACK_SUCCESSFUL" }), "ecs"],
    [canary, followed({ status: "STOPPED" }), "update-service"]
  ])("%#: %s", (m, f, want) => {
    expect(restoreWayOf(m, f)._tag).toBe(want)
  })
})

describe("judging a followed service", () => {
  const awaited = { taskDefinition: "td:2", deployment: { id: "d2", createdAt: 10 } }
  const alone = state([dep("d2", "td:2")])
  const both = state([dep("d2", "td:2"), dep("d1", "td:1", "ACTIVE")])
  it.each([
    [alone, sd({ status: "ROLLBACK_SUCCESSFUL", statusReason: "alarm" }), "Failed", /rolled back by ECS .*alarm/],
    // A stop is not a rollback: the breaker or an alarm without rollback, a person.
    [
      alone,
      sd({ status: "STOPPED", statusReason: "circuit breaker" }),
      "Failed",
      /^stopped by ECS, not rolled back \(STOPPED\): circuit breaker/
    ],
    [alone, sd({ status: "STOP_REQUESTED" }), "Failed", /^stopped by ECS/],
    // Stopped because a newer deployment replaced it.
    [
      state([{ ...dep("d3", "td:3"), createdAt: 20 }, { ...dep("d2", "td:2", "ACTIVE"), createdAt: 10 }]),
      sd({ status: "STOPPED" }),
      "Failed",
      /primary deployment is d3 \(td:3\), not d2/
    ],
    [alone, sd({ status: "SUCCESSFUL" }), "Drained", /SUCCESSFUL/],
    [both, sd({ status: "SUCCESSFUL" }), "Waiting", /DescribeServices/],
    [both, sd({ lifecycleStage: "BAKE_TIME" }), "Waiting", /stage/]
  ])("%#: %s", (s, d, tag, text) => {
    const a = assessFollowed(s, awaited, d, true, "stage", undefined)
    expect(a._tag).toBe(tag)
    expect(a._tag === "Failed" ? a.detail : a.observation).toMatch(text)
  })

  it.each([
    [sd({ status: "ROLLBACK_IN_PROGRESS" }), state([dep("d1", "td:1")]), "Waiting"],
    [sd({ status: "ROLLBACK_SUCCESSFUL" }), state([dep("d1", "td:1")]), "Drained"],
    [sd({ status: "ROLLBACK_FAILED" }), state([dep("d1", "td:1")]), "Failed"],
    [sd({ status: "STOPPED" }), state([dep("d1", "td:1")]), "Failed"],
    [sd({ status: "SUCCESSFUL" }), state([dep("d2", "td:2")]), "Failed"]
  ])("a rollback %#: %s", (d, s, tag) => {
    expect(assessRollback(s, { taskDefinition: "td:1" }, d, true)._tag).toBe(tag)
  })

  it("ECS's rollback failing is a failure of its own kind: gehen then restores the service itself", () => {
    const a = assessRollback(
      state([dep("d1", "td:1")]),
      { taskDefinition: "td:1" },
      sd({ status: "ROLLBACK_FAILED", statusReason: "tasks failed" }),
      true
    )
    expect(a).toMatchObject({
      _tag: "Failed",
      reason: "ecs-rollback-failed",
      detail: "ECS's rollback failed (ROLLBACK_FAILED): tasks failed"
    })
  })

  it("baking, minutes of the bake time", () => {
    expect(stageText(sd({ lifecycleStage: "BAKE_TIME", bakeTimeInMinutes: 10 }), blueGreen, 0, 4 * 60_000 + 5)).toBe(
      "baking, 4 of 10 min"
    )
  })
})
