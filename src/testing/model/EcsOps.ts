/**
 * The ECS operations as AWS answers them, over the store and the rollout engine.
 * DescribeServices may lag behind UpdateService (eventual consistency), per service or for all.
 */
import type {
  Cluster,
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
  Failure,
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
  TagResourceRequest,
  TagResourceResponse,
  Task,
  UntagResourceRequest,
  UntagResourceResponse,
  UpdateServiceRequest,
  UpdateServiceResponse
} from "@aws-sdk/client-ecs"
import { awsError, shortName } from "./Faults.js"
import { page } from "./Paging.js"
import { clone, desiredStatus, isRecord, parseArn, secs, type ServiceRec, taskStatus } from "./Records.js"
import type { SimRollouts } from "./Rollouts.js"
import { toService, toStaleService, toTask, toTaskDefinition } from "./Shapes.js"
import type { SimStore } from "./Store.js"

/** A service by cluster (name or ARN) and name (or ARN); region default: the ARN's, else the model's default. */
export interface ServiceKey {
  readonly cluster: string
  readonly service: string
  readonly region?: string | undefined
}

const checkSeconds = (seconds: number): number => {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`describe lag must be a non-negative number of seconds, got ${seconds}`)
  }
  return seconds
}

export class SimEcsOps {
  private lagSeconds: number
  private readonly lagByService = new Map<string, number>()

  constructor(
    private readonly store: SimStore,
    private readonly rollouts: SimRollouts,
    describeLagSeconds: number = 0
  ) {
    this.lagSeconds = checkSeconds(describeLagSeconds)
  }

  // ---------------------------------------------------------------- eventual consistency

  private lagKey(key: ServiceKey): string {
    const region = key.region ?? (key.cluster.startsWith("arn:") ? parseArn(key.cluster)?.region : undefined) ??
      this.store.defaultRegion
    return `${region}/${shortName(key.cluster)}/${shortName(key.service)}`
  }

  /**
   * How long after an UpdateService DescribeServices keeps answering the service as it was
   * before: for one service (existing or not yet added), or the default for all.
   */
  setDescribeLag(seconds: number, service?: ServiceKey): void {
    if (service === undefined) this.lagSeconds = checkSeconds(seconds)
    else this.lagByService.set(this.lagKey(service), checkSeconds(seconds))
  }

  lagOf(svc: ServiceRec): number {
    return this.lagByService.get(
      this.lagKey({ region: svc.cluster.region, cluster: svc.cluster.name, service: svc.name })
    ) ??
      this.lagSeconds
  }

  /** What DescribeServices answers for the service at `now`: the kept view while it lags, else the current one. */
  private described(svc: ServiceRec, now: number): Service {
    const stale = svc.staleView
    const lat = this.store.latitude
    return stale !== undefined && now < stale.until
      ? toStaleService(svc, stale.view, now, lat)
      : toService(svc, now, lat)
  }

  /** Keeps the view from before an update for the lag; within one lag window the oldest view stays. */
  private keepView(svc: ServiceRec, now: number): void {
    const lag = this.lagOf(svc)
    if (lag <= 0) return
    if (svc.staleView === undefined || now >= svc.staleView.until) {
      svc.staleView = { view: this.described(svc, now), until: now + secs(lag) }
    } else {
      svc.staleView.until = now + secs(lag)
    }
  }

  // ---------------------------------------------------------------- task definitions

  registerTaskDefinition(
    region: string,
    input: RegisterTaskDefinitionRequest,
    now: number
  ): RegisterTaskDefinitionResponse {
    const rec = this.store.register(region, input, undefined, now)
    return { taskDefinition: toTaskDefinition(this.store, rec), tags: clone([...rec.tags]) }
  }

  describeTaskDefinition(region: string, input: DescribeTaskDefinitionRequest): DescribeTaskDefinitionResponse {
    const ref = input.taskDefinition
    const rec = typeof ref === "string" && ref !== "" ? this.store.resolveTaskDef(region, ref) : undefined
    if (rec === undefined) throw awsError("ClientException", "Unable to describe task definition.")
    const withTags = (input.include ?? []).includes("TAGS")
    return withTags
      ? { taskDefinition: toTaskDefinition(this.store, rec), tags: clone([...rec.tags]) }
      : { taskDefinition: toTaskDefinition(this.store, rec) }
  }

  /** ListTaskDefinitions of one family (`familyPrefix` matched exactly, as gehen asks), ACTIVE by default. */
  listTaskDefinitions(region: string, input: ListTaskDefinitionsRequest): ListTaskDefinitionsResponse {
    const status = input.status ?? "ACTIVE"
    const revisions = [...this.store.taskDefs.entries()]
      .filter(([key]) =>
        key.startsWith(`${region}/`) &&
        (input.familyPrefix === undefined || key.slice(region.length + 1).startsWith(input.familyPrefix))
      )
      .flatMap(([, revs]) => revs)
      .filter((r) => r.status === status)
      .sort((a, b) => (a.family === b.family ? a.revision - b.revision : a.family < b.family ? -1 : 1))
    const ordered = input.sort === "DESC" ? revisions.reverse() : revisions
    const p = page(
      ordered.map((r) => r.arn),
      input.nextToken,
      input.maxResults,
      100,
      100,
      "InvalidParameterException",
      this.store.latitude
    )
    const out: ListTaskDefinitionsResponse = { taskDefinitionArns: p.items }
    if (p.next !== undefined) out.nextToken = p.next
    return out
  }

