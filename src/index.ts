/**
 * gehen as a library: the deploy programs, the ports they run against (with live
 * AWS adapters), their errors and the report they produce. The simulator for tests
 * is in `gehen/testing`.
 */
export { applyScheduledTasks, applyServices, type Changes, ScheduledTaskUpdateFailed, ServiceUpdateFailed } from "./deploy/Apply.js"
export { AwsClients, AwsClientsLive, type AwsClientsOptions, AwsLive, DefaultRegionLive, EcsLive, ScheduledTasksLive } from "./aws/index.js"
export {
  clusterName,
  ConfigError,
  configDefaults,
  decodeConfig,
  type GehenConfig,
  GehenFile,
  loadConfig,
  regionOfCluster,
  type ServiceConfig,
  type UpdateStrategy
} from "./config/Config.js"
export { deploy, DeployFailed, type DeployError, type DeployOptions, DeployTimedOut, plan } from "./deploy/Deploy.js"
export { assessDrain, type Assessment, DrainFailed, drainCheck, type DrainItem, DrainTimedOut, watchForFailures } from "./deploy/DrainCheck.js"
export {
  type DescribedTaskDefinition,
  type Deployment,
  Ecs,
  type EcsApi,
  type ServiceLookup,
  type ServiceState,
  type TaskState
} from "./ports/Ecs.js"
export { AwsCallError, MissingRegion, PutTargetsRejected } from "./ports/Errors.js"
export { InvalidGitSha, shaMatches, validateGitSha } from "./domain/GitSha.js"
export { type ImageRef, InvalidImage, parseImage, tagOf, withTag } from "./domain/ImageRef.js"
export { type Journal, makeJournal } from "./deploy/Journal.js"
export {
  type DeployPlan,
  makePlan,
  PlanError,
  planReport,
  type Revision,
  type ScheduledTaskPlan,
  type ServicePlan
} from "./deploy/Plan.js"
export { type Phase, Progress, type ProgressEvent, type ProgressStatus } from "./ports/Progress.js"
export { DefaultRegion } from "./ports/Region.js"
export {
  exitCodeOf,
  ImageReport,
  PhaseTiming,
  PlanReport,
  PlanTarget,
  RunOutcome,
  RunReport,
  TargetOutcome,
  TargetReport
} from "./report/Report.js"
export { type Restore, rollback, type RollbackOptions, type RollbackResult } from "./deploy/Rollback.js"
export { ScheduledTasks, type ScheduledTasksApi } from "./ports/ScheduledTasks.js"
export type { ClusterRef, ServiceRef, TargetId } from "./domain/Targets.js"
export { type ImageChange, RetagError, retag, toRegisterInput } from "./domain/TaskDefinitionCopy.js"
export { versionCheck, type VersionCheckItem, VersionCheckTimedOut } from "./deploy/VersionCheck.js"
export { type ProbeResult, VersionProbe } from "./ports/VersionProbe.js"
export { makeVersionProbe, VersionProbeFetch, VersionProbeLive, type VersionProbeOptions } from "./http/VersionProbeLive.js"
