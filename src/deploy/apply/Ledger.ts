import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type { StartedDeployment } from "../../ports/Ecs.js"
import { type AwsCallError, cannotHaveLanded, type PutTargetsRejected } from "../../ports/Errors.js"
import type { ScheduledTaskPlan, ServicePlan } from "../plan/Plan.js"

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

// A persistent map (a copied Map per call would be quadratic in a large fleet), each change
// with its place in the order of intent.
interface Entries {
  readonly byKey: HashMap.HashMap<string, { readonly seq: number; readonly change: Change }>
  readonly next: number
}

export const makeLedger: Effect.Effect<Ledger> = Effect.map(
  Ref.make<Entries>({ byKey: HashMap.empty(), next: 0 }),
  (ref) => ({
    intend: (change) =>
      Ref.update(ref, ({ byKey, next }) => {
        // A change intended again keeps its place.
        const seq = Option.match(HashMap.get(byKey, change.key), { onNone: () => next, onSome: (e) => e.seq })
        return { byKey: HashMap.set(byKey, change.key, { seq, change }), next: next + 1 }
      }),
    applied: (key, deployment) =>
      Ref.update(ref, (s) => ({
        ...s,
        byKey: HashMap.modify(s.byKey, key, ({ seq, change }) => {
          const next: Change = change.kind === "service"
            ? { ...change, state: "applied", deployment: deployment ?? change.deployment }
            : { ...change, state: "applied" }
          return { seq, change: next }
        })
      })),
    rejected: (key) => Ref.update(ref, (s) => ({ ...s, byKey: HashMap.remove(s.byKey, key) })),
    changes: Effect.map(
      Ref.get(ref),
      ({ byKey }) =>
        new Map(
          [...HashMap.values(byKey)].sort((a, b) => a.seq - b.seq).map(({ change }) => [change.key, change] as const)
        )
    )
  })
)

/**
 * Whether a failed mutating call definitely did not land: PutTargets named the target
 * among its failed entries, or AWS refused the request on its only attempt. A 5xx,
 * throttling or no answer, or a refusal after the SDK's retries (an earlier attempt may
 * have landed), keeps the change intended, to be restored.
 */
export const definitelyRejected = (error: AwsCallError | PutTargetsRejected): boolean =>
  error._tag === "PutTargetsRejected" || cannotHaveLanded(error)
