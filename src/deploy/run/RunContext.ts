/**
 * What every phase of one run shares: its journal (phases, progress, spans), its ledger
 * of changes, the service deployments it follows, its registrar, the check interval and
 * its concurrency. The run provides it; the phases read it instead of passing it along.
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Ecs } from "../../ports/Ecs.js"
import { type Ledger, makeLedger } from "../apply/Ledger.js"
import { makeRegistrar, type Registrar } from "../apply/Registrar.js"
import { type Following, makeFollowing } from "../checks/Following.js"
import type { Journal } from "./Journal.js"

export interface RunContextShape {
  readonly journal: Journal
  readonly ledger: Ledger
  readonly following: Following
  readonly register: Registrar
  /** How often a check looks again (the config's checkIntervalSeconds). */
  readonly interval: Duration.Duration
  /** Most calls of one kind in flight at once (the config's `concurrency`). */
  readonly concurrency: number
}

export class RunContext extends Context.Tag("gehen/RunContext")<RunContext, RunContextShape>() {}

/** A fresh context for a run recorded in `journal`: an empty ledger and record of what it follows. */
export const makeRunContext = (
  journal: Journal,
  settings: { readonly interval: Duration.Duration; readonly concurrency: number }
): Effect.Effect<RunContextShape, never, Ecs> =>
  Effect.all({ ledger: makeLedger, following: makeFollowing, register: makeRegistrar }).pipe(
    Effect.map((parts) => ({ journal, ...parts, ...settings }))
  )
