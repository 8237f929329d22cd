/**
 * gehen as a library: the deploy programs, the ports they run against (with live
 * AWS adapters), their errors and the report they produce. The simulator for tests
 * is in `gehen/testing`.
 */
export { applyScheduledTasks, applyServices, type Changes, ScheduledTaskUpdateFailed, ServiceUpdateFailed } from "./Apply.js"
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
} from "./Config.js"
export { deploy, DeployFailed, type DeployError, type DeployOptions, DeployTimedOut, plan } from "./Deploy.js"
export { assessDrain, type Assessment, DrainFailed, drainCheck, type DrainItem, DrainTimedOut, watchForFailures } from "./DrainCheck.js"
export {
  type DescribedTaskDefinition,
  type Deployment,
  Ecs,
  type EcsApi,
  type ServiceLookup,
  type ServiceState,
  type TaskState
} from "./Ecs.js"
export { AwsCallError, MissingRegion, PutTargetsRejected } from "./Errors.js"
export { InvalidGitSha, shaMatches, validateGitSha } from "./GitSha.js"
export { type ImageRef, InvalidImage, parseImage, tagOf, withTag } from "./ImageRef.js"
export { type Journal, makeJournal } from "./Journal.js"
export {
  type DeployPlan,
  makePlan,
  PlanError,
  planReport,
  type Revision,
  type ScheduledTaskPlan,
  type ServicePlan
} from "./Plan.js"
export { type Phase, Progress, type ProgressEvent, type ProgressStatus } from "./Progress.js"
export { DefaultRegion } from "./Region.js"
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
} from "./Report.js"
export { type Restore, rollback, type RollbackOptions, type RollbackResult } from "./Rollback.js"
export { ScheduledTasks, type ScheduledTasksApi } from "./ScheduledTasks.js"
export type { ClusterRef, ServiceRef, TargetId } from "./Targets.js"
export { type ImageChange, RetagError, retag, toRegisterInput } from "./TaskDefinitionCopy.js"
export { versionCheck, type VersionCheckItem, VersionCheckTimedOut } from "./VersionCheck.js"
export { type ProbeResult, VersionProbe } from "./VersionProbe.js"
export { makeVersionProbe, VersionProbeFetch, VersionProbeLive, type VersionProbeOptions } from "./VersionProbeLive.js"
