/**
 * The in-memory ECS / EventBridge / STS model behind both simulator faces.
 *
 * Synchronous and clock-free: every operation takes `now` (epoch ms) and first runs
 * the rollout timers due by then (`sync`), so whoever owns the clock (TestClock in
 * program tests, the live clock over HTTP) drives the rollouts. No background fibers.
 *
 * This class is the model's one face; the work is done by its parts: the records and
 * task states (Records), the store and lookups (Store), the rollout engine (Rollouts,
 * which calls the traffic shifts in Shifts and the timers in Timeline), seeding (Seeding),
 * the operations (EcsOps, DeploymentOps, EventsOps, Sts), the call record and faults
 * (CallLog), the AWS shapes (Shapes) and paging (Paging).
 */
import type { BatchGetImageRequest, BatchGetImageResponse, Image, ImageFailure } from "@aws-sdk/client-ecr"
import type {
  ContinueServiceDeploymentRequest,
  ContinueServiceDeploymentResponse,
  DeregisterTaskDefinitionRequest,
  DeregisterTaskDefinitionResponse,
  DescribeClustersRequest,
  DescribeClustersResponse,
  DescribeServiceDeploymentsRequest,
  DescribeServiceDeploymentsResponse,
  DescribeServiceRevisionsRequest,
  DescribeServiceRevisionsResponse,
  DescribeServicesRequest,
  DescribeServicesResponse,
  DescribeTaskDefinitionRequest,
  DescribeTaskDefinitionResponse,
  DescribeTasksRequest,
  DescribeTasksResponse,
  ListServiceDeploymentsRequest,
  ListServiceDeploymentsResponse,
  ListServicesRequest,
  ListServicesResponse,
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  ListTaskDefinitionsRequest,
  ListTaskDefinitionsResponse,
  ListTasksRequest,
  ListTasksResponse,
  RegisterTaskDefinitionRequest,
  RegisterTaskDefinitionResponse,
  Service,
  StopServiceDeploymentRequest,
  StopServiceDeploymentResponse,
  Tag,
  TagResourceRequest,
  TagResourceResponse,
  Task,
  TaskDefinition,
  UntagResourceRequest,
  UntagResourceResponse,
  UpdateServiceRequest,
  UpdateServiceResponse
} from "@aws-sdk/client-ecs"
import type {
  DescribeRuleRequest,
  DescribeRuleResponse,
  ListRulesRequest,
  ListRulesResponse,
  ListTargetsByRuleRequest,
  ListTargetsByRuleResponse,
  PutTargetsRequest,
  PutTargetsResponse,
  Rule,
  Target
} from "@aws-sdk/client-eventbridge"
import type { AssumeRoleRequest, AssumeRoleResponse } from "@aws-sdk/client-sts"
import type * as Either from "effect/Either"
import type { BehaviourPicker } from "./Behaviour.js"
import { type FaultSettings, type SimCall, SimCallLog, type SimCallOutcome } from "./CallLog.js"
import { choicesFor, type SimChoices, SimLatitude } from "./Choices.js"
import { SimDeploymentOps } from "./DeploymentOps.js"
import { type ServiceKey, SimEcsOps } from "./EcsOps.js"
import { type AddRuleSpec, SimEventsOps } from "./EventsOps.js"
import { awsError, type FailNextSpec, type SimAwsError } from "./Faults.js"
import { clone, type ClusterRec, isServing, secs } from "./Records.js"
import { SimRollouts } from "./Rollouts.js"
import { type AddServiceSpec, seedService } from "./Seeding.js"
import { toRule, toService, toTask, toTaskDefinition } from "./Shapes.js"
import { SimStore } from "./Store.js"
import { type IssuedCredentials, SimSts } from "./Sts.js"