  deregisterTaskDefinition(
    region: string,
    input: DeregisterTaskDefinitionRequest,
    now: number
  ): DeregisterTaskDefinitionResponse {
    const ref = input.taskDefinition ?? ""
    // Deregistering needs an explicit revision, like ECS.
    const rec = ref.includes(":") ? this.store.resolveTaskDef(region, ref) : undefined
    if (rec === undefined) throw awsError("ClientException", "The specified task definition does not exist.")
    if (rec.status === "ACTIVE") {
      rec.status = "INACTIVE"
      rec.deregisteredAt = now
    }
    return { taskDefinition: toTaskDefinition(this.store, rec) }
  }

  /** The task definition a tagging call names: its full ARN, in the call's region. */
  private taggable(region: string, resourceArn: unknown) {
    const arn = typeof resourceArn === "string" ? resourceArn : ""
    const parsed = parseArn(arn)
    if (parsed === undefined || !parsed.resource.startsWith("task-definition/")) {
      throw awsError(
        "InvalidParameterException",
        "The simulator tags task definitions only (a task-definition ARN with its revision)."
      )
    }
    const rec = parsed.region === region ? this.store.taskDefByArn(arn) : undefined
    if (rec === undefined) throw awsError("ClientException", "The specified task definition does not exist.")
    return rec
  }

  /** TagResource: adds or overwrites tags, as ECS checks them (at most 50; `aws:` reserved; key 1-128, value 0-256 characters). */
  tagResource(region: string, input: TagResourceRequest): TagResourceResponse {
    const rec = this.taggable(region, input.resourceArn)
    const tags: unknown = input.tags
    if (!Array.isArray(tags) || tags.length === 0) throw awsError("InvalidParameterException", "Tags cannot be empty.")
    const next = new Map(rec.tags.map((t) => [t.key ?? "", t.value ?? ""]))
    for (const t of tags) {
      const key = isRecord(t) && typeof t["key"] === "string" ? t["key"] : ""
      const value = isRecord(t) && typeof t["value"] === "string" ? t["value"] : ""
      if (key.length < 1 || key.length > 128 || value.length > 256) {
        throw awsError("InvalidParameterException", "Invalid tag key or value.")
      }
      if (/^aws:/i.test(key)) throw awsError("InvalidParameterException", "Tag keys beginning with aws: are reserved.")
      next.set(key, value)
    }
    if ([...next.keys()].filter((k) => !/^aws:/i.test(k)).length > 50) {
      throw awsError("InvalidParameterException", "A resource can have at most 50 tags.")
    }
    rec.tags = [...next].map(([key, value]) => ({ key, value }))
    return {}
  }

  /** UntagResource: removes the named keys (absent ones are ignored). */
  untagResource(region: string, input: UntagResourceRequest): UntagResourceResponse {
    const rec = this.taggable(region, input.resourceArn)
    const keys = new Set(input.tagKeys ?? [])
    rec.tags = rec.tags.filter((t) => !keys.has(t.key ?? ""))
    return {}
  }

  listTagsForResource(region: string, input: ListTagsForResourceRequest): ListTagsForResourceResponse {
    return { tags: clone(this.taggable(region, input.resourceArn).tags) }
  }

  // ---------------------------------------------------------------- services

  describeServices(region: string, input: DescribeServicesRequest, now: number): DescribeServicesResponse {
    const names: unknown = input.services
    if (!Array.isArray(names) || names.length === 0) {
      throw awsError("InvalidParameterException", "Services cannot be empty.")
    }
    if (names.length > 10) throw awsError("InvalidParameterException", "Services cannot contain more than 10 elements.")
    const cluster = this.store.requireCluster(region, input.cluster)
    const services: Array<Service> = []
    const failures: Array<Failure> = []
    for (const n of names) {
      const name = typeof n === "string" ? shortName(n) : ""
      const svc = cluster.services.get(name)
      if (svc === undefined) {
        failures.push({
          arn: `arn:aws:ecs:${cluster.region}:${this.store.accountId}:service/${cluster.name}/${name}`,
          reason: "MISSING"
        })
      } else {
        services.push(this.described(svc, now))
      }
    }
    return { services: this.store.latitude.order(services, (x) => x.serviceName ?? ""), failures }
  }

