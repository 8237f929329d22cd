import { targetKey, targetLabel } from "../domain/Targets.js"
import type { ProgressEvent } from "../ports/Progress.js"

/**
 * Which targets the run changed (or was changing) and has not issued a restore for,
 * read off its progress. A second signal exits at once and names them, so a person
 * knows what still runs the new version.
 */
export interface PendingRestores {
  readonly observe: (event: ProgressEvent) => void
  readonly notIssued: () => ReadonlyArray<string>
}

export const makePendingRestores = (): PendingRestores => {
  const changed = new Map<string, string>()
  const restored = new Set<string>()
  return {
    observe: ({ phase, status, target }) => {
      if (target === undefined) return
      const key = targetKey(target)
      if (phase === "update" && status === "started") changed.set(key, targetLabel(target))
      if (phase === "rollback" && (status === "succeeded" || status === "failed" || status === "skipped")) restored.add(key)
    },
    notIssued: () => [...changed].filter(([key]) => !restored.has(key)).map(([, label]) => label)
  }
}

/** The run's tracker, shared by the deploy command and the signal handler. */
export const pendingRestores: PendingRestores = makePendingRestores()
