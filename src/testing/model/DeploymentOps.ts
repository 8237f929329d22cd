/**
 * The service deployments API as AWS answers it: ListServiceDeployments,
 * DescribeServiceDeployments (at most 20 ARNs), StopServiceDeployment (stopType ROLLBACK)
 * and ContinueServiceDeployment. A deployment created within the service's describe lag
 * is not listed yet, as an eventually consistent ECS may answer.
 */
import type {
  ContinueServiceDeploymentRequest,
  ContinueServiceDeploymentResponse,
  DescribeServiceDeploymentsRequest,
  DescribeServiceDeploymentsResponse,
  DescribeServiceRevisionsRequest,
  DescribeServiceRevisionsResponse,
  Failure,
  ListServiceDeploymentsRequest,
  ListServiceDeploymentsResponse,
  ServiceDeployment,
  ServiceRevision,
  StopServiceDeploymentRequest,
  StopServiceDeploymentResponse
} from "@aws-sdk/client-ecs"
import { awsError } from "./Faults.js"
import { page } from "./Paging.js"
import type { ServiceDeploymentRec, ServiceRec } from "./Records.js"
import type { SimRollouts } from "./Rollouts.js"
import { toServiceDeployment, toServiceDeploymentBrief } from "./Shapes.js"
import type { SimStore } from "./Store.js"

const inProgress = new Set(["PENDING", "IN_PROGRESS"])

/** A timestamp of a request: a Date (SDK input), or epoch seconds (the JSON wire), or an ISO string. */
const timeOf = (v: unknown): number | undefined =>
  v instanceof Date
    ? v.getTime()
    : typeof v === "number"
    ? Math.round(v * 1000)
    : typeof v === "string" && !Number.isNaN(Date.parse(v))
    ? Date.parse(v)
    : undefined

export class SimDeploymentOps {
  constructor(
    private readonly store: SimStore,
    private readonly rollouts: SimRollouts,
    /** The service's describe lag in ms at `now` (0 when none). */
    private readonly lagMs: (svc: ServiceRec) => number
  ) {}

  private find(arn: string | undefined): { readonly svc: ServiceRec; readonly sd: ServiceDeploymentRec } | undefined {
    if (arn === undefined) return undefined
    for (const svc of this.store.allServices()) {
      const sd = svc.serviceDeployments.find((x) => x.arn === arn)
      if (sd !== undefined) return { svc, sd }
    }
    return undefined
  }

  private require(arn: string | undefined) {
    const hit = this.find(arn)
    if (hit === undefined) {
      throw awsError("ServiceDeploymentNotFoundException", "The service deployment does not exist.")
    }
    return hit
  }

  listServiceDeployments(
    region: string,
    input: ListServiceDeploymentsRequest,
    now: number
  ): ListServiceDeploymentsResponse {
    const cluster = this.store.requireCluster(region, input.cluster)
    const svc = this.store.requireService(cluster, input.service)
    const lat = this.store.latitude
    // Over HTTP the bounds arrive as epoch seconds, from the layer face's SDK as well.
    const after = timeOf(input.createdAt?.after)
    const before = timeOf(input.createdAt?.before)
    const statuses = input.status
    const visibleBy = now - this.lagMs(svc)
    const found = svc.serviceDeployments.filter((sd) =>
      sd.createdAt <= visibleBy &&
      lat.after(sd.createdAt, after) &&
      lat.before(sd.createdAt, before) &&
      (statuses === undefined || statuses.length === 0 || statuses.some((s) => s === sd.status))
    )
    const p = page(
      lat.order([...found].reverse(), (sd) => sd.arn),
      input.nextToken,
      input.maxResults,
      20,
      100,
      "InvalidParameterException",
      lat
    )
    const out: ListServiceDeploymentsResponse = {
      serviceDeployments: p.items.map((sd) => toServiceDeploymentBrief(svc, sd, lat))
    }
    if (p.next !== undefined) out.nextToken = p.next
    return out
  }

  describeServiceDeployments(
    region: string,
    input: DescribeServiceDeploymentsRequest,
    now: number
  ): DescribeServiceDeploymentsResponse {
    const arns: unknown = input.serviceDeploymentArns
    if (!Array.isArray(arns) || arns.length === 0) {
      throw awsError("InvalidParameterException", "serviceDeploymentArns cannot be empty.")
    }
    if (arns.length > 20) {
      throw awsError("InvalidParameterException", "serviceDeploymentArns cannot contain more than 20 elements.")
    }
    const serviceDeployments: Array<ServiceDeployment> = []
    const failures: Array<Failure> = []
    for (const arn of arns) {
      const hit = typeof arn === "string" ? this.find(arn) : undefined
      if (hit === undefined || hit.svc.cluster.region !== region) failures.push({ arn: String(arn), reason: "MISSING" })
      else serviceDeployments.push(toServiceDeployment(hit.svc, hit.sd, now, this.store.latitude))
    }
    return { serviceDeployments, failures }
  }

  describeServiceRevisions(region: string, input: DescribeServiceRevisionsRequest): DescribeServiceRevisionsResponse {
    const arns: unknown = input.serviceRevisionArns
    if (!Array.isArray(arns) || arns.length === 0) {
      throw awsError("InvalidParameterException", "serviceRevisionArns cannot be empty.")
    }
    if (arns.length > 20) {
      throw awsError("InvalidParameterException", "serviceRevisionArns cannot contain more than 20 elements.")
    }
    const serviceRevisions: Array<ServiceRevision> = []
    const failures: Array<Failure> = []
    for (const arn of arns) {
      const taskDefinition = typeof arn === "string" && arn.split(":")[3] === region
        ? this.store.serviceRevisions.get(arn)
        : undefined
      if (taskDefinition === undefined) failures.push({ arn: String(arn), reason: "MISSING" })
      else serviceRevisions.push({ serviceRevisionArn: String(arn), taskDefinition })
    }
    return { serviceRevisions, failures }
  }

  stopServiceDeployment(
    _region: string,
    input: StopServiceDeploymentRequest,
    now: number
  ): StopServiceDeploymentResponse {
    const { sd, svc } = this.require(input.serviceDeploymentArn)
    if (input.stopType !== undefined && input.stopType !== "ROLLBACK") {
      throw awsError("InvalidParameterException", "stopType must be ROLLBACK.")
    }
    if (!inProgress.has(sd.status)) {
      throw awsError(
        "ConflictException",
        `The service deployment is ${sd.status}: only one in progress can be stopped.`
      )
    }
    this.rollouts.stop(svc, sd, now)
    return { serviceDeploymentArn: sd.arn }
  }

  continueServiceDeployment(
    _region: string,
    input: ContinueServiceDeploymentRequest,
    now: number
  ): ContinueServiceDeploymentResponse {
    const { sd, svc } = this.require(input.serviceDeploymentArn)
    const hook = sd.hooks.find((h) => h.hookId === input.hookId)
    if (hook === undefined) {
      throw awsError("InvalidParameterException", `No lifecycle hook ${input.hookId} on this service deployment.`)
    }
    if (hook.status !== "AWAITING_ACTION" || sd.status !== "IN_PROGRESS") {
      throw awsError("ConflictException", `The lifecycle hook is ${hook.status}, not AWAITING_ACTION.`)
    }
    this.rollouts.shifts.continueHook(svc, sd, hook, input.action === "ROLLBACK" ? "ROLLBACK" : "CONTINUE", now)
    return { serviceDeploymentArn: sd.arn }
  }
}
