// The pure decisions about service deployments, as tables.
import { describe, expect, it } from "vitest"
import * as Option from "effect/Option"
import { assessFollowed, assessRollback, stageText } from "../../src/deploy/FollowAssessment.js"
import { type Followed, gateOf } from "../../src/deploy/Following.js"
import { restoreWayOf } from "../../src/deploy/RestoreWay.js"
import type { ServiceState } from "../../src/ports/Ecs.js"
import {
  type DeploymentModel,
  extraMinutes,
  notOffered,
  productionShifted,
  rollingModel,
  type ServiceDeploymentState,
  shiftMinutes,
  startedServiceDeployment
} from "../../src/ports/ServiceDeployments.js"

const model = (m: Partial<DeploymentModel>): DeploymentModel => ({ ...rollingModel, ...m })
const blueGreen = model({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 10 })
const linear = model({ strategy: "LINEAR", bakeTimeInMinutes: 5, linear: { stepPercent: 25, stepBakeTimeInMinutes: 2 } })
const canary = model({ strategy: "CANARY", bakeTimeInMinutes: 5, canary: { canaryPercent: 10, canaryBakeTimeInMinutes: 3 } })

const sd = (s: Partial<ServiceDeploymentState>): ServiceDeploymentState => ({
  arn: "arn:sd/1",
  serviceArn: "arn:svc",
  status: "IN_PROGRESS",
  hooks: [],
  ...s
})

const followed = (s: Partial<ServiceDeploymentState>): Followed => ({ arn: "arn:sd/1", last: sd(s), text: "t", stages: [] })

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
  const briefs = [
    { arn: "a", status: "IN_PROGRESS", createdAt: 200, targetServiceRevisionArn: "x:service-revision/c/web/22" },
    { arn: "b", status: "SUCCESSFUL", createdAt: 100, targetServiceRevisionArn: "x:service-revision/c/web/11" }
  ]
  it.each([
    ["ecs-svc/22", 150, "a"],
    ["ecs-svc/11", 50, "b"],
    ["ecs-svc/33", 150, undefined],
    [undefined, 150, "a"]
  ])("deployment %s updated at %i: %s", (id, at, want) => {
    expect(startedServiceDeployment(briefs, id, at)?.arn).toBe(want)
  })
})

describe("not offered", () => {
  it.each([
    ["UnknownOperationException", true],
    ["AccessDeniedException", true],
    ["UnsupportedFeatureException", true],
    ["InvalidAction", true],
    ["ThrottlingException", false],
    ["ServerException", false]
  ])("%s: %s", (code, want) => expect(notOffered(code)).toBe(want))
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
    [blueGreen, followed({ status: "IN_PROGRESS", hooks: [{ hookId: "h", targetType: "PAUSE", status: "AWAITING_ACTION" }] }), "continue"],
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
    [alone, sd({ status: "STOPPED" }), "Failed", /rolled back by ECS/],
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
    [sd({ status: "SUCCESSFUL" }), state([dep("d2", "td:2")]), "Failed"]
  ])("a rollback %#: %s", (d, s, tag) => {
    expect(assessRollback(s, { taskDefinition: "td:1" }, d, true)._tag).toBe(tag)
  })

  it("baking, minutes of the bake time", () => {
    expect(stageText(sd({ lifecycleStage: "BAKE_TIME", bakeTimeInMinutes: 10 }), blueGreen, 0, 4 * 60_000 + 5)).toBe("baking, 4 of 10 min")
  })
})
