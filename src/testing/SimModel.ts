/**
 * The in-memory ECS / EventBridge / STS model behind both simulator faces.
 *
 * Synchronous and clock-free: every operation takes `now` (epoch ms) and first runs
 * the rollout timers due by then (`sync`), so whoever owns the clock (TestClock in
 * program tests, the live clock over HTTP) drives the rollouts. No background fibers.
 */
import type {
  Cluster,
  Container,
  DeregisterTaskDefinitionRequest,
  DeregisterTaskDefinitionResponse,
  DescribeClustersRequest,
  DescribeClustersResponse,
  DescribeServicesRequest,
  DescribeServicesResponse,
  DescribeTaskDefinitionRequest,
  DescribeTaskDefinitionResponse,
  DescribeTasksRequest,
  DescribeTasksResponse,
  Deployment,
  Failure,
  ListServicesRequest,
  ListServicesResponse,
  ListTasksRequest,
  ListTasksResponse,
  RegisterTaskDefinitionRequest,
  RegisterTaskDefinitionResponse,
  Service,
  Tag,
  Task,
  TaskDefinition,
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
  PutTargetsResultEntry,
  Rule,
  Target
} from "@aws-sdk/client-eventbridge"
import type { AssumeRoleRequest, AssumeRoleResponse } from "@aws-sdk/client-sts"
import * as Either from "effect/Either"
import {
  type BehaviourContext,
  type BehaviourPicker,
  imageTag,
  type ResolvedBehaviour,
  resolveBehaviour
} from "./SimBehaviour.js"
import {
  awsError,
  type FailNextSpec,
  makePrng,
  matches,
  type PendingFailure,
  shortName,
  SimAwsError
} from "./SimFaults.js"

export interface SimModelOptions {
  readonly accountId?: string | undefined
  /** Region for helpers called without one; default us-east-1. */
  readonly defaultRegion?: string | undefined
  /** Seed of the fault PRNG; default 1. */
  readonly seed?: number | undefined
  /** Fraction (0..1) of AWS calls answered with a throttling error. */
  readonly throttleFraction?: number | undefined
  /** Fraction (0..1) of AWS calls answered with a 5xx. */
  readonly serverErrorFraction?: number | undefined
  /** Picks each new deployment's behaviour; default healthy. */
  readonly behaviour?: BehaviourPicker | undefined
}

/** One AWS call either face received (seeding and inspection are not recorded). */
export interface SimCall {
  /** AWS operation name, e.g. `UpdateService`. */
  readonly operation: string
  readonly region: string
  /** The request as sent (SDK input shape; a copy). */
  readonly params: Readonly<Record<string, unknown>>
  /** Epoch ms by the clock of the caller. */
  readonly at: number
  readonly face: "layer" | "http"
  /** The SigV4 access key id (HTTP face only). */
  readonly accessKeyId?: string | undefined
  /** The AWS error code when the call failed. */
  readonly error?: string | undefined
}

export const mutatingOperations: ReadonlyArray<string> = [
  "RegisterTaskDefinition",
  "DeregisterTaskDefinition",
  "UpdateService",
  "PutTargets"
]

export interface AddServiceSpec {
  /** Cluster name or ARN; created when missing. */
  readonly cluster: string
  readonly name: string
  /** Task definition ARN, `family:revision` or family; must be seeded in the region. */
  readonly taskDefinition: string
  readonly region?: string | undefined
  /** Default 2. */
  readonly desiredCount?: number | undefined
  /** Default ACTIVE. */
  readonly status?: "ACTIVE" | "DRAINING" | "INACTIVE" | undefined
  /** Default true: steady tasks report HEALTHY. */
  readonly healthCheck?: boolean | undefined
  /** deploymentConfiguration.deploymentCircuitBreaker as reported; default true. */
  readonly circuitBreaker?: boolean | undefined
}

export interface AddRuleSpec {
  readonly name: string
  readonly region?: string | undefined
  readonly target?: Target | undefined
  readonly targets?: ReadonlyArray<Target> | undefined
  /** Default `rate(1 day)`. */
  readonly scheduleExpression?: string | undefined
  readonly state?: "ENABLED" | "DISABLED" | undefined
}

export interface IssuedCredentials {
  readonly accessKeyId: string
  readonly roleArn: string
  readonly sessionName: string
}

type TaskStatus = "PROVISIONING" | "PENDING" | "RUNNING" | "STOPPED"

interface TaskRec {
  readonly seq: number
  readonly id: string
  readonly arn: string
  readonly taskDefinitionArn: string
  readonly deploymentId: string
  readonly createdAt: number
  readonly pendingAt: number
  /** Never RUNNING when undefined. */
  readonly runningAt: number | undefined
  /** When the health check first reports `health`. */
  readonly healthAt: number | undefined
  /** undefined: no health check (UNKNOWN). */
  readonly health: "HEALTHY" | "UNHEALTHY" | undefined
  /** When desiredStatus turned STOPPED. */
  stopDecidedAt: number | undefined
  stopAt: number | undefined
  stoppedReason: string | undefined
}

interface DeploymentRec {
  readonly id: string
  readonly taskDefinitionArn: string
  readonly createdAt: number
  updatedAt: number
  status: "PRIMARY" | "ACTIVE"
  desiredCount: number
  failedTasks: number
  rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED"
  rolloutStateReason: string
  readonly behaviour: ResolvedBehaviour
  readonly isRollback: boolean
  readonly previousTaskDefinitionArn: string | undefined
}

interface TimerRec {
  readonly at: number
  readonly seq: number
  readonly run: (at: number) => void
}

interface ServiceRec {
  readonly name: string
  readonly arn: string
  readonly cluster: ClusterRec
  readonly createdAt: number
  status: "ACTIVE" | "DRAINING" | "INACTIVE"
  desiredCount: number
  taskDefinitionArn: string
  readonly circuitBreaker: boolean
  /** Newest first. */
  deployments: Array<DeploymentRec>
  /** Creation order. */
  tasks: Array<TaskRec>
  /** Newest first. */
  events: Array<{ readonly id: string; readonly at: number; readonly message: string }>
  timers: Array<TimerRec>
}

interface ClusterRec {
  readonly name: string
  readonly region: string
  readonly arn: string
  readonly services: Map<string, ServiceRec>
}

interface TaskDefRec {
  readonly arn: string
  readonly region: string
  readonly family: string
  readonly revision: number
  readonly input: RegisterTaskDefinitionRequest
  readonly tags: ReadonlyArray<Tag>
  readonly registeredAt: number
  status: "ACTIVE" | "INACTIVE"
  deregisteredAt: number | undefined
}