export { mutatingOperations, type SimCall, type SimCallOutcome } from "./CallLog.js"
export { choicesFor, type SimChoices } from "./Choices.js"
export type { ServiceKey } from "./EcsOps.js"
export type { AddRuleSpec } from "./EventsOps.js"
export type { CircuitBreakerFlags, DeploymentControllerType } from "./Records.js"
export type { AddServiceSpec, DeploymentSpec } from "./Seeding.js"
export type { IssuedCredentials } from "./Sts.js"

export interface SimModelOptions {
  readonly accountId?: string | undefined
  /** Region for helpers called without one; default us-east-1. */
  readonly defaultRegion?: string | undefined
  /**
   * The run's seed, default 1: it seeds the random faults and picks the answers AWS leaves
   * open (see SimChoices: list orders, page sizes, timestamp precision, filter bounds,
   * revision ids).
   */
  readonly seed?: number | undefined
  /** Choices to pin, whatever the seed picks. */
  readonly choices?: Partial<SimChoices> | undefined
  /** Fraction (0..1) of AWS calls answered with a throttling error. */
  readonly throttleFraction?: number | undefined
  /** Fraction (0..1) of AWS calls answered with a 5xx. */
  readonly serverErrorFraction?: number | undefined
  /** Picks each new deployment's behaviour; default healthy. */
  readonly behaviour?: BehaviourPicker | undefined
  /**
   * For this many seconds after an UpdateService, DescribeServices answers the service as
   * it was before (deployments, task definition, events; task counts live), as an eventually
   * consistent ECS may. The UpdateService answer itself is current. Default 0; per service
   * with `AddServiceSpec.describeLagSeconds` or `setDescribeLag`.
   */
  readonly describeLagSeconds?: number | undefined
}

export class SimModel {
  readonly accountId: string
  readonly defaultRegion: string
  /** The answers this run gives where AWS's documentation leaves them open. */
  readonly choices: SimChoices
  private picker: BehaviourPicker
  private readonly store: SimStore
  private readonly log: SimCallLog
  private readonly rollouts: SimRollouts
  private readonly ecs: SimEcsOps
  private readonly deployments: SimDeploymentOps
  private readonly events: SimEventsOps
  private readonly sts: SimSts

  constructor(options: SimModelOptions = {}) {
    this.accountId = options.accountId ?? "123456789012"
    this.defaultRegion = options.defaultRegion ?? "us-east-1"
    this.picker = options.behaviour ?? (() => "healthy")
    const seed = options.seed ?? 1
    this.choices = { ...choicesFor(seed), ...options.choices }
    this.store = new SimStore(this.accountId, this.defaultRegion, new SimLatitude(this.choices, seed))
    this.log = new SimCallLog(options)
    this.rollouts = new SimRollouts(this.store, () => this.picker)
    this.ecs = new SimEcsOps(this.store, this.rollouts, options.describeLagSeconds ?? 0)
    this.deployments = new SimDeploymentOps(this.store, this.rollouts, (svc) => secs(this.ecs.lagOf(svc)))
    this.events = new SimEventsOps(this.store, (region, params) => this.log.takeEntryFailure(region, params))
    this.sts = new SimSts(this.store)
  }

  // ---------------------------------------------------------------- configuration

  setBehaviour(picker: BehaviourPicker): void {
    this.picker = picker
  }

  setFaults(faults: FaultSettings): void {
    this.log.setFaults(faults)
  }

  failNext(spec: FailNextSpec): void {
    this.log.failNext(spec)
  }

  /** DescribeServices lag after an UpdateService: for one service, or (without `service`) the default for all. */
  setDescribeLag(seconds: number, service?: ServiceKey): void {
    this.ecs.setDescribeLag(seconds, service)
  }

  // ---------------------------------------------------------------- calls and faults

  calls(operation?: string): ReadonlyArray<SimCall> {
    return this.log.calls(operation)
  }

  mutatingCalls(): ReadonlyArray<SimCall> {
    return this.log.mutatingCalls()
  }

