/**
 * gehen/testing: a local ECS / EventBridge / STS simulator, one in-memory model with two faces:
 * Layers for the deploy programs' ports (`Simulator.layer`) and an HTTP server the real SDK
 * clients can talk to (`startSimServer`). Rollouts move with the Effect Clock.
 */
export {
  type Behaviour,
  type BehaviourContext,
  type BehaviourKind,
  type BehaviourPicker,
  byImageTag,
  defaultTimings,
  imageTag,
  type ResolvedBehaviour,
  resolveBehaviour,
  type Timings
} from "./SimBehaviour.js"
export { awsError, type FailNextSpec, SimAwsError, statusOf } from "./SimFaults.js"
export { parseVersionUrl, type SimLayerOptions, Simulator, simulatorServices } from "./SimLayers.js"
export {
  type AddRuleSpec,
  type AddServiceSpec,
  type IssuedCredentials,
  mutatingOperations,
  type SimCall,
  SimModel,
  type SimModelOptions
} from "./SimModel.js"
export { handleRequest, type SimServer, SimServerError, type SimServerOptions, startSimServer, startSimServerPromise } from "./SimServer.js"
export { type CallMeta, fromModel, makeSimulator, type SimulatorApi, type SimulatorOptions } from "./Simulator.js"
