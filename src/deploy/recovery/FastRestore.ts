import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { resourceId } from "../../domain/ResourceId.js"
import { shortName } from "../../domain/TaskDefinitionArn.js"
import { Ecs } from "../../ports/Ecs.js"
import { type Change, definitelyRejected } from "../apply/Ledger.js"
import { persistently } from "../run/Deadlines.js"
import type { Journal } from "../run/Journal.js"
import { type Issued, notRestored, type Pace } from "./Restores.js"
import type { RestoreWay } from "./RestoreWay.js"

export type { Issued }

/** Throttling and 5xx are retried for a while; a refusal is final at once (gehen then uses UpdateService). */
const FAST_PATIENCE = Duration.seconds(30)

/**
 * Puts a traffic-shifting service back through ECS itself: its own rollback confirmed,
 * a paused hook answered ROLLBACK, or StopServiceDeployment (stopType ROLLBACK) while
 * the blue tasks are still up. None when ECS refused: restore with UpdateService.
 */
export const restoreThroughEcs = (
  change: Extract<Change, { kind: "service" }>,
  way: Exclude<RestoreWay, { _tag: "update-service" }>,
  journal: Journal,
  pace: Pace
): Effect.Effect<Option.Option<Issued>, never, Ecs> =>
  Effect.gen(function*() {
    const { plan } = change
    const target = plan.target
    const back = shortName(change.restoreTo)
    if (way._tag === "ecs") {
      yield* journal.start(target, "rollback", `ECS is rolling back ${resourceId(way.arn)} by itself`)
      yield* journal.end(target, "rollback", "succeeded", `ECS rolls back to ${back}`)
      return Option.some({ result: { _tag: "Restored" }, way: "ecs-rollback", rollbackOf: way.arn } satisfies Issued)
    }
    const ecs = yield* Ecs
    const stop = way._tag === "stop"
    yield* journal.start(
      target,
      "rollback",
      stop
        ? `stopping service deployment ${resourceId(way.arn)} (ROLLBACK)`
        : `answering hook ${way.hookId} with ROLLBACK`
    )
    const call = way._tag === "stop"
      ? ecs.stopServiceDeployment(plan.ref.region, way.arn)
      : ecs.continueServiceDeployment(plan.ref.region, way.arn, way.hookId, "ROLLBACK")
    const operation = way._tag === "stop" ? "StopServiceDeployment" : "ContinueServiceDeployment"
    const sent = yield* Effect.either(
      persistently(operation, plan.ref.region, call, FAST_PATIENCE, pace).pipe(journal.inPhase(target, "rollback"))
    )
    if (Either.isRight(sent)) {
      yield* journal.end(target, "rollback", "succeeded", `ECS shifts traffic back to ${back}`)
      return Option.some(
        {
          result: { _tag: "Restored" },
          way: stop ? "stop-service-deployment" : "continue-service-deployment",
          rollbackOf: way.arn
        } satisfies Issued
      )
    }
    // Cut short by the second signal: no time left for UpdateService.
    if (sent.left._tag === "CallCut") return Option.some(yield* notRestored(target, sent.left, journal))
    // Refused (the deployment finished meanwhile, or no permission): UpdateService restores it all the same.
    const why = definitelyRejected(sent.left) ? "refused" : "failed"
    yield* journal.end(
      target,
      "rollback",
      "failed",
      `${sent.left.operation} ${why} (${sent.left.code}); restoring with UpdateService`
    )
    return Option.none()
  })
