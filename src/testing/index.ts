/**
 * gehen/testing: a local ECS / EventBridge / STS simulator, one in-memory model with two faces:
 * Layers for the deploy programs' ports (`Simulator.layer`) and an HTTP server the real SDK
 * clients can talk to (`startSimServer`). Rollouts move with the Effect Clock.
 */
export {
  type BehaviourRule,
  type RehearsalKind,
  rehearsalKinds,
  rehearsalPicker,
  rolloutBehaviour
} from "./cli/Behaviours.js"
export { type SeedContainer, type SeedPlan, seedPlanOf, type SeedRule, type SeedService } from "./cli/Plan.js"
export { seedFromPlan } from "./cli/Seed.js"
export { makeSimAwsClients, type SimClientsOptions } from "./faces/Clients.js"
export { handleControl } from "./faces/Control.js"
export { parseVersionUrl, type SimLayerOptions, Simulator, versionServerHeader } from "./faces/Layers.js"
export {
  handleRequest,
  type SimServer,
  SimServerError,
  type SimServerOptions,
  startSimServer,
  startSimServerPromise
} from "./faces/Server.js"
export {
  type Behaviour,
  type BehaviourChoice,
  type BehaviourContext,
  type BehaviourKind,
  behaviourKinds,
  type BehaviourPicker,
  type BehaviourSpec,
  byImageTag,
  byService,
  choiceFromSpec,
  defaultTimings,
  imageTag,
  pickerOf,
  resolveBehaviour,
  type ResolvedBehaviour,
  type Timings
} from "./model/Behaviour.js"
export { choicesFor, type SimChoices } from "./model/Choices.js"
export { awsError, type FailNextSpec, SimAwsError, statusOf } from "./model/Faults.js"
export {
  type AddRuleSpec,
  type AddServiceSpec,
  type CircuitBreakerFlags,
  type DeploymentControllerType,
  type DeploymentSpec,
  type IssuedCredentials,
  mutatingOperations,
  type ServiceKey,
  type SimCall,
  type SimCallOutcome,
  SimModel,
  type SimModelOptions
} from "./model/Model.js"
export { circuitBreakerThreshold } from "./model/Records.js"
export { type CallMeta, fromModel, makeSimulator, type SimulatorApi, type SimulatorOptions } from "./Simulator.js"
