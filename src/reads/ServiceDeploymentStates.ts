import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Request from "effect/Request"
import type { ServiceRef } from "../domain/Targets.js"
import { Ecs, type ServiceDeploymentState } from "../ports/Ecs.js"
import type { AwsCallError } from "../ports/Errors.js"
import { arnBatchResolver } from "./ServiceStates.js"

/** One service deployment, fetched together with those of its cluster's other services. */
export interface GetServiceDeployment extends Request.Request<Option.Option<ServiceDeploymentState>, AwsCallError> {
  readonly _tag: "GetServiceDeployment"
  readonly ref: ServiceRef
  readonly arn: string
}

export const GetServiceDeployment = Request.tagged<GetServiceDeployment>("GetServiceDeployment")

/** DescribeServiceDeployments takes at most 20 ARNs. */
const MAX_ARNS = 20

/**
 * Resolves the requests of one round with one DescribeServiceDeployments call per
 * cluster and 20 deployments (grouped by cluster, so each cluster's reads stay within
 * its own budget). A deployment ECS does not answer is `None`.
 */
export const makeServiceDeploymentsResolver = Effect.map(
  Ecs,
  (ecs) =>
    arnBatchResolver<GetServiceDeployment, ServiceDeploymentState>({
      cluster: (r) => r.ref,
      arn: (r) => r.arn,
      max: MAX_ARNS,
      describe: (cluster, arns) => ecs.describeServiceDeployments(cluster.region, arns),
      arnOf: (d) => d.arn
    })
)
