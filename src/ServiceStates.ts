import { Array as Arr, Effect, Request, RequestResolver } from "effect"
import { Ecs, type ServiceLookup } from "./Ecs.js"
import type { AwsCallError } from "./Errors.js"
import type { ServiceRef } from "./Targets.js"

/** The state of one service, fetched together with its cluster's other services. */
export interface GetServiceState extends Request.Request<ServiceLookup, AwsCallError> {
  readonly _tag: "GetServiceState"
  readonly ref: ServiceRef
}

export const GetServiceState = Request.tagged<GetServiceState>("GetServiceState")

/** DescribeServices takes at most 10 names of one cluster. */
const MAX_NAMES = 10

const clusterKey = (ref: ServiceRef) => `${ref.region}|${ref.cluster}`

/**
 * Resolves the requests of one round with one DescribeServices call per
 * cluster and 10 services: requests are grouped by region and cluster first,
 * since a call names one cluster.
 */
export const makeServiceStatesResolver = Effect.map(Ecs, (ecs) =>
  RequestResolver.makeBatched((requests: Arr.NonEmptyArray<GetServiceState>) => {
    const groups = Arr.groupBy(requests, (r) => clusterKey(r.ref))
    const batches = Object.values(groups).flatMap((group) => Arr.chunksOf(group, MAX_NAMES))
    return Effect.forEach(
      batches,
      (batch) => {
        const ref = batch[0]!.ref
        const names = [...new Set(batch.map((r) => r.ref.service))]
        return ecs.describeServices(ref, names).pipe(
          Effect.flatMap((found) =>
            Effect.forEach(batch, (r) => {
              const hit = found.find((f) => f.name === r.ref.service) ??
                { _tag: "Missing" as const, name: r.ref.service, reason: "not in the answer" }
              return Request.succeed(r, hit)
            }, { discard: true })
          ),
          Effect.catchAll((e) => Effect.forEach(batch, (r) => Request.fail(r, e), { discard: true }))
        )
      },
      { concurrency: "unbounded", discard: true }
    )
  })
)