  clearCalls(): void {
    this.log.clear()
  }

  issuedCredentials(): ReadonlyArray<IssuedCredentials> {
    return this.sts.issuedCredentials()
  }

  /**
   * Records one AWS call, applies fault injection, then runs it (after the rollout timers
   * due by `now`). Every face goes through here so faults and the call record are the same
   * over HTTP and layers. `answerAfterMs` is how long the face must hold the answer back.
   */
  callTimed<A>(
    operation: string,
    region: string,
    params: object,
    now: number,
    meta: { readonly face: "layer" | "http"; readonly accessKeyId?: string | undefined },
    run: () => A
  ): SimCallOutcome<A> {
    return this.log.call(operation, region, params, now, meta, () => {
      this.sync(now)
      return run()
    })
  }

  /** `callTimed` without the answer's delay (for synchronous callers; the call takes effect all the same). */
  call<A>(
    operation: string,
    region: string,
    params: object,
    now: number,
    meta: { readonly face: "layer" | "http"; readonly accessKeyId?: string | undefined },
    run: () => A
  ): Either.Either<A, SimAwsError> {
    return this.callTimed(operation, region, params, now, meta, run).result
  }

  // ---------------------------------------------------------------- time and lookups

  /** Runs every rollout timer due by `now`, in time order. Time never goes backwards. */
  sync(now: number): void {
    this.rollouts.sync(now)
  }

  /** A cluster by name or ARN (the ARN's region wins). */
  findCluster(region: string, nameOrArn: string): ClusterRec | undefined {
    return this.store.findCluster(region, nameOrArn)
  }

  /** For inspection helpers without a region: the default region first, then any. */
  findClusterAnywhere(nameOrArn: string, region?: string): ClusterRec | undefined {
    return this.store.findClusterAnywhere(nameOrArn, region)
  }

  // ---------------------------------------------------------------- seeding (not recorded)

  addCluster(name: string, region: string = this.defaultRegion): string {
    return this.store.addCluster(name, region)
  }

  seedTaskDefinition(
    region: string,
    input: RegisterTaskDefinitionRequest,
    tags: ReadonlyArray<Tag> | undefined,
    now: number
  ): string {
    return this.store.register(region, input, tags, now).arn
  }

  addService(spec: AddServiceSpec, now: number): string {
    this.sync(now)
    return seedService(this.store, this.rollouts, this.ecs, spec, now)
  }

  addRule(spec: AddRuleSpec): string {
    return this.events.addRule(spec)
  }

  // ---------------------------------------------------------------- inspection (not recorded)

  /** The service as it is now (what DescribeServices answers once any lag has passed). */
  service(cluster: string, name: string, now: number, region?: string): Service | undefined {
    this.sync(now)
    const svc = this.store.findServiceAnywhere(cluster, name, region)
    return svc === undefined ? undefined : toService(svc, now)
  }

  /** Every task of the service still known (STOPPED ones for an hour), as DescribeTasks answers them. */
  tasks(cluster: string, name: string, now: number, region?: string): ReadonlyArray<Task> {
    this.sync(now)
    const svc = this.store.findServiceAnywhere(cluster, name, region)
    return svc === undefined ? [] : svc.tasks.map((t) => toTask(this.store, svc, t, now))
  }

  taskDefinition(
    ref: string,
    region?: string
  ): {
    readonly taskDefinition: TaskDefinition
    readonly tags: ReadonlyArray<Tag>
    readonly input: RegisterTaskDefinitionRequest
  } | undefined {
    const rec = ref.startsWith("arn:")
      ? this.store.taskDefByArn(ref)
      : this.store.resolveTaskDef(region ?? this.defaultRegion, ref)
    return rec === undefined
      ? undefined
      : { taskDefinition: toTaskDefinition(this.store, rec), tags: clone([...rec.tags]), input: clone(rec.input) }
  }

