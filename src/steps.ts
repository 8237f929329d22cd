/**
 * `gehen/steps`: the phases of a run, for apps that compose their own flow. A run's
 * phases share its context (journal, ledger, the service deployments it follows, the
 * registrar, the check interval, concurrency): make one with `makeRunContext` and
 * provide it as `RunContext`.
 */
export {
  applyScheduledTasks,
  applyServices,
  ScheduledTaskUpdateFailed,
  ServiceUpdateFailed
} from "./deploy/apply/Apply.js"
export type { Change, Changes } from "./deploy/apply/Ledger.js"
export {
  drainCheck,
  drainChecks,
  DrainFailed,
  type DrainItem,
  type DrainResult,
  DrainTimedOut,
  watchForFailures
} from "./deploy/checks/DrainCheck.js"
export {
  versionCheck,
  type VersionCheckItem,
  type VersionCheckOptions,
  versionChecks,
  VersionCheckTimedOut,
  type VersionResult
} from "./deploy/checks/VersionCheck.js"
export {
  type DeployPlan,
  makePlan,
  type PlanOptions,
  type ScheduledTaskPlan,
  type ServicePlan
} from "./deploy/plan/Plan.js"
export { planRevert } from "./deploy/plan/RevertPlan.js"
export { rollback, type RollbackOptions, type RollbackResult } from "./deploy/recovery/Rollback.js"
export { checked } from "./deploy/run/Deploy.js"
export { type Journal, makeJournal } from "./deploy/run/Journal.js"
export { makeRunContext, RunContext, type RunContextShape } from "./deploy/run/RunContext.js"
export { buildReport, reportWithoutPlan } from "./deploy/run/RunReport.js"
export {
  type Confirmation,
  judgeTargets,
  type RestoreResult,
  type RunEnd,
  runOutcomeOf,
  type Verdict
} from "./deploy/run/Verdicts.js"
export { type TargetId, targetKey } from "./domain/Targets.js"