interface RuleRec {
  readonly name: string
  readonly region: string
  readonly arn: string
  readonly scheduleExpression: string
  readonly state: "ENABLED" | "DISABLED"
  targets: Array<Target>
}

const secs = (s: number): number => Math.round(s * 1000)
/** Stopped tasks stay describable this long, like ECS (at least an hour). */
const stoppedRetentionMs = 3_600_000
const maxEvents = 100

const clone = <A>(a: A): A => structuredClone(a)

const taskStatus = (t: TaskRec, now: number): TaskStatus =>
  t.stopAt !== undefined && now >= t.stopAt
    ? "STOPPED"
    : t.runningAt !== undefined && now >= t.runningAt
    ? "RUNNING"
    : now >= t.pendingAt
    ? "PENDING"
    : "PROVISIONING"

const healthStatus = (t: TaskRec, now: number): "HEALTHY" | "UNHEALTHY" | "UNKNOWN" =>
  t.health !== undefined && t.healthAt !== undefined && now >= t.healthAt && (t.stopAt === undefined || t.healthAt < t.stopAt)
    ? t.health
    : "UNKNOWN"

const isLive = (t: TaskRec, at: number): boolean => t.stopAt === undefined || t.stopAt > at

const desiredStatus = (t: TaskRec, now: number): "RUNNING" | "STOPPED" =>
  t.stopDecidedAt !== undefined && now >= t.stopDecidedAt ? "STOPPED" : "RUNNING"

/** Serving traffic: RUNNING and HEALTHY, or RUNNING without a health check. */
const isServing = (t: TaskRec, now: number): boolean =>
  taskStatus(t, now) === "RUNNING" && (t.health === undefined || healthStatus(t, now) === "HEALTHY")

const encodeToken = (offset: number): string => Buffer.from(`sim:${offset}`).toString("base64")
const decodeToken = (token: string | undefined): number => {
  if (token === undefined || token === "") return 0
  const m = /^sim:(\d+)$/.exec(Buffer.from(token, "base64").toString())
  if (m === null || m[1] === undefined) throw awsError("InvalidParameterException", "Invalid nextToken.")
  return Number(m[1])
}

