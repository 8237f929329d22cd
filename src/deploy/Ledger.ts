import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type { StartedDeployment } from "../ports/Ecs.js"
import { type AwsCallError, cannotHaveLanded, type PutTargetsRejected } from "../ports/Errors.js"
import type { ScheduledTaskPlan, ServicePlan } from "./Plan.js"

/**
 * One mutating call of the run and what undoing it takes. `intended`: sent (or about
 * to be), answer not seen: it may have landed, so it is restored like an applied one.
 */
export type Change =
  | {
    readonly kind: "service"
    readonly key: string
    readonly plan: ServicePlan
    readonly newTaskDefinition: string
    readonly state: "intended" | "applied"
    /** The deployment UpdateService started, once its answer named it. */
    readonly deployment: StartedDeployment | undefined
    /** What a restore returns the service to. */
    readonly restoreTo: string
    /** Not changed by this run: a deployment toward the sha it found rolling out, and restores if the run fails. */
    readonly adopted?: boolean | undefined
  }
  | {
    readonly kind: "scheduled-task"
    readonly key: string
    readonly plan: ScheduledTaskPlan
    readonly newTaskDefinition: string
    readonly state: "intended" | "applied"
  }

/** The changes of a run by target key, in the order they were intended. */
export type Changes = ReadonlyMap<string, Change>

/**
 * What the run has changed, or may have changed: what a rollback must put back. Every
 * mutating call is recorded as intended before it is sent and dropped only when AWS
 * definitely refused it; a call cut short by a signal stays intended.
 */
export interface Ledger {
  readonly intend: (change: Change) => Effect.Effect<void>
  readonly applied: (key: string, deployment?: StartedDeployment) => Effect.Effect<void>
  /** AWS refused the call: nothing changed, nothing to restore. */
  readonly rejected: (key: string) => Effect.Effect<void>
  readonly changes: Effect.Effect<Changes>
}

export const makeLedger: Effect.Effect<Ledger> = Effect.map(Ref.make<Changes>(new Map()), (ref) => ({
  intend: (change) => Ref.update(ref, (m) => new Map(m).set(change.key, change)),
  applied: (key, deployment) =>
    Ref.update(ref, (m) => {
      const change = m.get(key)
      if (change === undefined) return m
      const next: Change = change.kind === "service"
        ? { ...change, state: "applied", deployment: deployment ?? change.deployment }
        : { ...change, state: "applied" }
      return new Map(m).set(key, next)
    }),
  rejected: (key) =>
    Ref.update(ref, (m) => {
      const next = new Map(m)
      next.delete(key)
      return next
    }),
  changes: Ref.get(ref)
}))

/**
 * Whether a failed mutating call definitely did not land: PutTargets named the target
 * among its failed entries, or AWS refused the request on its only attempt. A 5xx,
 * throttling or no answer, or a refusal after the SDK's retries (an earlier attempt may
 * have landed), keeps the change intended, to be restored.
 */
export const definitelyRejected = (error: AwsCallError | PutTargetsRejected): boolean =>
  error._tag === "PutTargetsRejected" || cannotHaveLanded(error)
