import * as Option from "effect/Option"
import { tagOf } from "../../domain/ImageRef.js"
import { targetKey } from "../../domain/Targets.js"
import {
  type CommandName,
  type DeployedAs,
  exitCodeOf,
  type PhaseTiming,
  type Problem,
  type RestoredBy,
  type RunOutcome,
  type RunReport,
  type TargetReport
} from "../../report/Report.js"
import type { Changes } from "../apply/Ledger.js"
import type { Followed } from "../checks/Following.js"
import type { DeployPlan, ScheduledTaskPlan, ServicePlan } from "../plan/Plan.js"
import type { Verdict } from "./Verdicts.js"

const iso = (ms: number) => new Date(ms).toISOString()

const tagsOf = (
  images: TargetReport["images"],
  pick: "previous" | "next"
) => [...new Set(images.filter((i) => i.previous !== i.next).flatMap((i) => Option.toArray(tagOf(i[pick] ?? ""))))]

export interface RunFacts {
  readonly command: CommandName
  /** The service deployments followed, by target key. */
  readonly followed?: ReadonlyMap<string, Followed> | undefined
  /** How each restored service was put back, by target key. */
  readonly restoredBy?: ReadonlyMap<string, RestoredBy> | undefined
  /** Traffic-shifting services whose service deployment was never identified, by target key. */
  readonly unidentified?: ReadonlySet<string> | undefined
  readonly startedAt: number
  readonly endedAt: number
  readonly outcome: RunOutcome
  readonly error: string | undefined
  readonly deployedAs?: DeployedAs | undefined
  readonly problems?: ReadonlyArray<Problem> | undefined
}

/** The report of a run that got past its plan. */
export const buildReport = (
  plan: DeployPlan,
  changes: Changes,
  verdicts: ReadonlyMap<string, Verdict>,
  /** What the journal recorded, by target key. */
  phases: ReadonlyMap<string, ReadonlyArray<PhaseTiming>>,
  run: RunFacts
): RunReport => {
  const entry = (p: ServicePlan | ScheduledTaskPlan, cluster: string | null): TargetReport => {
    const key = targetKey(p.target)
    const change = changes.get(key)
    const verdict = verdicts.get(key) ?? { outcome: "skipped" as const, error: undefined, manualCommand: undefined }
    const followed = run.followed?.get(key)
    const restoredBy = run.restoredBy?.get(key)
    return {
      ...(followed === undefined ? {} : {
        serviceDeployment: {
          arn: followed.arn,
          status: followed.last.status,
          statusReason: followed.last.statusReason ?? null,
          stages: followed.stages.map((s) => ({ stage: s.stage, status: s.status, at: iso(s.at) }))
        }
      }),
      ...(restoredBy === undefined ? {} : { restoredBy }),
      ...(followed === undefined && run.unidentified?.has(key) === true
        ? { judgedBy: "describe-services" as const }
        : {}),
      kind: p.target.kind,
      name: p.target.name,
      cluster,
      region: p.target.region,
      previousTaskDefinition: p.currentTaskDefinition,
      newTaskDefinition: change?.newTaskDefinition ?? null,
      // The tag its targeted containers ran, even when no image changed (a forced redeploy).
      previousTag: tagsOf(p.images, "previous")[0] ?? p.previousTags[0] ?? null,
      newTag: tagsOf(p.images, "next")[0] ?? (change ? plan.gitsha : null),
      images: p.images,
      phases: phases.get(key) ?? [],
      outcome: verdict.outcome,
      error: verdict.error ?? null,
      manualCommand: verdict.manualCommand ?? null
    }
  }
  return {
    schemaVersion: 1,
    command: run.command,
    gitsha: plan.gitsha === "" ? null : plan.gitsha,
    updateStrategy: plan.updateStrategy,
    outcome: run.outcome,
    exitCode: exitCodeOf(run.outcome),
    startedAt: iso(run.startedAt),
    endedAt: iso(run.endedAt),
    error: run.error ?? null,
    problems: run.problems ?? [],
    deployedAs: run.deployedAs ?? null,
    services: plan.services.map((s) => entry(s, s.target.cluster)),
    scheduledTasks: plan.scheduledTasks.map((t) => entry(t, null))
  }
}

/** The report of a run that ended before its plan was whole: nothing was changed. */
export const reportWithoutPlan = (
  gitsha: string | null,
  updateStrategy: string,
  run: RunFacts
): RunReport => ({
  schemaVersion: 1,
  command: run.command,
  gitsha: gitsha === "" ? null : gitsha,
  updateStrategy,
  outcome: run.outcome,
  exitCode: exitCodeOf(run.outcome),
  startedAt: iso(run.startedAt),
  endedAt: iso(run.endedAt),
  error: run.error ?? null,
  problems: run.problems ?? [],
  deployedAs: run.deployedAs ?? null,
  services: [],
  scheduledTasks: []
})
