import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Request from "effect/Request"
import * as RequestResolver from "effect/RequestResolver"
import type { ClusterRef, ServiceRef } from "../domain/Targets.js"
import { Ecs, type ServiceLookup, type TaskState } from "../ports/Ecs.js"
import type { AwsCallError } from "../ports/Errors.js"

/** The state of one service, fetched together with its cluster's other services. */
export interface GetServiceState extends Request.Request<ServiceLookup, AwsCallError> {
  readonly _tag: "GetServiceState"
  readonly ref: ServiceRef
}

export const GetServiceState = Request.tagged<GetServiceState>("GetServiceState")

/** DescribeServices takes at most 10 names of one cluster. */
const MAX_NAMES = 10

const clusterKey = (ref: ClusterRef) => `${ref.region}|${ref.cluster}`

/**
 * Resolves the requests of one round with one DescribeServices call per
 * cluster and 10 services: requests are grouped by region and cluster first,
 * since a call names one cluster.
 */
export const makeServiceStatesResolver = Effect.map(
  Ecs,
  (ecs) =>
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

/** One task's state, fetched together with the other tasks its cluster's services look at in a round. */
export interface GetTaskState extends Request.Request<Option.Option<TaskState>, AwsCallError> {
  readonly _tag: "GetTaskState"
  readonly cluster: ClusterRef
  readonly taskArn: string
}

export const GetTaskState = Request.tagged<GetTaskState>("GetTaskState")

/** DescribeTasks takes at most 100 ARNs of one cluster. */
const MAX_TASKS = 100

/**
 * A resolver for "describe these ARNs" operations: the requests of one round grouped by
 * cluster, each ARN sent once however many requests ask for it, `max` ARNs a call. An
 * ARN the answer leaves out is `None`; a failed call fails its chunk's requests only.
 */
export const arnBatchResolver = <Req extends Request.Request<Option.Option<A>, AwsCallError>, A>(options: {
  readonly cluster: (request: Req) => ClusterRef
  readonly arn: (request: Req) => string
  readonly max: number
  readonly describe: (cluster: ClusterRef, arns: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<A>, AwsCallError>
  readonly arnOf: (answer: A) => string
}) =>
  RequestResolver.makeBatched((requests: Arr.NonEmptyArray<Req>) => {
    const groups = Object.values(Arr.groupBy(requests, (r) => clusterKey(options.cluster(r))))
    const batches = groups.flatMap((group) => {
      const byArn = Arr.groupBy(group, options.arn)
      return Arr.chunksOf(Object.keys(byArn), options.max).map((arns) => ({
        cluster: options.cluster(group[0]!),
        arns,
        requests: arns.flatMap((arn) => byArn[arn]!)
      }))
    })
    return Effect.forEach(
      batches,
      ({ arns, cluster, requests: batch }) =>
        options.describe(cluster, arns).pipe(
          Effect.flatMap((found) => {
            const byArn = new Map(found.map((a) => [options.arnOf(a), a]))
            const answer = (r: Request.Request<Option.Option<A>, AwsCallError>, arn: string) =>
              Request.succeed(r, Option.fromNullable(byArn.get(arn)))
            return Effect.forEach(batch, (r) => answer(r, options.arn(r)), { discard: true })
          }),
          Effect.catchAll((e) =>
            Effect.forEach(batch, (r: Request.Request<Option.Option<A>, AwsCallError>) => Request.fail(r, e), {
              discard: true
            })
          )
        ),
      { concurrency: "unbounded", discard: true }
    )
  })

/**
 * Resolves the task requests of one round with one DescribeTasks call per cluster and
 * 100 ARNs. A task ECS leaves out of its answer (long stopped, or gone between ListTasks
 * and DescribeTasks) is `None`: there is nothing to judge.
 */
export const makeTaskStatesResolver = Effect.map(Ecs, (ecs) =>
  arnBatchResolver<GetTaskState, TaskState>({
    cluster: (r) => r.cluster,
    arn: (r) => r.taskArn,
    max: MAX_TASKS,
    describe: (cluster, arns) => ecs.describeTasks(cluster, arns),
    arnOf: (t) => t.taskArn
  }))

/**
 * The states of a service's tasks, in the order asked (missing ones left out). Run
 * inside a batching `forEach` over services, the tasks of every service of a cluster
 * that looks in the same round share DescribeTasks calls. No ARNs, no call.
 */
export const getTaskStates = (
  resolver: RequestResolver.RequestResolver<GetTaskState>,
  cluster: ClusterRef,
  taskArns: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<TaskState>, AwsCallError> =>
  Effect.forEach(taskArns, (taskArn) => Effect.request(GetTaskState({ cluster, taskArn }), resolver), {
    batching: true
  }).pipe(Effect.map(Arr.getSomes))