const page = <A>(
  items: ReadonlyArray<A>,
  token: string | undefined,
  limit: number | undefined,
  dflt: number,
  max: number,
  code: string
): { readonly items: Array<A>; readonly next: string | undefined } => {
  const n = limit ?? dflt
  if (!Number.isInteger(n) || n < 1 || n > max) throw awsError(code, `maxResults must be between 1 and ${max}.`)
  const offset = decodeToken(token)
  const slice = items.slice(offset, offset + n)
  return { items: slice, next: offset + n < items.length ? encodeToken(offset + n) : undefined }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

/** Parses `arn:aws:<svc>:<region>:<account>:<resource>`. */
const parseArn = (arn: string): { readonly region: string; readonly resource: string } | undefined => {
  const parts = arn.split(":")
  if (parts.length < 6 || parts[0] !== "arn") return undefined
  return { region: parts[3] ?? "", resource: parts.slice(5).join(":") }
}

export class SimModel {
  readonly accountId: string
  readonly defaultRegion: string
  private picker: BehaviourPicker
  private throttleFraction: number
  private serverErrorFraction: number
  private random: () => number
  private readonly clusters = new Map<string, ClusterRec>()
  private readonly taskDefs = new Map<string, Array<TaskDefRec>>()
  private readonly rules = new Map<string, RuleRec>()
  private readonly taskIndex = new Map<string, { readonly task: TaskRec; readonly service: ServiceRec }>()
  private readonly issued = new Map<string, IssuedCredentials>()
  private readonly callLog: Array<SimCall> = []
  private pending: Array<PendingFailure> = []
  private counter = 0
  private timerSeq = 0
  private lastNow = Number.NEGATIVE_INFINITY

  constructor(options: SimModelOptions = {}) {
    this.accountId = options.accountId ?? "123456789012"
    this.defaultRegion = options.defaultRegion ?? "us-east-1"
    this.picker = options.behaviour ?? (() => "healthy")
    this.throttleFraction = options.throttleFraction ?? 0
    this.serverErrorFraction = options.serverErrorFraction ?? 0
    this.random = makePrng(options.seed ?? 1)
  }

  // ---------------------------------------------------------------- configuration

  setBehaviour(picker: BehaviourPicker): void {
    this.picker = picker
  }

  setFaults(faults: {
    readonly throttleFraction?: number | undefined
    readonly serverErrorFraction?: number | undefined
    readonly seed?: number | undefined
  }): void {
    if (faults.throttleFraction !== undefined) this.throttleFraction = faults.throttleFraction
    if (faults.serverErrorFraction !== undefined) this.serverErrorFraction = faults.serverErrorFraction
    if (faults.seed !== undefined) this.random = makePrng(faults.seed)
  }

  failNext(spec: FailNextSpec): void {
    this.pending.push({ spec, remaining: spec.times ?? 1 })
  }

  // ---------------------------------------------------------------- calls and faults

  calls(operation?: string): ReadonlyArray<SimCall> {
    return operation === undefined ? [...this.callLog] : this.callLog.filter((c) => c.operation === operation)
  }

  mutatingCalls(): ReadonlyArray<SimCall> {
    return this.callLog.filter((c) => mutatingOperations.includes(c.operation))
  }

  clearCalls(): void {
    this.callLog.length = 0
  }

  issuedCredentials(): ReadonlyArray<IssuedCredentials> {
    return [...this.issued.values()]
  }

  /**
   * Records one AWS call, applies fault injection, then runs it. Every face goes
   * through here so faults and the call record are the same over HTTP and layers.
   */
  call<A>(
    operation: string,
    region: string,
    params: object,
    now: number,
    meta: { readonly face: "layer" | "http"; readonly accessKeyId?: string | undefined },
    run: () => A
  ): Either.Either<A, SimAwsError> {
    const record: { -readonly [K in keyof SimCall]: SimCall[K] } = {
      operation,
      region,
      params: clone({ ...params }),
      at: now,
      face: meta.face
    }
    if (meta.accessKeyId !== undefined) record.accessKeyId = meta.accessKeyId
    this.callLog.push(record)
    const fault = this.faultFor(operation, region, record.params)
    if (fault !== undefined) {
      record.error = fault.code
      return Either.left(fault)
    }
    try {
      this.sync(now)
      return Either.right(run())
    } catch (e) {
      if (e instanceof SimAwsError) {
        record.error = e.code
        return Either.left(e)
      }
      throw e
    }
  }

  private faultFor(
    operation: string,
    region: string,
    params: Readonly<Record<string, unknown>>
  ): SimAwsError | undefined {
    const hit = this.pending.find((f) => f.spec.asFailedEntry !== true && matches(f, operation, region, params))
    if (hit !== undefined) {
      hit.remaining--
      this.pending = this.pending.filter((f) => f.remaining > 0)
      const code = hit.spec.code ?? "InternalFailure"
      return awsError(code, hit.spec.message ?? `Injected ${code} for ${operation}.`, hit.spec.status)
    }
    const r = this.random()
    if (r < this.throttleFraction) {
      return operation === "AssumeRole"
        ? awsError("Throttling", "Rate exceeded", 400)
        : awsError("ThrottlingException", "Rate exceeded", 400)
    }
    if (r < this.throttleFraction + this.serverErrorFraction) {
      // Split the 5xx share between the two generic AWS server errors.
      return r < this.throttleFraction + this.serverErrorFraction / 2
        ? awsError("InternalFailure", "The request processing has failed because of an unknown error.", 500)
        : awsError("ServiceUnavailable", "The service is unavailable. Please try again later.", 503)
    }
    return undefined
  }

  private takeEntryFailure(region: string, params: Readonly<Record<string, unknown>>): PendingFailure | undefined {
    const hit = this.pending.find((f) => f.spec.asFailedEntry === true && matches(f, "PutTargets", region, params))
    if (hit !== undefined) {
      hit.remaining--
      this.pending = this.pending.filter((f) => f.remaining > 0)
    }
    return hit
  }

  // ---------------------------------------------------------------- time

  /** Runs every rollout timer due by `now`, in time order. Time never goes backwards. */
  sync(now: number): void {
    this.lastNow = Math.max(this.lastNow, now)
    const t = this.lastNow
    for (const cluster of this.clusters.values()) {
      for (const svc of cluster.services.values()) {
        for (;;) {
          let next: TimerRec | undefined
          for (const timer of svc.timers) {
            if (timer.at <= t && (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) {
              next = timer
            }
          }
          if (next === undefined) break
          const due = next
          svc.timers = svc.timers.filter((x) => x !== due)
          due.run(due.at)
        }
        this.prune(svc, t)
      }
    }
  }

  private prune(svc: ServiceRec, now: number): void {
    const old = svc.tasks.filter((t) => t.stopAt !== undefined && t.stopAt < now - stoppedRetentionMs)
    if (old.length === 0) return
    for (const t of old) {
      this.taskIndex.delete(t.arn)
      this.taskIndex.delete(t.id)
    }
    svc.tasks = svc.tasks.filter((t) => !old.includes(t))
  }

  private schedule(svc: ServiceRec, at: number, run: (at: number) => void): void {
    svc.timers.push({ at, seq: this.timerSeq++, run })
  }

  // ---------------------------------------------------------------- ids and lookups

  private next(): number {
    return ++this.counter
  }

  private clusterKey(region: string, name: string): string {
    return `${region}/${name}`
  }

  /** A cluster by name or ARN (the ARN's region wins). */
  findCluster(region: string, nameOrArn: string): ClusterRec | undefined {
    const arn = nameOrArn.startsWith("arn:") ? parseArn(nameOrArn) : undefined
    const r = arn?.region ?? region
    return this.clusters.get(this.clusterKey(r, shortName(nameOrArn)))
  }

  /** For inspection helpers without a region: the default region first, then any. */
  findClusterAnywhere(nameOrArn: string, region?: string): ClusterRec | undefined {
    if (region !== undefined || nameOrArn.startsWith("arn:")) return this.findCluster(region ?? this.defaultRegion, nameOrArn)
    const here = this.findCluster(this.defaultRegion, nameOrArn)
    if (here !== undefined) return here
    for (const c of this.clusters.values()) if (c.name === nameOrArn) return c
    return undefined
  }

  private requireCluster(region: string, cluster: string | undefined): ClusterRec {
    const c = this.findCluster(region, cluster ?? "default")
    if (c === undefined) throw awsError("ClusterNotFoundException", "Cluster not found.")
    return c
  }

  private requireService(c: ClusterRec, service: string | undefined): ServiceRec {
    if (service === undefined || service === "") throw awsError("InvalidParameterException", "Service cannot be empty.")
    const svc = c.services.get(shortName(service))
    if (svc === undefined) throw awsError("ServiceNotFoundException", "Service not found.")
    return svc
  }

  private resolveTaskDef(region: string, ref: string): TaskDefRec | undefined {
    let family: string
    let revision: number | undefined
    let spec = ref
    if (ref.startsWith("arn:")) {
      const arn = parseArn(ref)
      if (arn === undefined || arn.region !== region || !arn.resource.startsWith("task-definition/")) return undefined
      spec = arn.resource.slice("task-definition/".length)
    }
    const colon = spec.lastIndexOf(":")
    if (colon >= 0) {
      family = spec.slice(0, colon)
      revision = Number(spec.slice(colon + 1))
      if (!Number.isInteger(revision)) return undefined
    } else {
      family = spec
    }
    const revs = this.taskDefs.get(`${region}/${family}`) ?? []
    if (revision !== undefined) return revs[revision - 1]
    for (let i = revs.length - 1; i >= 0; i--) {
      const r = revs[i]
      if (r !== undefined && r.status === "ACTIVE") return r
    }
    return undefined
  }

  private taskDefByArn(arn: string): TaskDefRec | undefined {
    const parsed = parseArn(arn)
    return parsed === undefined ? undefined : this.resolveTaskDef(parsed.region, arn)
  }

  private imageTagsOf(tdArn: string): ReadonlyArray<string> {
    const td = this.taskDefByArn(tdArn)
    return (td?.input.containerDefinitions ?? []).map((c) => imageTag(c.image ?? ""))
  }

  private findRule(region: string, nameOrArn: string | undefined): RuleRec | undefined {
    if (nameOrArn === undefined) return undefined
    const arn = nameOrArn.startsWith("arn:") ? parseArn(nameOrArn) : undefined
    return this.rules.get(`${arn?.region ?? region}/${shortName(nameOrArn)}`)
  }

  private requireRule(region: string, nameOrArn: string | undefined): RuleRec {
    if (nameOrArn === undefined || nameOrArn === "") throw awsError("ValidationException", "Rule name is required.")
    const rule = this.findRule(region, nameOrArn)
    if (rule === undefined) {
      throw awsError("ResourceNotFoundException", `Rule ${shortName(nameOrArn)} does not exist on EventBus default.`)
    }
    return rule
  }

  // ---------------------------------------------------------------- seeding (not recorded)

  addCluster(name: string, region: string = this.defaultRegion): string {
    const key = this.clusterKey(region, name)
    const existing = this.clusters.get(key)
    if (existing !== undefined) return existing.arn
    const arn = `arn:aws:ecs:${region}:${this.accountId}:cluster/${name}`
    this.clusters.set(key, { name, region, arn, services: new Map() })
    return arn
  }

  seedTaskDefinition(
    region: string,
    input: RegisterTaskDefinitionRequest,
    tags: ReadonlyArray<Tag> | undefined,
    now: number
  ): string {
    return this.register(region, input, tags, now).arn
  }

  addService(spec: AddServiceSpec, now: number): string {
    this.sync(now)
    const region = spec.region ?? (spec.cluster.startsWith("arn:") ? parseArn(spec.cluster)?.region : undefined) ??
      this.defaultRegion
    const clusterName = shortName(spec.cluster)
    this.addCluster(clusterName, region)
    const cluster = this.findCluster(region, clusterName)
    if (cluster === undefined) throw new Error("unreachable: cluster just added")
    const td = this.resolveTaskDef(region, spec.taskDefinition)
    if (td === undefined) throw new Error(`addService: task definition ${spec.taskDefinition} is not seeded in ${region}`)
    if (cluster.services.has(spec.name)) throw new Error(`addService: ${spec.name} already exists in ${clusterName}`)
    const desiredCount = spec.desiredCount ?? 2
    const svc: ServiceRec = {
      name: spec.name,
      arn: `arn:aws:ecs:${region}:${this.accountId}:service/${clusterName}/${spec.name}`,
      cluster,
      createdAt: now,
      status: spec.status ?? "ACTIVE",
      desiredCount,
      taskDefinitionArn: td.arn,
      circuitBreaker: spec.circuitBreaker ?? true,
      deployments: [],
      tasks: [],
      events: [],
      timers: []
    }
    cluster.services.set(spec.name, svc)
    const d: DeploymentRec = {
      id: this.deploymentId(),
      taskDefinitionArn: td.arn,
      createdAt: now,
      updatedAt: now,
      status: "PRIMARY",
      desiredCount,
      failedTasks: 0,
      rolloutState: "COMPLETED",
      rolloutStateReason: "",
      behaviour: resolveBehaviour({ kind: "healthy", healthCheck: spec.healthCheck ?? true }),
      isRollback: false,
      previousTaskDefinitionArn: undefined
    }
    d.rolloutStateReason = `ECS deployment ${d.id} completed.`
    svc.deployments.push(d)
    if (svc.status !== "INACTIVE") {
      for (let i = 0; i < desiredCount; i++) {
        this.addTask(svc, d, {
          createdAt: now,
          pendingAt: now,
          runningAt: now,
          healthAt: now,
          health: (spec.healthCheck ?? true) ? "HEALTHY" : undefined
        })
      }
    }
    this.event(svc, now, `(service ${svc.name}) has reached a steady state.`)
    return svc.arn
  }

  addRule(spec: AddRuleSpec): string {
    const region = spec.region ?? this.defaultRegion
    const arn = `arn:aws:events:${region}:${this.accountId}:rule/${spec.name}`
    const targets = [...(spec.targets ?? []), ...(spec.target === undefined ? [] : [spec.target])].map(clone)
    this.rules.set(`${region}/${spec.name}`, {
      name: spec.name,
      region,
      arn,
      scheduleExpression: spec.scheduleExpression ?? "rate(1 day)",
      state: spec.state ?? "ENABLED",
      targets
    })
    return arn
  }

  // ---------------------------------------------------------------- inspection (not recorded)

  /** The service as DescribeServices would answer it. */
  service(cluster: string, name: string, now: number, region?: string): Service | undefined {
    this.sync(now)
    const svc = this.findClusterAnywhere(cluster, region)?.services.get(shortName(name))
    return svc === undefined ? undefined : this.toService(svc, now)
  }

  /** Every task of the service still known (STOPPED ones for an hour), as DescribeTasks answers them. */
  tasks(cluster: string, name: string, now: number, region?: string): ReadonlyArray<Task> {
    this.sync(now)
    const svc = this.findClusterAnywhere(cluster, region)?.services.get(shortName(name))
    return svc === undefined ? [] : svc.tasks.map((t) => this.toTask(svc, t, now))
  }

  taskDefinition(
    ref: string,
    region?: string
  ): { readonly taskDefinition: TaskDefinition; readonly tags: ReadonlyArray<Tag>; readonly input: RegisterTaskDefinitionRequest } | undefined {
    const rec = ref.startsWith("arn:") ? this.taskDefByArn(ref) : this.resolveTaskDef(region ?? this.defaultRegion, ref)
    return rec === undefined
      ? undefined
      : { taskDefinition: this.toTaskDefinition(rec), tags: clone([...rec.tags]), input: clone(rec.input) }
  }

  rule(region: string, name: string): { readonly rule: Rule; readonly targets: ReadonlyArray<Target> } | undefined {
    const r = this.findRule(region, name)
    return r === undefined ? undefined : { rule: this.toRule(r), targets: clone(r.targets) }
  }

  /**
   * The image tag the service's version endpoint answers: the first container's tag of the
   * newest deployment with a serving task. undefined when no task serves.
   */
  servedVersion(cluster: string, name: string, now: number, region?: string): string | undefined {
    this.sync(now)
    const svc = this.findClusterAnywhere(cluster, region)?.services.get(shortName(name))
    if (svc === undefined) return undefined
    for (const d of svc.deployments) {
      if (svc.tasks.some((t) => t.deploymentId === d.id && isServing(t, now))) {
        return this.imageTagsOf(d.taskDefinitionArn)[0]
      }
    }
    return undefined
  }

  /** Every service of every cluster, for the HTTP control endpoint. */
  allServices(now: number): ReadonlyArray<Service> {
    this.sync(now)
    return [...this.clusters.values()].flatMap((c) => [...c.services.values()].map((s) => this.toService(s, now)))
  }

  // ---------------------------------------------------------------- rollouts

  private deploymentId(): string {
    return `ecs-svc/${(1000000000000000000n + BigInt(this.next())).toString()}`
  }

  private event(svc: ServiceRec, at: number, message: string): void {
    svc.events.unshift({ id: `ev-${this.next()}`, at, message })
    if (svc.events.length > maxEvents) svc.events.length = maxEvents
  }

  private addTask(
    svc: ServiceRec,
    d: DeploymentRec,
    timeline: Pick<TaskRec, "createdAt" | "pendingAt" | "runningAt" | "healthAt" | "health">
  ): TaskRec {
    const seq = this.next()
    const id = seq.toString(16).padStart(32, "0")
    const task: TaskRec = {
      seq,
      id,
      arn: `arn:aws:ecs:${svc.cluster.region}:${this.accountId}:task/${svc.cluster.name}/${id}`,
      taskDefinitionArn: d.taskDefinitionArn,
      deploymentId: d.id,
      ...timeline,
      stopDecidedAt: undefined,
      stopAt: undefined,
      stoppedReason: undefined
    }
    svc.tasks.push(task)
    this.taskIndex.set(task.arn, { task, service: svc })
    this.taskIndex.set(task.id, { task, service: svc })
    return task
  }

  private stopTask(t: TaskRec, decidedAt: number, stopAt: number, reason: string): void {
    if (t.stopAt === undefined || t.stopAt > stopAt) {
      t.stopAt = stopAt
      t.stoppedReason = reason
    }
    if (t.stopDecidedAt === undefined || t.stopDecidedAt > decidedAt) t.stopDecidedAt = decidedAt
  }

  /** Launches one task of a deployment according to its behaviour and schedules what follows. */
  private launch(svc: ServiceRec, d: DeploymentRec, at: number): TaskRec {
    const b = d.behaviour
    const runs = b.kind !== "stuck" && b.kind !== "circuit-breaker"
    const checked = b.healthCheck || b.kind === "unhealthy"
    const task = this.addTask(svc, d, {
      createdAt: at,
      pendingAt: at + Math.round(secs(b.startAfter) / 3),
      runningAt: runs ? at + secs(b.startAfter) : undefined,
      healthAt: runs && checked ? at + secs(b.healthyAfter) : undefined,
      health: checked ? (b.kind === "unhealthy" ? "UNHEALTHY" : "HEALTHY") : undefined
    })
    if (b.kind === "circuit-breaker") {
      const crashAt = at + secs(b.startAfter)
      this.stopTask(task, crashAt, crashAt, "Essential container in task exited")
      this.schedule(svc, crashAt, (t) => this.onCrash(svc, d, task, t))
    }
    if (b.kind === "unhealthy" && task.healthAt !== undefined) {
      this.schedule(svc, task.healthAt + secs(b.replaceAfter), (t) => this.onUnhealthy(svc, d, task, t))
    }
    return task
  }

  private launchMany(svc: ServiceRec, d: DeploymentRec, at: number, n: number): void {
    if (n <= 0) return
    const started = Array.from({ length: n }, () => this.launch(svc, d, at))
    this.event(svc, at, `(service ${svc.name}) has started ${n} tasks: ${started.map((t) => `(task ${t.id})`).join(" ")}.`)
  }

  private startDeployment(svc: ServiceRec, tdArn: string, at: number, rollback: boolean): DeploymentRec {
    const ctx: BehaviourContext = {
      region: svc.cluster.region,
      cluster: svc.cluster.name,
      service: svc.name,
      taskDefinitionArn: tdArn,
      imageTags: this.imageTagsOf(tdArn),
      rollback
    }
    const behaviour = resolveBehaviour(this.picker(ctx))
    const previous = svc.deployments.find((x) => x.status === "PRIMARY")
    for (const x of svc.deployments) {
      if (x.status === "PRIMARY") {
        x.status = "ACTIVE"
        x.updatedAt = at
      }
    }
    const d: DeploymentRec = {
      id: this.deploymentId(),
      taskDefinitionArn: tdArn,
      createdAt: at,
      updatedAt: at,
      status: "PRIMARY",
      desiredCount: svc.desiredCount,
      failedTasks: 0,
      rolloutState: "IN_PROGRESS",
      rolloutStateReason: "",
      behaviour,
      isRollback: rollback,
      previousTaskDefinitionArn: previous?.taskDefinitionArn
    }
    d.rolloutStateReason = `ECS deployment ${d.id} in progress.`
    svc.deployments.unshift(d)
    svc.taskDefinitionArn = tdArn
    this.launchMany(svc, d, at, d.desiredCount)
    switch (behaviour.kind) {
      case "healthy":
      case "slow":
      case "never-drain": {
        const readyIn = behaviour.healthCheck ? behaviour.healthyAfter : behaviour.startAfter
        this.schedule(svc, at + (d.desiredCount === 0 ? 0 : secs(readyIn)), (t) => this.onReady(svc, d, t))
        break
      }
      case "circuit-breaker":
        this.schedule(svc, at + secs(behaviour.failAfter), (t) => this.onCircuitBreaker(svc, d, t))
        break
      case "unhealthy":
      case "stuck":
        break
    }
    return d
  }

  /** The new deployment is healthy: drain the others (unless never-drain), then complete. */
  private onReady(svc: ServiceRec, d: DeploymentRec, at: number): void {
    if (d.status !== "PRIMARY" || d.rolloutState !== "IN_PROGRESS" || d.behaviour.kind === "never-drain") return
    const drainMs = secs(d.behaviour.drainAfter)
    const drained: Array<TaskRec> = []
    for (const o of svc.deployments) {
      if (o === d) continue
      o.desiredCount = 0
      o.updatedAt = at
      const live = svc.tasks.filter((t) => t.deploymentId === o.id && isLive(t, at))
      live.forEach((t, i) => {
        this.stopTask(t, at, at + Math.round((drainMs * (i + 1)) / live.length), `Scaling activity initiated by (deployment ${d.id})`)
        drained.push(t)
      })
    }
    if (drained.length > 0) {
      this.event(
        svc,
        at,
        `(service ${svc.name}) has stopped ${drained.length} running tasks: ${drained.map((t) => `(task ${t.id})`).join(" ")}.`
      )
    }
    this.schedule(svc, at + (drained.length > 0 ? drainMs : 0), (t) => this.onComplete(svc, d, t))
  }

  private onComplete(svc: ServiceRec, d: DeploymentRec, at: number): void {
    if (d.status !== "PRIMARY" || d.rolloutState !== "IN_PROGRESS") return
    for (const t of svc.tasks) {
      if (t.deploymentId !== d.id && isLive(t, at)) this.stopTask(t, at, at, `Scaling activity initiated by (deployment ${d.id})`)
    }
    svc.deployments = [d]
    d.rolloutState = "COMPLETED"
    d.rolloutStateReason = `ECS deployment ${d.id} completed.`
    d.updatedAt = at
    this.event(svc, at, `(service ${svc.name}) (deployment ${d.id}) deployment completed.`)
    this.event(svc, at, `(service ${svc.name}) has reached a steady state.`)
  }

  /** unhealthy: ECS stops a task failing its health check and starts a replacement. */
  private onUnhealthy(svc: ServiceRec, d: DeploymentRec, task: TaskRec, at: number): void {
    if (!isLive(task, at) || d.status !== "PRIMARY") return
    this.stopTask(task, at, at, "Task failed container health checks")
    d.failedTasks++
    d.updatedAt = at
    this.event(svc, at, `(service ${svc.name}) (task ${task.id}) failed container health checks.`)
    this.event(svc, at, `(service ${svc.name}) has stopped 1 running tasks: (task ${task.id}).`)
    if (d.rolloutState === "IN_PROGRESS") this.launchMany(svc, d, at, 1)
  }

  /** circuit-breaker: a task's essential container exited before it ran. */
  private onCrash(svc: ServiceRec, d: DeploymentRec, task: TaskRec, at: number): void {
    if (task.stopAt !== at || task.stoppedReason !== "Essential container in task exited") return
    d.failedTasks++
    d.updatedAt = at
    this.event(svc, at, `(service ${svc.name}) has stopped 1 running tasks: (task ${task.id}).`)
    if (d.status === "PRIMARY" && d.rolloutState === "IN_PROGRESS") this.launchMany(svc, d, at, 1)
  }

  private onCircuitBreaker(svc: ServiceRec, d: DeploymentRec, at: number): void {
    if (d.status !== "PRIMARY" || d.rolloutState !== "IN_PROGRESS") return
    d.rolloutState = "FAILED"
    d.rolloutStateReason = "ECS deployment circuit breaker: tasks failed to start."
    d.updatedAt = at
    d.desiredCount = 0
    for (const t of svc.tasks) {
      if (t.deploymentId === d.id && isLive(t, at)) this.stopTask(t, at, at, "Deployment circuit breaker: tasks failed to start")
    }
    this.event(svc, at, `(service ${svc.name}) (deployment ${d.id}) deployment failed: tasks failed to start.`)
    // ECS rolls back once; a failing rollback just stays FAILED.
    if (svc.circuitBreaker && !d.isRollback && d.previousTaskDefinitionArn !== undefined) {
      const back = this.startDeployment(svc, d.previousTaskDefinitionArn, at, true)
      this.event(svc, at, `(service ${svc.name}) (deployment ${d.id}) rolling back to deployment ${back.id}.`)
    }
  }

  /** desiredCount changed without a new deployment: scale the primary. */
  private scalePrimary(svc: ServiceRec, at: number): void {
    const d = svc.deployments.find((x) => x.status === "PRIMARY")
    if (d === undefined) return
    d.desiredCount = svc.desiredCount
    d.updatedAt = at
    const live = svc.tasks.filter((t) => t.deploymentId === d.id && isLive(t, at) && desiredStatus(t, at) === "RUNNING")
    if (live.length < svc.desiredCount) {
      this.launchMany(svc, d, at, svc.desiredCount - live.length)
    } else {
      for (const t of live.slice(svc.desiredCount)) this.stopTask(t, at, at, `Scaling activity initiated by (deployment ${d.id})`)
    }
  }

  // ---------------------------------------------------------------- shapes

  private toDeployment(svc: ServiceRec, d: DeploymentRec, now: number): Deployment {
    const mine = svc.tasks.filter((t) => t.deploymentId === d.id)
    const statuses = mine.map((t) => taskStatus(t, now))
    return {
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinitionArn,
      desiredCount: d.desiredCount,
      pendingCount: statuses.filter((s) => s === "PENDING" || s === "PROVISIONING").length,
      runningCount: statuses.filter((s) => s === "RUNNING").length,
      failedTasks: d.failedTasks,
      createdAt: new Date(d.createdAt),
      updatedAt: new Date(d.updatedAt),
      launchType: "FARGATE",
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason
    }
  }

  private toService(svc: ServiceRec, now: number): Service {
    const deployments = svc.deployments.map((d) => this.toDeployment(svc, d, now))
    return {
      serviceArn: svc.arn,
      serviceName: svc.name,
      clusterArn: svc.cluster.arn,
      status: svc.status,
      desiredCount: svc.desiredCount,
      runningCount: deployments.reduce((n, d) => n + (d.runningCount ?? 0), 0),
      pendingCount: deployments.reduce((n, d) => n + (d.pendingCount ?? 0), 0),
      launchType: "FARGATE",
      taskDefinition: svc.taskDefinitionArn,
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: svc.circuitBreaker, rollback: svc.circuitBreaker },
        maximumPercent: 200,
        minimumHealthyPercent: 100
      },
      deployments,
      events: svc.events.map((e) => ({ id: e.id, createdAt: new Date(e.at), message: e.message })),
      createdAt: new Date(svc.createdAt),
      schedulingStrategy: "REPLICA",
      deploymentController: { type: "ECS" }
    }
  }

  private toTask(svc: ServiceRec, t: TaskRec, now: number): Task {
    const status = taskStatus(t, now)
    const health = healthStatus(t, now)
    const td = this.taskDefByArn(t.taskDefinitionArn)
    const containers: Array<Container> = (td?.input.containerDefinitions ?? []).map((c, i) => ({
      containerArn: `arn:aws:ecs:${svc.cluster.region}:${this.accountId}:container/${svc.cluster.name}/${t.id}/${i}`,
      taskArn: t.arn,
      name: c.name,
      image: c.image,
      lastStatus: status === "PROVISIONING" ? "PENDING" : status,
      healthStatus: health
    }))
    const task: Task = {
      taskArn: t.arn,
      clusterArn: svc.cluster.arn,
      taskDefinitionArn: t.taskDefinitionArn,
      lastStatus: status,
      desiredStatus: desiredStatus(t, now),
      healthStatus: health,
      startedBy: t.deploymentId,
      group: `service:${svc.name}`,
      launchType: "FARGATE",
      createdAt: new Date(t.createdAt),
      containers
    }
    if (t.runningAt !== undefined && now >= t.runningAt) task.startedAt = new Date(t.runningAt)
    if (status === "STOPPED" && t.stopAt !== undefined) {
      task.stoppedAt = new Date(t.stopAt)
      task.stoppedReason = t.stoppedReason
      task.stopCode = t.stoppedReason === "Essential container in task exited" ? "EssentialContainerExited" : "ServiceSchedulerInitiated"
    }
    return task
  }

  private toTaskDefinition(rec: TaskDefRec): TaskDefinition {
    const rest: RegisterTaskDefinitionRequest = clone(rec.input)
    delete rest.tags
    const td: TaskDefinition = {
      ...rest,
      taskDefinitionArn: rec.arn,
      family: rec.family,
      revision: rec.revision,
      status: rec.status,
      compatibilities: ["EC2", "FARGATE"],
      registeredAt: new Date(rec.registeredAt),
      registeredBy: `arn:aws:iam::${this.accountId}:root`
    }
    if (rec.deregisteredAt !== undefined) td.deregisteredAt = new Date(rec.deregisteredAt)
    return td
  }

  private toRule(r: RuleRec): Rule {
    return {
      Name: r.name,
      Arn: r.arn,
      State: r.state,
      ScheduleExpression: r.scheduleExpression,
      EventBusName: "default"
    }
  }

  // ---------------------------------------------------------------- ECS operations

  private register(
    region: string,
    input: RegisterTaskDefinitionRequest,
    extraTags: ReadonlyArray<Tag> | undefined,
    now: number
  ): TaskDefRec {
    const family = input.family
    if (typeof family !== "string" || !/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
      throw awsError("ClientException", "Family contains invalid characters or is missing.")
    }
    const containers: unknown = input.containerDefinitions
    if (!Array.isArray(containers) || containers.length === 0) {
      throw awsError("ClientException", "Container list cannot be empty.")
    }
    for (const c of containers) {
      if (!isRecord(c) || typeof c["name"] !== "string" || c["name"] === "") {
        throw awsError("ClientException", "Container.name should not be null or empty.")
      }
      if (typeof c["image"] !== "string" || c["image"] === "") {
        throw awsError("ClientException", "Container.image should not be null or empty.")
      }
    }
    const key = `${region}/${family}`
    const revs = this.taskDefs.get(key) ?? []
    const revision = revs.length + 1
    const rec: TaskDefRec = {
      arn: `arn:aws:ecs:${region}:${this.accountId}:task-definition/${family}:${revision}`,
      region,
      family,
      revision,
      input: clone(input),
      tags: [...(input.tags ?? []), ...(extraTags ?? [])].map(clone),
      registeredAt: now,
      status: "ACTIVE",
      deregisteredAt: undefined
    }
    revs.push(rec)
    this.taskDefs.set(key, revs)
    return rec
  }

  registerTaskDefinition(region: string, input: RegisterTaskDefinitionRequest, now: number): RegisterTaskDefinitionResponse {
    const rec = this.register(region, input, undefined, now)
    return { taskDefinition: this.toTaskDefinition(rec), tags: clone([...rec.tags]) }
  }

  describeTaskDefinition(region: string, input: DescribeTaskDefinitionRequest): DescribeTaskDefinitionResponse {
    const ref = input.taskDefinition
    const rec = typeof ref === "string" && ref !== "" ? this.resolveTaskDef(region, ref) : undefined
    if (rec === undefined) throw awsError("ClientException", "Unable to describe task definition.")
    const withTags = (input.include ?? []).includes("TAGS")
    return withTags
      ? { taskDefinition: this.toTaskDefinition(rec), tags: clone([...rec.tags]) }
      : { taskDefinition: this.toTaskDefinition(rec) }
  }

  deregisterTaskDefinition(region: string, input: DeregisterTaskDefinitionRequest, now: number): DeregisterTaskDefinitionResponse {
    const ref = input.taskDefinition ?? ""
    // Deregistering needs an explicit revision, like ECS.
    const rec = ref.includes(":") ? this.resolveTaskDef(region, ref) : undefined
    if (rec === undefined) throw awsError("ClientException", "The specified task definition does not exist.")
    if (rec.status === "ACTIVE") {
      rec.status = "INACTIVE"
      rec.deregisteredAt = now
    }
    return { taskDefinition: this.toTaskDefinition(rec) }
  }

  describeServices(region: string, input: DescribeServicesRequest, now: number): DescribeServicesResponse {
    const names: unknown = input.services
    if (!Array.isArray(names) || names.length === 0) throw awsError("InvalidParameterException", "Services cannot be empty.")
    if (names.length > 10) throw awsError("InvalidParameterException", "Services cannot contain more than 10 elements.")
    const cluster = this.requireCluster(region, input.cluster)
    const services: Array<Service> = []
    const failures: Array<Failure> = []
    for (const n of names) {
      const name = typeof n === "string" ? shortName(n) : ""
      const svc = cluster.services.get(name)
      if (svc === undefined) {
        failures.push({ arn: `arn:aws:ecs:${cluster.region}:${this.accountId}:service/${cluster.name}/${name}`, reason: "MISSING" })
      } else {
        services.push(this.toService(svc, now))
      }
    }
    return { services, failures }
  }

  updateService(region: string, input: UpdateServiceRequest, now: number): UpdateServiceResponse {
    const cluster = this.requireCluster(region, input.cluster)
    const svc = this.requireService(cluster, input.service)
    if (svc.status !== "ACTIVE") throw awsError("ServiceNotActiveException", "Service was not ACTIVE.")
    let tdArn = svc.taskDefinitionArn
    if (input.taskDefinition !== undefined) {
      const td = this.resolveTaskDef(cluster.region, input.taskDefinition)
      if (td === undefined) throw awsError("ClientException", "TaskDefinition not found.")
      if (td.status !== "ACTIVE") throw awsError("ClientException", "TaskDefinition is inactive.")
      tdArn = td.arn
    }
    const countChanged = input.desiredCount !== undefined && input.desiredCount !== svc.desiredCount
    if (input.desiredCount !== undefined) {
      if (!Number.isInteger(input.desiredCount) || input.desiredCount < 0) {
        throw awsError("InvalidParameterException", "desiredCount must be a non-negative integer.")
      }
      svc.desiredCount = input.desiredCount
    }
    if (tdArn !== svc.taskDefinitionArn || input.forceNewDeployment === true) {
      this.startDeployment(svc, tdArn, now, false)
    } else if (countChanged) {
      this.scalePrimary(svc, now)
    }
    return { service: this.toService(svc, now) }
  }

  listTasks(region: string, input: ListTasksRequest, now: number): ListTasksResponse {
    const cluster = this.requireCluster(region, input.cluster)
    const services =
      input.serviceName === undefined ? [...cluster.services.values()] : [this.requireService(cluster, input.serviceName)]
    const wanted = input.desiredStatus === "STOPPED" ? "STOPPED" : "RUNNING"
    const family = input.family
    const tasks = services
      .flatMap((s) => s.tasks)
      .filter((t) => desiredStatus(t, now) === wanted)
      .filter((t) => family === undefined || this.taskDefByArn(t.taskDefinitionArn)?.family === family)
      .sort((a, b) => a.seq - b.seq)
    const p = page(tasks, input.nextToken, input.maxResults, 100, 100, "InvalidParameterException")
    const out: ListTasksResponse = { taskArns: p.items.map((t) => t.arn) }
    if (p.next !== undefined) out.nextToken = p.next
    return out
  }

  describeTasks(region: string, input: DescribeTasksRequest, now: number): DescribeTasksResponse {
    const refs: unknown = input.tasks
    if (!Array.isArray(refs) || refs.length === 0) throw awsError("InvalidParameterException", "Tasks cannot be empty.")
    if (refs.length > 100) throw awsError("InvalidParameterException", "Tasks cannot contain more than 100 elements.")
    const cluster = this.requireCluster(region, input.cluster)
    const tasks: Array<Task> = []
    const failures: Array<Failure> = []
    for (const ref of refs) {
      const key = typeof ref === "string" ? ref : ""
      const hit = this.taskIndex.get(key)
      if (hit === undefined || hit.service.cluster !== cluster) {
        failures.push({ arn: key, reason: "MISSING" })
      } else {
        tasks.push(this.toTask(hit.service, hit.task, now))
      }
    }
    return { tasks, failures }
  }

  listServices(region: string, input: ListServicesRequest): ListServicesResponse {
    const cluster = this.requireCluster(region, input.cluster)
    const arns = [...cluster.services.values()].filter((s) => s.status !== "INACTIVE").map((s) => s.arn)
    const p = page(arns, input.nextToken, input.maxResults, 10, 100, "InvalidParameterException")
    const out: ListServicesResponse = { serviceArns: p.items }
    if (p.next !== undefined) out.nextToken = p.next
    return out
  }

  describeClusters(region: string, input: DescribeClustersRequest): DescribeClustersResponse {
    const refs = input.clusters === undefined || input.clusters.length === 0 ? ["default"] : input.clusters
    const clusters: Array<Cluster> = []
    const failures: Array<Failure> = []
    for (const ref of refs) {
      const c = this.findCluster(region, ref)
      if (c === undefined) {
        failures.push({ arn: ref.startsWith("arn:") ? ref : `arn:aws:ecs:${region}:${this.accountId}:cluster/${ref}`, reason: "MISSING" })
      } else {
        const services = [...c.services.values()]
        const counts = services.flatMap((s) => s.tasks).map((t) => taskStatus(t, this.lastNow))
        clusters.push({
          clusterArn: c.arn,
          clusterName: c.name,
          status: "ACTIVE",
          activeServicesCount: services.filter((s) => s.status === "ACTIVE").length,
          runningTasksCount: counts.filter((s) => s === "RUNNING").length,
          pendingTasksCount: counts.filter((s) => s === "PENDING" || s === "PROVISIONING").length,
          registeredContainerInstancesCount: 0
        })
      }
    }
    return { clusters, failures }
  }

  // ---------------------------------------------------------------- EventBridge operations

  listTargetsByRule(region: string, input: ListTargetsByRuleRequest): ListTargetsByRuleResponse {
    const rule = this.requireRule(region, input.Rule)
    const p = page(rule.targets, input.NextToken, input.Limit, 100, 100, "ValidationException")
    const out: ListTargetsByRuleResponse = { Targets: clone(p.items) }
    if (p.next !== undefined) out.NextToken = p.next
    return out
  }

  putTargets(region: string, input: PutTargetsRequest): PutTargetsResponse {
    const rule = this.requireRule(region, input.Rule)
    const targets: unknown = input.Targets
    if (!Array.isArray(targets) || targets.length === 0 || targets.length > 10) {
      throw awsError("ValidationException", "Targets must contain between 1 and 10 items.")
    }
    const injected = this.takeEntryFailure(region, { ...input })
    const failed: Array<PutTargetsResultEntry> = []
    for (const given of input.Targets ?? []) {
      // Over HTTP the body is unchecked JSON: check what the SDK model requires.
      if (!isRecord(given) || typeof given.Id !== "string" || typeof given.Arn !== "string") {
        throw awsError("ValidationException", "Each target needs an Id and an Arn.")
      }
      const target = clone(given)
      if (injected !== undefined) {
        failed.push({
          TargetId: target.Id,
          ErrorCode: injected.spec.code ?? "ConcurrentModificationException",
          ErrorMessage: injected.spec.message ?? "Injected entry failure."
        })
        continue
      }
      const i = rule.targets.findIndex((x) => x.Id === target.Id)
      if (i >= 0) rule.targets[i] = target
      else rule.targets.push(target)
    }
    return { FailedEntryCount: failed.length, FailedEntries: failed }
  }

  describeRule(region: string, input: DescribeRuleRequest): DescribeRuleResponse {
    const r = this.requireRule(region, input.Name)
    return { ...this.toRule(r), CreatedBy: this.accountId }
  }

  listRules(region: string, input: ListRulesRequest): ListRulesResponse {
    const prefix = input.NamePrefix ?? ""
    const rules = [...this.rules.values()]
      .filter((r) => r.region === region && r.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => this.toRule(r))
    const p = page(rules, input.NextToken, input.Limit, 100, 100, "ValidationException")
    const out: ListRulesResponse = { Rules: p.items }
    if (p.next !== undefined) out.NextToken = p.next
    return out
  }

  // ---------------------------------------------------------------- STS

  /** `wallNow` dates the credentials' Expiration: SDK credential caches compare it with real time. */
  assumeRole(input: AssumeRoleRequest, wallNow: number): AssumeRoleResponse {
    const roleArn = input.RoleArn ?? ""
    const m = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn)
    if (m === null) throw awsError("ValidationError", `${roleArn} is not a valid role ARN.`)
    const session = input.RoleSessionName ?? ""
    if (!/^[\w+=,.@-]{2,64}$/.test(session)) throw awsError("ValidationError", "Invalid RoleSessionName.")
    const n = this.next()
    const accessKeyId = `ASIASIMU${n.toString().padStart(12, "0")}`
    this.issued.set(accessKeyId, { accessKeyId, roleArn, sessionName: session })
    const duration = input.DurationSeconds ?? 3600
    return {
      Credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: `simsecret${n}`,
        SessionToken: `simsession${n}`,
        Expiration: new Date(wallNow + duration * 1000)
      },
      AssumedRoleUser: {
        AssumedRoleId: `AROASIMU${n.toString().padStart(12, "0")}:${session}`,
        Arn: `arn:aws:sts::${m[1] ?? this.accountId}:assumed-role/${m[2] ?? "role"}/${session}`
      }
    }
  }
}