  /** Answers the service as it is now (the new deployment PRIMARY), however DescribeServices lags. */
  updateService(region: string, input: UpdateServiceRequest, now: number): UpdateServiceResponse {
    const cluster = this.store.requireCluster(region, input.cluster)
    const svc = this.store.requireService(cluster, input.service)
    if (svc.status !== "ACTIVE") throw awsError("ServiceNotActiveException", "Service was not ACTIVE.")
    if (input.taskDefinition !== undefined && svc.deploymentController !== "ECS") {
      throw awsError(
        "InvalidParameterException",
        `Unable to update task definition on services with a ${svc.deploymentController} deployment controller. ` +
          "Use AWS CodeDeploy to trigger a new deployment."
      )
    }
    let tdArn = svc.taskDefinitionArn
    if (input.taskDefinition !== undefined) {
      const td = this.store.resolveTaskDef(cluster.region, input.taskDefinition)
      if (td === undefined) throw awsError("ClientException", "TaskDefinition not found.")
      if (td.status !== "ACTIVE") throw awsError("ClientException", "TaskDefinition is inactive.")
      tdArn = td.arn
    }
    if (input.desiredCount !== undefined && (!Number.isInteger(input.desiredCount) || input.desiredCount < 0)) {
      throw awsError("InvalidParameterException", "desiredCount must be a non-negative integer.")
    }
    this.keepView(svc, now)
    const countChanged = input.desiredCount !== undefined && input.desiredCount !== svc.desiredCount
    if (input.desiredCount !== undefined) svc.desiredCount = input.desiredCount
    // Only the ECS controller runs rolling deployments; the others change the count alone.
    const redeploy = tdArn !== svc.taskDefinitionArn || input.forceNewDeployment === true
    if (redeploy && svc.deploymentController === "ECS") {
      this.rollouts.startDeployment(svc, tdArn, now, false)
    } else if (countChanged) {
      this.rollouts.scalePrimary(svc, now)
    }
    return { service: toService(svc, now, this.store.latitude) }
  }

  listServices(region: string, input: ListServicesRequest): ListServicesResponse {
    const cluster = this.store.requireCluster(region, input.cluster)
    const arns = [...cluster.services.values()].filter((s) => s.status !== "INACTIVE").map((s) => s.arn)
    const p = page(arns, input.nextToken, input.maxResults, 10, 100, "InvalidParameterException", this.store.latitude)
    const out: ListServicesResponse = { serviceArns: p.items }
    if (p.next !== undefined) out.nextToken = p.next
    return out
  }

  // ---------------------------------------------------------------- tasks and clusters

  listTasks(region: string, input: ListTasksRequest, now: number): ListTasksResponse {
    const cluster = this.store.requireCluster(region, input.cluster)
    const services = input.serviceName === undefined
      ? [...cluster.services.values()]
      : [this.store.requireService(cluster, input.serviceName)]
    const wanted = input.desiredStatus === "STOPPED" ? "STOPPED" : "RUNNING"
    const family = input.family
    const tasks = services
      .flatMap((s) => s.tasks)
      .filter((t) => desiredStatus(t, now) === wanted)
      .filter((t) => family === undefined || this.store.taskDefByArn(t.taskDefinitionArn)?.family === family)
      .sort((a, b) => a.seq - b.seq)
    const lat = this.store.latitude
    const p = page(
      lat.order(tasks, (t) => t.arn),
      input.nextToken,
      input.maxResults,
      100,
      100,
      "InvalidParameterException",
      lat
    )
    const out: ListTasksResponse = { taskArns: p.items.map((t) => t.arn) }
    if (p.next !== undefined) out.nextToken = p.next
    return out
  }

  describeTasks(region: string, input: DescribeTasksRequest, now: number): DescribeTasksResponse {
    const refs: unknown = input.tasks
    if (!Array.isArray(refs) || refs.length === 0) throw awsError("InvalidParameterException", "Tasks cannot be empty.")
    if (refs.length > 100) throw awsError("InvalidParameterException", "Tasks cannot contain more than 100 elements.")
    const cluster = this.store.requireCluster(region, input.cluster)
    const tasks: Array<Task> = []
    const failures: Array<Failure> = []
    for (const ref of refs) {
      const key = typeof ref === "string" ? ref : ""
      const hit = this.store.taskIndex.get(key)
      if (hit === undefined || hit.service.cluster !== cluster) {
        failures.push({ arn: key, reason: "MISSING" })
      } else {
        tasks.push(toTask(this.store, hit.service, hit.task, now, this.store.latitude))
      }
    }
    return { tasks: this.store.latitude.order(tasks, (t) => t.taskArn ?? ""), failures }
  }

  describeClusters(region: string, input: DescribeClustersRequest): DescribeClustersResponse {
    const refs = input.clusters === undefined || input.clusters.length === 0 ? ["default"] : input.clusters
    const clusters: Array<Cluster> = []
    const failures: Array<Failure> = []
    for (const ref of refs) {
      const c = this.store.findCluster(region, ref)
      if (c === undefined) {
        failures.push({
          arn: ref.startsWith("arn:") ? ref : `arn:aws:ecs:${region}:${this.store.accountId}:cluster/${ref}`,
          reason: "MISSING"
        })
      } else {
        const services = [...c.services.values()]
        const counts = services.flatMap((s) => s.tasks).map((t) => taskStatus(t, this.store.lastNow))
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
}