  /** A rule by name (on `eventBusName`, default the default bus) or ARN. */
  rule(
    region: string,
    name: string,
    eventBusName?: string
  ): { readonly rule: Rule; readonly targets: ReadonlyArray<Target> } | undefined {
    const r = this.store.findRule(region, name, eventBusName)
    return r === undefined ? undefined : { rule: toRule(r), targets: clone(r.targets) }
  }

  /**
   * The image tag the service's version endpoint answers: the first container's tag of the
   * newest deployment with a serving task. undefined when no task serves. While a
   * blue/green, linear or canary deployment shifts traffic, the production (or test)
   * listener's weights decide which deployment answers.
   */
  servedVersion(
    cluster: string,
    name: string,
    now: number,
    region?: string,
    listener: "production" | "test" = "production"
  ): string | undefined {
    this.sync(now)
    const svc = this.store.findServiceAnywhere(cluster, name, region)
    if (svc === undefined) return undefined
    const shifted = this.rollouts.shifts.listenerDeployment(svc, listener, now)
    if (shifted !== undefined) return this.store.imageTagsOf(shifted.taskDefinitionArn)[0]
    for (const d of svc.deployments) {
      if (svc.tasks.some((t) => t.deploymentId === d.id && isServing(t, now))) {
        return this.store.imageTagsOf(d.taskDefinitionArn)[0]
      }
    }
    return undefined
  }

  /** Every service of every cluster as it is now, for the HTTP control endpoint. */
  allServices(now: number): ReadonlyArray<Service> {
    this.sync(now)
    return [...this.store.allServices()].map((s) => toService(s, now))
  }

  // ---------------------------------------------------------------- ECS operations

  registerTaskDefinition(
    region: string,
    input: RegisterTaskDefinitionRequest,
    now: number
  ): RegisterTaskDefinitionResponse {
    return this.ecs.registerTaskDefinition(region, input, now)
  }

  describeTaskDefinition(region: string, input: DescribeTaskDefinitionRequest): DescribeTaskDefinitionResponse {
    return this.ecs.describeTaskDefinition(region, input)
  }

  listTaskDefinitions(region: string, input: ListTaskDefinitionsRequest): ListTaskDefinitionsResponse {
    return this.ecs.listTaskDefinitions(region, input)
  }

  deregisterTaskDefinition(
    region: string,
    input: DeregisterTaskDefinitionRequest,
    now: number
  ): DeregisterTaskDefinitionResponse {
    return this.ecs.deregisterTaskDefinition(region, input, now)
  }

  tagResource(region: string, input: TagResourceRequest): TagResourceResponse {
    return this.ecs.tagResource(region, input)
  }

  untagResource(region: string, input: UntagResourceRequest): UntagResourceResponse {
    return this.ecs.untagResource(region, input)
  }

  listTagsForResource(region: string, input: ListTagsForResourceRequest): ListTagsForResourceResponse {
    return this.ecs.listTagsForResource(region, input)
  }

  describeServices(region: string, input: DescribeServicesRequest, now: number): DescribeServicesResponse {
    return this.ecs.describeServices(region, input, now)
  }

  updateService(region: string, input: UpdateServiceRequest, now: number): UpdateServiceResponse {
    return this.ecs.updateService(region, input, now)
  }

  listTasks(region: string, input: ListTasksRequest, now: number): ListTasksResponse {
    return this.ecs.listTasks(region, input, now)
  }

  describeTasks(region: string, input: DescribeTasksRequest, now: number): DescribeTasksResponse {
    return this.ecs.describeTasks(region, input, now)
  }

  listServiceDeployments(
    region: string,
    input: ListServiceDeploymentsRequest,
    now: number
  ): ListServiceDeploymentsResponse {
    return this.deployments.listServiceDeployments(region, input, now)
  }

  describeServiceDeployments(
    region: string,
    input: DescribeServiceDeploymentsRequest,
    now: number
  ): DescribeServiceDeploymentsResponse {
    return this.deployments.describeServiceDeployments(region, input, now)
  }

