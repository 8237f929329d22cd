import type { RunOutcome, TargetOutcome } from "../../report/Report.js"
import type { Changes } from "../apply/Ledger.js"
import { manualCommandOf } from "../recovery/ManualCommands.js"

/** How the forward part of a run ended. */
export type RunEnd =
  /** Every target on the new version, drained. */
  | { readonly _tag: "Deployed" }
  /** Every new deployment runs its desired count; these services still had old tasks at the deadline. */
  | { readonly _tag: "TimedOut"; readonly message: string; readonly lingering: ReadonlyMap<string, string> }
  /** A phase failed; `blame` holds each target's own failure. */
  | { readonly _tag: "Failed"; readonly message: string; readonly blame: ReadonlyMap<string, string> }
  /** A signal stopped the run; with `leave`, changes stay as they are. */
  | { readonly _tag: "Interrupted"; readonly leave: boolean; readonly blame: ReadonlyMap<string, string> }

/** How putting one changed target back went. */
export type RestoreResult =
  /** The call that restores it succeeded. */
  | { readonly _tag: "Restored" }
  /** The call kept failing until gehen's patience ran out. */
  | { readonly _tag: "RestoreFailed"; readonly error: string }
  /** Never sent, or refused each time, before the second signal's grace ran out. */
  | { readonly _tag: "NotIssued"; readonly reason: string }
  /** Sent, and cut short by the second signal before its answer came: it may have landed. */
  | { readonly _tag: "Unanswered"; readonly error: string }
  /** There is nothing to go back to (a forced redeploy of the same task definition). */
  | { readonly _tag: "NothingToRestore"; readonly reason: string }
  /** Another writer's deployment replaced the change: left to it, not restored. */
  | { readonly _tag: "Superseded"; readonly by: string }

/** Whether a restored service was seen back on its previous version. */
export type Confirmation =
  | { readonly _tag: "Confirmed" }
  | { readonly _tag: "NotConfirmed"; readonly error: string }
  /** Not checked (interrupted, or no check asked for); `reason` says why. */
  | { readonly _tag: "Unchecked"; readonly reason: string }

export interface Verdict {
  readonly outcome: TargetOutcome
  readonly error: string | undefined
  /** The AWS CLI command that puts the target back by hand, when gehen could not. */
  readonly manualCommand: string | undefined
}

export interface VerdictInput {
  readonly targets: ReadonlyArray<{ readonly key: string; readonly kind: "service" | "scheduled-task" }>
  readonly end: RunEnd
  readonly changes: Changes
  readonly restores: ReadonlyMap<string, RestoreResult>
  readonly confirmations: ReadonlyMap<string, Confirmation>
  /** Targets the run leaves alone on purpose (updateStrategy none; rules under redeploy). */
  readonly untouched: ReadonlySet<string>
  /**
   * Targets that ran the sha already: no call made. Those with a deployment still rolling
   * out are in `changes` too (adopted), and are restored like a change; the others have
   * nothing known to go back to.
   */
  readonly unchanged?: ReadonlySet<string> | undefined
}

const join = (...parts: ReadonlyArray<string | undefined>): string | undefined => {
  const text = parts.filter((p): p is string => p !== undefined && p !== "").join("; ")
  return text === "" ? undefined : text
}

const verdict = (outcome: TargetOutcome, error?: string, manualCommand?: string): Verdict => ({
  outcome,
  error,
  manualCommand
})

