import * as Effect from "effect/Effect"
import type { TargetId } from "../../domain/Targets.js"
import type { StartedDeployment } from "../../ports/Ecs.js"
import type { AwsCallError, PutTargetsRejected } from "../../ports/Errors.js"
import type { RestoredBy } from "../../report/Report.js"
import type { CallCut } from "../run/Deadlines.js"
import type { Journal } from "../run/Journal.js"
import type { RestoreResult } from "../run/Verdicts.js"

/** How putting one change back went, as the rollback needs it. */
export interface Issued {
  readonly result: RestoreResult
  readonly deployment?: StartedDeployment | undefined
  readonly way?: RestoredBy | undefined
  /** The service deployment whose ROLLBACK_SUCCESSFUL confirms the restore. */
  readonly rollbackOf?: string | undefined
}

/** When restores must hurry: the caller's second signal, and the moment its grace runs out. */
export interface Pace {
  readonly hurried: Effect.Effect<void>
  readonly cut: Effect.Effect<void>
}

/** A restore call that did not take: why, in the journal and the result. */
export const notRestored = (
  target: TargetId,
  error: AwsCallError | PutTargetsRejected | CallCut,
  journal: Journal
): Effect.Effect<Issued> => {
  const result: RestoreResult = error._tag !== "CallCut"
    ? { _tag: "RestoreFailed", error: error.message }
    : error.sent
    ? { _tag: "Unanswered", error: error.message }
    : { _tag: "NotIssued", reason: error.message }
  const line = result._tag === "RestoreFailed" ? `ROLLBACK FAILED: ${error.message}` : error.message
  return Effect.as(journal.end(target, "rollback", "failed", line), { result })
}
