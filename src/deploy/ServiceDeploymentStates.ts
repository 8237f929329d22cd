import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Request from "effect/Request"
import * as RequestResolver from "effect/RequestResolver"
import type { ServiceRef } from "../domain/Targets.js"
import { Ecs, type ServiceDeploymentState } from "../ports/Ecs.js"
import type { AwsCallError } from "../ports/Errors.js"

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
 * its own budget). A deployment ECS does not answer is `None`; a failed call fails its
 * chunk's requests only.
 */
export const makeServiceDeploymentsResolver = Effect.map(Ecs, (ecs) =>
  RequestResolver.makeBatched((requests: Arr.NonEmptyArray<GetServiceDeployment>) => {
    const groups = Object.values(Arr.groupBy(requests, (r) => `${r.ref.region}|${r.ref.cluster}`))
    const batches = groups.flatMap((group) => {
      const byArn = Arr.groupBy(group, (r) => r.arn)
      return Arr.chunksOf(Object.keys(byArn), MAX_ARNS).map((arns) => ({
        region: group[0]!.ref.region,
        arns,
        requests: arns.flatMap((arn) => byArn[arn]!)
      }))
    })
    return Effect.forEach(
      batches,
      ({ arns, region, requests: batch }) =>
        ecs.describeServiceDeployments(region, arns).pipe(
          Effect.flatMap((found) => {
            const byArn = new Map(found.map((d) => [d.arn, d]))
            return Effect.forEach(batch, (r) => Request.succeed(r, Option.fromNullable(byArn.get(r.arn))), { discard: true })
          }),
          Effect.catchAll((e) => Effect.forEach(batch, (r) => Request.fail(r, e), { discard: true }))
        ),
      { concurrency: "unbounded", discard: true }
    )
  })
)