  describeServiceRevisions(region: string, input: DescribeServiceRevisionsRequest): DescribeServiceRevisionsResponse {
    return this.deployments.describeServiceRevisions(region, input)
  }

  stopServiceDeployment(
    region: string,
    input: StopServiceDeploymentRequest,
    now: number
  ): StopServiceDeploymentResponse {
    return this.deployments.stopServiceDeployment(region, input, now)
  }

  continueServiceDeployment(
    region: string,
    input: ContinueServiceDeploymentRequest,
    now: number
  ): ContinueServiceDeploymentResponse {
    return this.deployments.continueServiceDeployment(region, input, now)
  }

  listServices(region: string, input: ListServicesRequest): ListServicesResponse {
    return this.ecs.listServices(region, input)
  }

  describeClusters(region: string, input: DescribeClustersRequest): DescribeClustersResponse {
    return this.ecs.describeClusters(region, input)
  }

  // ---------------------------------------------------------------- ECR

  /**
   * The registry loses these images (a push that never happened): BatchGetImage answers
   * ImageNotFound. A repository's URI without a tag or digest loses the repository itself:
   * BatchGetImage answers RepositoryNotFoundException.
   */
  removeImages(images: ReadonlyArray<string>): void {
    for (const image of images) this.store.missingImages.add(image)
  }

  /** BatchGetImage: every image is there unless removed; failures name the ones that are not. */
  batchGetImage(region: string, input: BatchGetImageRequest): BatchGetImageResponse {
    const registry = input.registryId ?? this.accountId
    const repository = input.repositoryName ?? ""
    if (repository === "") throw awsError("InvalidParameterException", "repositoryName is required.")
    const ids = input.imageIds ?? []
    if (ids.length === 0 || ids.length > 100) {
      throw awsError("InvalidParameterException", "imageIds must hold 1 to 100 ids.")
    }
    const base = `${registry}.dkr.ecr.${region}.amazonaws.com/${repository}`
    if (this.store.missingImages.has(base)) {
      throw awsError(
        "RepositoryNotFoundException",
        `The repository with name '${repository}' does not exist in the registry with id '${registry}'`
      )
    }
    const images: Array<Image> = []
    const failures: Array<ImageFailure> = []
    for (const id of ids) {
      const uri = id.imageDigest !== undefined ? `${base}@${id.imageDigest}` : `${base}:${id.imageTag ?? ""}`
      if (this.store.missingImages.has(uri)) {
        failures.push({ imageId: id, failureCode: "ImageNotFound", failureReason: "Requested image not found" })
      } else {
        images.push({ registryId: registry, repositoryName: repository, imageId: id, imageManifest: "{}" })
      }
    }
    return { images, failures }
  }

  // ---------------------------------------------------------------- EventBridge and STS

  listTargetsByRule(region: string, input: ListTargetsByRuleRequest): ListTargetsByRuleResponse {
    return this.events.listTargetsByRule(region, input)
  }

  putTargets(region: string, input: PutTargetsRequest): PutTargetsResponse {
    return this.events.putTargets(region, input)
  }

  describeRule(region: string, input: DescribeRuleRequest): DescribeRuleResponse {
    return this.events.describeRule(region, input)
  }

  listRules(region: string, input: ListRulesRequest): ListRulesResponse {
    return this.events.listRules(region, input)
  }

  /** `wallNow` dates the credentials' Expiration: SDK credential caches compare it with real time. */
  callerIdentity(
    accessKeyId: string | undefined
  ): { readonly Account: string; readonly Arn: string; readonly UserId: string } {
    return this.sts.callerIdentity(accessKeyId)
  }

  assumeRole(input: AssumeRoleRequest, wallNow: number): AssumeRoleResponse {
    return this.sts.assumeRole(input, wallNow)
  }
}
