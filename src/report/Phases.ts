import * as Record from "effect/Record"
import type { PhaseName } from "./Report.js"

/** The phases a target goes through, in order. */
export type Phase = typeof PhaseName.Type

/** How people are told about one phase; every renderer reads its words from `phaseWording`. */
export interface PhaseWording {
  /** Its name: log lines (`drain: 2/3 new running`), failures (`drain failed`), the gantt chart. */
  readonly title: string
  /** While it runs, on a live line. */
  readonly active: string
  /**
   * After it succeeded, on a live line. A drain ends a service's deploy and a rollback
   * drain its rollback; a scheduled task, which has no drain, ends with its update
   * (worded as a drain) or its rollback (worded as a rollback drain).
   */
  readonly succeeded: string
  /**
   * The stage of the run it belongs to: a CI log group. Phases of different targets
   * interleave (A registers, A updates, B registers, …), so register and update
   * share one stage instead of opening and closing a group at every line.
   */
  readonly stage: string
}

/** The words for each phase, in one place. */
export const phaseWording: { readonly [P in Phase]: PhaseWording } = {
  plan: { title: "plan", active: "planning", succeeded: "plan", stage: "Plan" },
  register: { title: "register", active: "registering", succeeded: "registered", stage: "Register and update" },
  update: { title: "update", active: "updating", succeeded: "updated", stage: "Register and update" },
  "version-check": {
    title: "version check",
    active: "checking version",
    succeeded: "version ok",
    stage: "Version check"
  },
  drain: { title: "drain", active: "draining", succeeded: "done", stage: "Drain" },
  rollback: { title: "rollback", active: "rolling back", succeeded: "rollback issued", stage: "Rollback" },
  "rollback-version-check": {
    title: "rollback version check",
    active: "rollback: checking version",
    succeeded: "rollback version ok",
    stage: "Rollback version check"
  },
  "rollback-drain": {
    title: "rollback drain",
    active: "rollback: draining",
    succeeded: "rolled back",
    stage: "Rollback drain"
  }
}

/** Each phase's name for people (`phaseWording[phase].title`). */
export const phaseTitle: { readonly [P in Phase]: string } = Record.map(phaseWording, (w) => w.title)
