/**
 * The simulator's state: clusters and their services, task definitions, rules, the task
 * index, and the lookups every operation shares (by name or ARN, region-aware, like AWS).
 */
import type { RegisterTaskDefinitionRequest, Tag } from "@aws-sdk/client-ecs"
import { imageTag } from "./Behaviour.js"
import type { SimLatitude } from "./Choices.js"
import { awsError, shortName } from "./Faults.js"
import {
  clone,
  type ClusterRec,
  isRecord,
  parseArn,
  type RuleRec,
  type ServiceRec,
  type TaskDefRec,
  type TaskRec
} from "./Records.js"

export class SimStore {
  readonly clusters = new Map<string, ClusterRec>()
  readonly taskDefs = new Map<string, Array<TaskDefRec>>()
  readonly rules = new Map<string, RuleRec>()
  readonly taskIndex = new Map<string, { readonly task: TaskRec; readonly service: ServiceRec }>()
  /** Service revision ARN -> the task definition it ran (DescribeServiceRevisions). */
  readonly serviceRevisions = new Map<string, string>()
  /** Images the registry does not have (ECR): every other image is there, as if pushed. */
  readonly missingImages = new Set<string>()
  /** The latest time any operation ran at: time never goes backwards. */
  lastNow = Number.NEGATIVE_INFINITY
  private counter = 0

  constructor(readonly accountId: string, readonly defaultRegion: string, readonly latitude: SimLatitude) {}

  /** A fresh number for ids (tasks, deployments, events, credentials). */
  next(): number {
    return ++this.counter
  }

  deploymentId(): string {
    return `ecs-svc/${(1000000000000000000n + BigInt(this.next())).toString()}`
  }

  // ---------------------------------------------------------------- clusters and services

  private clusterKey(region: string, name: string): string {
    return `${region}/${name}`
  }

  addCluster(name: string, region: string): string {
    const key = this.clusterKey(region, name)
    const existing = this.clusters.get(key)
    if (existing !== undefined) return existing.arn
    const arn = `arn:aws:ecs:${region}:${this.accountId}:cluster/${name}`
    this.clusters.set(key, { name, region, arn, services: new Map() })
    return arn
  }

  /** A cluster by name or ARN (the ARN's region wins). */
  findCluster(region: string, nameOrArn: string): ClusterRec | undefined {
    const arn = nameOrArn.startsWith("arn:") ? parseArn(nameOrArn) : undefined
    const r = arn?.region ?? region
    return this.clusters.get(this.clusterKey(r, shortName(nameOrArn)))
  }

  /** For inspection helpers without a region: the default region first, then any. */
  findClusterAnywhere(nameOrArn: string, region?: string): ClusterRec | undefined {
    if (region !== undefined || nameOrArn.startsWith("arn:")) {
      return this.findCluster(region ?? this.defaultRegion, nameOrArn)
    }
    const here = this.findCluster(this.defaultRegion, nameOrArn)
    if (here !== undefined) return here
    for (const c of this.clusters.values()) if (c.name === nameOrArn) return c
    return undefined
  }

  /** A service for inspection helpers (see `findClusterAnywhere`). */
  findServiceAnywhere(cluster: string, name: string, region?: string): ServiceRec | undefined {
    return this.findClusterAnywhere(cluster, region)?.services.get(shortName(name))
  }

  requireCluster(region: string, cluster: string | undefined): ClusterRec {
    const c = this.findCluster(region, cluster ?? "default")
    if (c === undefined) throw awsError("ClusterNotFoundException", "Cluster not found.")
    return c
  }

  requireService(c: ClusterRec, service: string | undefined): ServiceRec {
    if (service === undefined || service === "") throw awsError("InvalidParameterException", "Service cannot be empty.")
    const svc = c.services.get(shortName(service))
    if (svc === undefined) throw awsError("ServiceNotFoundException", "Service not found.")
    return svc
  }

  *allServices(): Iterable<ServiceRec> {
    for (const c of this.clusters.values()) yield* c.services.values()
  }

  // ---------------------------------------------------------------- task definitions

  resolveTaskDef(region: string, ref: string): TaskDefRec | undefined {
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

  taskDefByArn(arn: string): TaskDefRec | undefined {
    const parsed = parseArn(arn)
    return parsed === undefined ? undefined : this.resolveTaskDef(parsed.region, arn)
  }

  imageTagsOf(tdArn: string): ReadonlyArray<string> {
    const td = this.taskDefByArn(tdArn)
    return (td?.input.containerDefinitions ?? []).map((c) => imageTag(c.image ?? ""))
  }

  /** A new revision of the family, checked like RegisterTaskDefinition checks it. */
  register(
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

  // ---------------------------------------------------------------- rules

  ruleKey(region: string, eventBusName: string, name: string): string {
    return `${region}/${eventBusName}/${name}`
  }

  /**
   * Where a rule reference points: a rule ARN (`rule/<name>` on the default bus,
   * `rule/<bus>/<name>` on another) carries region and bus; a name is on `eventBus`
   * (a name or an event-bus ARN), by default the default bus.
   */
  ruleRef(
    region: string,
    nameOrArn: string,
    eventBus: string | undefined
  ): { readonly region: string; readonly eventBusName: string; readonly name: string } {
    const arn = nameOrArn.startsWith("arn:") ? parseArn(nameOrArn) : undefined
    if (arn !== undefined) {
      const parts = arn.resource.split("/")
      return {
        region: arn.region,
        eventBusName: parts.length >= 3 ? parts[1] ?? "default" : "default",
        name: shortName(nameOrArn)
      }
    }
    return { region, eventBusName: this.eventBusOf(eventBus), name: nameOrArn }
  }

  /** An EventBusName parameter (a name or an event-bus ARN) as a bus name; absent: `default`. */
  eventBusOf(eventBus: string | undefined): string {
    return eventBus === undefined || eventBus === "" ? "default" : shortName(eventBus)
  }

  findRule(region: string, nameOrArn: string | undefined, eventBus?: string): RuleRec | undefined {
    if (nameOrArn === undefined) return undefined
    const ref = this.ruleRef(region, nameOrArn, eventBus)
    return this.rules.get(this.ruleKey(ref.region, ref.eventBusName, ref.name))
  }

  requireRule(region: string, nameOrArn: string | undefined, eventBus?: string): RuleRec {
    if (nameOrArn === undefined || nameOrArn === "") throw awsError("ValidationException", "Rule name is required.")
    const rule = this.findRule(region, nameOrArn, eventBus)
    if (rule === undefined) {
      const ref = this.ruleRef(region, nameOrArn, eventBus)
      throw awsError("ResourceNotFoundException", `Rule ${ref.name} does not exist on EventBus ${ref.eventBusName}.`)
    }
    return rule
  }
}