/** One target of a run that failed or was interrupted. */
const judgeRecovery = (
  key: string,
  kind: "service" | "scheduled-task",
  end: Extract<RunEnd, { _tag: "Failed" | "Interrupted" }>,
  input: VerdictInput
): Verdict => {
  const own = end.blame.get(key)
  const change = input.changes.get(key)
  if (change === undefined) {
    if (own !== undefined) return verdict("failed", own)
    return verdict("skipped", end._tag === "Interrupted" ? "interrupted before its turn" : undefined)
  }
  const restore = input.restores.get(key)
  // Every target a person must look at gets the command that puts it back by hand.
  const byHand = (error: string | undefined) => verdict("rollback-failed", error, manualCommandOf(change))
  if (restore === undefined) {
    return end._tag === "Interrupted" && end.leave
      ? verdict("skipped", join(own, "interrupted; left on the new version, not confirmed"))
      : byHand(join(own, "restore not issued"))
  }
  switch (restore._tag) {
    case "NothingToRestore":
      return verdict("rollback-failed", join(own, restore.reason))
    case "Superseded":
      return verdict(
        "superseded",
        join(own, `replaced by ${restore.by}: another writer deployed over this run; left to it, not rolled back`)
      )
    case "RestoreFailed":
      return byHand(join(own, `rollback failed: ${restore.error}`))
    case "NotIssued":
      return byHand(join(own, `restore not issued: ${restore.reason}`))
    case "Unanswered":
      return byHand(join(own, `restore sent, answer unknown: ${restore.error}`))
    case "Restored": {
      const confirmation = input.confirmations.get(key)
      if (kind === "scheduled-task" || confirmation === undefined) return verdict("rolled-back", own)
      switch (confirmation._tag) {
        case "Confirmed":
          return verdict("rolled-back", own)
        case "NotConfirmed":
          return byHand(join(own, `restore issued, but not confirmed: ${confirmation.error}`))
        case "Unchecked":
          return verdict("rolled-back", join(own, confirmation.reason))
      }
    }
  }
}

/**
 * Each target's outcome, from how the run ended, what it changed, how each restore
 * went and what each confirmation saw. One target's result never decides another's.
 */
export const judgeTargets = (input: VerdictInput): ReadonlyMap<string, Verdict> => {
  const { end } = input
  return new Map(input.targets.map(({ key, kind }) => {
    const untouched = input.untouched.has(key)
    const change = input.changes.get(key)
    // Ran the sha before this run: no call made (an adopted deployment is a change of the ledger, but not this run's).
    const unchanged = input.unchanged?.has(key) === true &&
      (change === undefined || (change.kind === "service" && change.adopted === true))
    // Only a target that received a call is deployed; one the run left as it was is unchanged.
    const called = change !== undefined && !(change.kind === "service" && change.adopted === true)
    const done = untouched ? "skipped" : called ? "deployed" : "unchanged"
    switch (end._tag) {
      case "Deployed":
        return [key, verdict(done)]
      case "TimedOut": {
        const lingering = end.lingering.get(key)
        if (lingering !== undefined) return [key, verdict("timed-out", `old tasks still running: ${lingering}`)]
        return [key, verdict(done)]
      }
      case "Failed":
      case "Interrupted": {
        if (change !== undefined || !unchanged) return [key, judgeRecovery(key, kind, end, input)]
        const own = end.blame.get(key)
        // It failed on the sha it ran before this run, and nothing says what it ran before that.
        return [
          key,
          own === undefined
            ? verdict("unchanged")
            : verdict(
              "rollback-failed",
              join(own, "it ran this version before the run started; nothing is known to put it back to")
            )
        ]
      }
    }
  }))
}

/**
 * The run's outcome: a failure whose restores all held is "failed"; any that did not is
 * "rollback-failed"; one where another writer replaced part of the change (and the rest
 * held) is "superseded". An interrupted run is "interrupted" only when every change was
 * put back (or left, as asked); a restore not issued, sent without an answer, failed or
 * seen failing makes it "rollback-failed".
 */
export const runOutcomeOf = (end: RunEnd, verdicts: ReadonlyMap<string, Verdict>): RunOutcome => {
  switch (end._tag) {
    case "Deployed":
      return "deployed"
    case "TimedOut":
      return "timed-out"
    case "Interrupted":
      return !end.leave && [...verdicts.values()].some((v) => v.outcome === "rollback-failed")
        ? "rollback-failed"
        : "interrupted"
    case "Failed": {
      const outcomes = [...verdicts.values()].map((v) => v.outcome)
      return outcomes.includes("rollback-failed")
        ? "rollback-failed"
        : outcomes.includes("superseded")
        ? "superseded"
        : "failed"
    }
  }
}
