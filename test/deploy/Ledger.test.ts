import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { definitelyRejected, makeLedger } from "../../src/deploy/Ledger.js"
import type { ServicePlan } from "../../src/deploy/Plan.js"
import { AwsCallError, PutTargetsRejected } from "../../src/ports/Errors.js"

const error = (code: string, httpStatus?: number) =>
  new AwsCallError({ operation: "UpdateService", region: "us-east-1", code, detail: "x", httpStatus })

describe("definitelyRejected", () => {
  it.each([
    [error("AccessDeniedException", 400), true],
    [error("ThrottlingException", 400), true],
    [error("InvalidParameterException"), true],
    [error("ServerException", 500), false],
    [error("ServiceUnavailable", 503), false],
    // No answer at all: it may have landed.
    [error("TimeoutError"), false],
    [error("ECONNRESET"), false],
    [new PutTargetsRejected({ rule: "r", region: "us-east-1", failures: [] }), true]
  ] as const)("%s -> %s", (e, rejected) => {
    expect(definitelyRejected(e)).toBe(rejected)
  })
})

describe("the ledger", () => {
  it.effect("records intent before the call, the deployment on success, and forgets only refused calls", () =>
    Effect.gen(function*() {
      const ledger = yield* makeLedger
      const plan = {} as ServicePlan
      yield* ledger.intend({ kind: "service", key: "a", plan, newTaskDefinition: "td:2", state: "intended", deployment: undefined })
      yield* ledger.intend({ kind: "service", key: "b", plan, newTaskDefinition: "td:2", state: "intended", deployment: undefined })
      yield* ledger.intend({ kind: "service", key: "c", plan, newTaskDefinition: "td:2", state: "intended", deployment: undefined })
      yield* ledger.applied("a", { id: "ecs-svc/1", createdAt: 5 })
      yield* ledger.rejected("b")
      const changes = yield* ledger.changes
      expect([...changes.keys()]).toEqual(["a", "c"])
      expect(changes.get("a")).toMatchObject({ state: "applied", deployment: { id: "ecs-svc/1", createdAt: 5 } })
      expect(changes.get("c")).toMatchObject({ state: "intended", deployment: undefined })
    }))
})
