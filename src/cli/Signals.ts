/**
 * Signals in the order CI sends them (GitHub: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s
 * after that). The first one stops the run (the runtime interrupts it) and says at once
 * what gehen will do; the second stops the waiting: confirmations end, and restores get
 * a short grace to be issued before the summary and the report; the third exits at once.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import { targetKey, targetLabel } from "../domain/Targets.js"
import type { ProgressEvent } from "../ports/Progress.js"

/** What the running command does when stopped: put its changes back, leave them, or nothing to do. */
export type OnStop = "rollback" | "leave" | "read-only"

export interface Signals {
  /** A signal arrived (by name: SIGINT, SIGTERM, SIGHUP). */
  readonly receive: (name: string) => void
  /** How many signals arrived so far. */
  readonly count: () => number
  /** What the command does when stopped (the first signal's line says it). */
  readonly onStop: (what: OnStop) => void
  /** Completes at the second signal. */
  readonly hurry: Effect.Effect<void>
  /** Follows the run's progress: which targets it changed, which restores went out. */
  readonly observe: (event: ProgressEvent) => void
  /** The exit code of the interrupted run's report (130, or 3 when a restore did not hold). */
  readonly reported: (exitCode: number) => void
  /** The exit code of an interrupted run. */
  readonly exitCode: () => number
}

export interface SignalsIo {
  readonly writeStderr: (line: string) => void
  readonly exit: (code: number) => void
  /** The grace restores get after the second signal, in words. */
  readonly grace: string
}

export const makeSignals = (io: SignalsIo): Signals => {
  let received = 0
  let onStop: OnStop = "read-only"
  let code: number | undefined
  const second = Deferred.unsafeMake<void>(FiberId.none)
  const changed = new Map<string, string>()
  const restored = new Set<string>()
  const notRestored = () => [...changed].filter(([key]) => !restored.has(key)).map(([, label]) => label)

  const first = (name: string): string => {
    const n = changed.size
    const next = "a second signal stops waiting for confirmations, a third exits at once"
    switch (onStop) {
      case "read-only":
        return `gehen: ${name} received: stopping (this command changes nothing)`
      case "leave":
        return `gehen: ${name} received: stopping; ` +
          (n === 0
            ? "nothing was changed yet"
            : `the ${n} target(s) changed stay on the new version (--on-interrupt leave)`) +
          `; ${next}`
      case "rollback":
        return `gehen: ${name} received: stopping; ` +
          (n === 0
            ? "nothing was changed yet, so nothing to put back"
            : `putting back the ${n} target(s) this run changed, then the summary and report`) +
          `; ${next}`
    }
  }

  return {
    receive: (name) => {
      received++
      if (received === 1) io.writeStderr(`${first(name)}\n`)
      else if (received === 2) {
        io.writeStderr(
          `gehen: second signal (${name}): no longer waiting for confirmations; restores get ${io.grace} to be issued, ` +
            "then the summary and report; a third signal exits at once\n"
        )
        Deferred.unsafeDone(second, Effect.void)
      } else {
        const left = onStop === "rollback" ? notRestored() : []
        io.writeStderr(
          `gehen: third signal (${name}): exiting now` +
            (left.length === 0
              ? "\n"
              : `; not known to be put back (these may still run the new version): ${left.join(", ")}\n`)
        )
        io.exit(left.length === 0 ? 130 : 3)
      }
    },
    count: () => received,
    onStop: (what) => {
      onStop = what
    },
    hurry: Deferred.await(second),
    observe: ({ phase, status, target }) => {
      if (target === undefined) return
      const key = targetKey(target)
      if (phase === "update" && status === "started") changed.set(key, targetLabel(target))
      if (phase === "rollback" && (status === "succeeded" || status === "skipped")) restored.add(key)
    },
    reported: (exitCode) => {
      code = exitCode
    },
    exitCode: () => code ?? 130
  }
}
