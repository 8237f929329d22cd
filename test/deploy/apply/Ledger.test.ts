import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { definitelyRejected, makeLedger } from "../../../src/deploy/apply/Ledger.js"
import type { ServicePlan } from "../../../src/deploy/plan/Plan.js"
import { AwsCallError, classifyAwsFailure, PutTargetsRejected } from "../../../src/ports/Errors.js"

const error = (code: string, httpStatus?: number, attempts?: number) =>
  new AwsCallError({ operation: "UpdateService", region: "us-east-1", code, detail: "x", httpStatus, attempts })

describe("definitelyRejected", () => {
  it.each(
    [
      // Refused on its only attempt: nothing changed.
      [error("AccessDeniedException", 400, 1), true],
      [error("InvalidParameterException", 400, 1), true],
      [error("ClientException", 400, 1), true],
      [error("ServiceNotFoundException", 400, 1), true],
      // Throttled, even once: kept, to be restored.
      [error("ThrottlingException", 400, 1), false],
      // A refusal after the SDK's retries: an earlier attempt (a 500, a timeout) may have landed.
      [error("ThrottlingException", 400, 2), false],
      [error("InvalidParameterException", 400, 3), false],
      // How many attempts is unknown: it may have landed.
      [error("InvalidParameterException", 400), false],
      [error("ServerException", 500, 1), false],
      [error("ServiceUnavailable", 503, 1), false],
      // No answer at all: it may have landed.
      [error("TimeoutError", undefined, 1), false],
      [error("ECONNRESET", undefined, 1), false],
      [new PutTargetsRejected({ rule: "r", region: "us-east-1", failures: [] }), true]
    ] as const
  )("%s -> %s", (e, rejected) => {
    expect(definitelyRejected(e)).toBe(rejected)
  })
})

describe("what an AWS failure means", () => {
  it.each(
    [
      ["ThrottlingException", 400, "throttled"],
      ["Throttling", 400, "throttled"],
      ["TooManyRequestsException", 429, "throttled"],
      ["RequestLimitExceeded", 503, "throttled"],
      ["InternalFailure", 500, "server"],
      ["ServiceUnavailable", 503, "server"],
      ["ServerException", 500, "server"],
      ["ClientException", 400, "refused"],
      ["InvalidParameterException", 400, "refused"],
      ["LimitExceededException", 400, "refused"],
      ["ClusterNotFoundException", 400, "not-found"],
      ["ServiceNotFoundException", 400, "not-found"],
      ["ResourceNotFoundException", 400, "not-found"],
      ["UnknownOperationException", 400, "not-offered"],
      ["AccessDeniedException", 400, "not-offered"],
      ["NotImplemented", undefined, "not-offered"],
      ["TimeoutError", undefined, "no-answer"],
      ["AbortError", undefined, "no-answer"],
      ["ECONNREFUSED", undefined, "no-answer"],
      ["InvalidParameterException", undefined, "refused"]
    ] as const
  )("%s (%s) is %s", (code, status, reason) => {
    expect(classifyAwsFailure(code, status)).toBe(reason)
    expect(error(code, status).reason).toBe(reason)
  })
})

describe("the ledger", () => {
  it.effect("records intent before the call, the deployment on success, and forgets only refused calls", () =>
    Effect.gen(function*() {
      const ledger = yield* makeLedger
      const plan = {} as ServicePlan
      yield* ledger.intend({
        kind: "service",
        key: "a",
        plan,
        newTaskDefinition: "td:2",
        state: "intended",
        deployment: undefined,
        restoreTo: "td:1"
      })
      yield* ledger.intend({
        kind: "service",
        key: "b",
        plan,
        newTaskDefinition: "td:2",
        state: "intended",
        deployment: undefined,
        restoreTo: "td:1"
      })
      yield* ledger.intend({
        kind: "service",
        key: "c",
        plan,
        newTaskDefinition: "td:2",
        state: "intended",
        deployment: undefined,
        restoreTo: "td:1"
      })
      yield* ledger.applied("a", { id: "ecs-svc/1", createdAt: 5 })
      yield* ledger.rejected("b")
      const changes = yield* ledger.changes
      expect([...changes.keys()]).toEqual(["a", "c"])
      expect(changes.get("a")).toMatchObject({ state: "applied", deployment: { id: "ecs-svc/1", createdAt: 5 } })
      expect(changes.get("c")).toMatchObject({ state: "intended", deployment: undefined })
    }))
})
