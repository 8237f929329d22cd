/**
 * gehen as a library: the deploy programs, the ports they run against (with live
 * AWS adapters), their errors and the report they produce. The simulator for tests
 * is in `gehen/testing`.
 */
export {
  applyScheduledTasks,
  applyServices,
  makeRegistrar,
  type Registrar,
  ScheduledTaskUpdateFailed,
  ServiceUpdateFailed
} from "./deploy/apply/Apply.js"
export {
  AwsClients,
  AwsClientsLive,
  type AwsClientsOptions,
  AwsLive,
  DefaultRegionLive,
  EcsLive,
  explainNoCredentials,
  IdentityLive,
  ScheduledTasksLive
} from "./aws/index.js"
export {
  clusterName,
  ConfigError,
  ConfigErrors,
  configDefaults,
  decodeConfig,
  type GehenConfig,
  GehenFile,
  loadConfig,
  type LoadConfigOptions,
  regionOfCluster,
  type ScheduledTaskConfig,
  type ServiceConfig,
  type UpdateStrategy
} from "./config/Config.js"
export {
  deploy,
  DeployFailed,
  type DeployError,
  type DeployOptions,
  type DeployServices,
  DeployTimedOut,
  plan,
  revert
} from "./deploy/run/Deploy.js"
export { planRevert, type RevertOptions } from "./deploy/plan/RevertPlan.js"
export {
  assessDrain,
  type Assessment,
  type Awaited,
  DrainFailed,
  type DrainFailure,
  drainCheck,
  drainChecks,
  type DrainItem,
  type DrainResult,
  DrainTimedOut,
  failureThreshold,
  watchForFailures
} from "./deploy/checks/DrainCheck.js"
export {
  type DescribedTaskDefinition,
  type Deployment,
  Ecs,
  type EcsApi,
  type ServiceLookup,
  type ServiceState,
  type StartedDeployment,
  type TaskState
} from "./ports/Ecs.js"
export { AwsCallError, MissingRegion, PutTargetsRejected } from "./ports/Errors.js"
export { InvalidGitSha, shaMatches, validateGitSha } from "./domain/GitSha.js"
export { type ImageRef, InvalidImage, parseImage, tagOf, withTag } from "./domain/ImageRef.js"
export { type Journal, makeJournal } from "./deploy/run/Journal.js"
export {
  type DeployPlan,
  makePlan,
  type PlanOptions,
  PlanError,
  planReport,
  type Revision,
  type ScheduledTaskPlan,
  type ServicePlan
} from "./deploy/plan/Plan.js"
export { type Phase, Progress, type ProgressEvent, type ProgressStatus } from "./ports/Progress.js"
export { DefaultRegion } from "./ports/Region.js"
export {
  exitCodeOf,
  ImageReport,
  PhaseTiming,
  PlanReport,
  PlanTarget,
  RestoredBy,
  RunOutcome,
  RunReport,
  ServiceDeploymentReport,
  TargetOutcome,
  TargetReport
} from "./report/Report.js"
export { DeploymentModelReport, LatestServiceDeployment } from "./report/ModelReport.js"
export {
  type DeploymentModel,
  extraMinutes,
  type LifecycleHook,
  type ServiceDeploymentBrief,
  type ServiceDeploymentState,
  type Strategy
} from "./domain/DeploymentModel.js"
export {
  putTargetsCommand,
  RESTORE_PATIENCE,
  retryable,
  rollback,
  type RollbackOptions,
  type RollbackResult,
  updateServiceCommand
} from "./deploy/recovery/Rollback.js"
export { type Change, type Changes, definitelyRejected, type Ledger, makeLedger } from "./deploy/apply/Ledger.js"
export {
  type Confirmation,
  judgeTargets,
  type RestoreResult,
  type RunEnd,
  runOutcomeOf,
  type Verdict,
  type VerdictInput
} from "./deploy/run/Verdicts.js"
export { mixedTagsProblem, planRevision, type PlannedRevision, runsSha, sameDefinition } from "./deploy/plan/Revisions.js"
export { type CallerIdentity, Identity, NoCredentials } from "./ports/Identity.js"
export { readsPerRound, type RoundBudget, roundBudget } from "./deploy/checks/ReadBudget.js"
export { buildReport, reportWithoutPlan, type RunFacts } from "./deploy/run/RunReport.js"
export { servesVersion, versionOfServer } from "./domain/ServedVersion.js"
export {
  DeploymentStatus,
  FoundScheduledTask,
  FoundService,
  MissingService,
  ScheduledTaskProblem,
  ScheduledTaskStatus,
  ServiceStatus,
  MissingScheduledTask,
  ServiceProblem,
  status,
  StatusError,
  type UnreadTarget,
  unreadTargets,
  StatusImage,
  StatusReport,
  UnhealthyTask
} from "./status/Status.js"
export { ScheduledTasks, type ScheduledTasksApi } from "./ports/ScheduledTasks.js"
export { type ClusterRef, type RuleRef, type ServiceRef, type TargetId, targetKey, targetLabel } from "./domain/Targets.js"
export { type ImageChange, RetagError, retag, toRegisterInput } from "./domain/TaskDefinitionCopy.js"
export {
  versionCheck,
  type VersionCheckItem,
  type VersionCheckOptions,
  versionChecks,
  VersionCheckTimedOut,
  type VersionResult
} from "./deploy/checks/VersionCheck.js"
export { type ProbeResult, VersionProbe } from "./ports/VersionProbe.js"
export { makeVersionProbe, VersionProbeFetch, VersionProbeLive, type VersionProbeOptions } from "./http/VersionProbeLive.js"
