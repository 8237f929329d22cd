import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { failureThreshold } from "../../domain/DeploymentModel.js"
import { resourceId } from "../../domain/ResourceId.js"
import { type TargetId, targetKey, targetLabel } from "../../domain/Targets.js"
import { shortName } from "../../domain/TaskDefinitionArn.js"
import { Ecs, type ServiceState, type TaskState } from "../../ports/Ecs.js"
import type { Phase } from "../../ports/Progress.js"
import {
  GetServiceState,
  getTaskStates,
  makeServiceStatesResolver,
  makeTaskStatesResolver
} from "../../reads/ServiceStates.js"
import { RunContext } from "../run/RunContext.js"
import { assessDrain, barReason, type DrainFailure } from "./DrainAssessment.js"
import type { DrainItem } from "./DrainItem.js"
import { makeFollower } from "./Follower.js"
import { roundBudget } from "./ReadBudget.js"

/** A service's new deployment failed: unhealthy or crashing tasks, ECS's circuit breaker, or it was replaced. */
export class DrainFailed extends Data.TaggedError("DrainFailed")<{
  readonly target: TargetId
  readonly reason: DrainFailure
  readonly detail: string
}> {
  override get message() {
    return `${targetLabel(this.target)}: ${this.detail}`
  }
}

export type { DrainItem } from "./DrainItem.js"

/**
 * A look at a service's running tasks (ListTasks, then DescribeTasks), one call per
 * step, spread over rounds within the read budget. Stopped tasks need no look: ECS
 * counts them in the deployment's failedTasks, which DescribeServices shows.
 */
interface Look {
  stage: "list" | "describe"
  arns: Array<string>
  /** ListTasks has more pages: one a step. */
  nextToken?: string | undefined
}

interface Watch {
  readonly key: string
  readonly item: DrainItem
  rounds: number
  failedTasks: number
  seenEvents: ReadonlySet<string>
  lastSeen: string
  newReady: boolean
  lastLook: number
  look: Look | undefined
  newTasksRun: boolean
}

/** Polls settle this many rounds before a missing new deployment (no id known) counts as replaced. */
const SETTLE_ROUNDS = 2

/**
 * Whether DescribeServices gives a reason to look at the service's tasks now: failed
 * tasks rising, or a new health-check event.
 */
const lookUrged = (watch: Watch, state: ServiceState): boolean => {
  const id = watch.item.deployment?.id
  const mine = state.deployments.find((d) =>
    id !== undefined ? d.id === id : d.taskDefinition === watch.item.taskDefinition && d.status === "PRIMARY"
  )
  if (mine === undefined) return false
  const failedRose = mine.failedTasks > watch.failedTasks
  watch.failedTasks = mine.failedTasks
  watch.newTasksRun = mine.runningCount > 0
  const fresh = state.recentEvents.filter((e) => !watch.seenEvents.has(e))
  watch.seenEvents = new Set(state.recentEvents)
  const healthEvent = watch.rounds > 1 && fresh.some((e) => /unhealthy|health check/i.test(e))
  return failedRose || healthEvent
}

/** Stopped for a reason that says the new version does not stay up. */
const crashed = (t: TaskState) => /essential container.*exited|health ?checks?/i.test(t.stoppedReason ?? "")

/** What a finished look found: an UNHEALTHY task fails at once; stopped tasks count against the bar. */
export const judgeTasks = (
  item: DrainItem,
  tasks: ReadonlyArray<TaskState>,
  service: Pick<ServiceState, "desiredCount" | "deploymentModel">
): Option.Option<DrainFailed> => {
  const id = item.deployment?.id
  const mine = tasks.filter((t) =>
    id !== undefined && t.startedBy !== undefined ? t.startedBy === id : t.taskDefinitionArn === item.taskDefinition
  )
  const unhealthy = mine.find((t) => t.lastStatus !== "STOPPED" && t.healthStatus === "UNHEALTHY")
  if (unhealthy !== undefined) {
    return Option.some(
      new DrainFailed({
        target: item.target,
        reason: "unhealthy",
        detail: `task ${resourceId(unhealthy.taskArn)} of ${shortName(item.taskDefinition)} is UNHEALTHY`
      })
    )
  }
  const stopped = mine.filter((t) => t.lastStatus === "STOPPED" && crashed(t))
  const breaker = service.deploymentModel?.circuitBreaker
  const bar = failureThreshold(service.desiredCount, breaker)
  if (stopped.length < bar) return Option.none()
  const health = stopped.some((t) => /health/i.test(t.stoppedReason ?? ""))
  return Option.some(
    new DrainFailed({
      target: item.target,
      reason: health ? "unhealthy" : "crash-loop",
      detail: `${stopped.length} tasks of ${shortName(item.taskDefinition)} stopped (${stopped[0]!.stoppedReason}); ` +
        `the bar is ${bar}: ${barReason(breaker)}`
    })
  )
}

export interface PollerOptions {
  readonly phase: Phase
  /** Watch mode: only look for failures (say nothing, never finish). */
  readonly watch: boolean
  /** Called with each service that failed; the poller then stops watching it. Without it, a failure fails the round. */
  readonly onFailed?: ((failure: DrainFailed) => Effect.Effect<void>) | undefined
}

/**
 * One poll round over the services still pending, per cluster within its read budget
 * ({@link roundBudget}): DescribeServices batched through the request resolver (10
 * services a call), then the steps of task looks that DescribeServices gave a reason
 * for, their DescribeTasks shared by the cluster. A failed poll is "not yet".
 */
export const makePoller = (items: ReadonlyArray<DrainItem>, options: PollerOptions) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const resolver = yield* makeServiceStatesResolver
    const taskResolver = yield* makeTaskStatesResolver
    const { journal } = yield* RunContext
    const { phase, watch } = options
    const follower = yield* makeFollower(items, { phase })
    // Services still polled. Services leave it from their own polling fibers, so it is a
    // Ref (of a persistent map: a copied Map per leave would be quadratic in a large fleet);
    // each Watch record is touched only by its own service's fiber within a round.
    const pending = yield* Ref.make(HashMap.fromIterable<string, Watch>(
      items.map((item) => {
        const key = targetKey(item.target)
        return [key, {
          key,
          item,
          rounds: 0,
          failedTasks: 0,
          seenEvents: new Set<string>(),
          lastSeen: "not polled yet",
          newReady: false,
          lastLook: 0,
          look: undefined,
          newTasksRun: false
        }] as const
      })
    ))
    const leave = (key: string) => Ref.update(pending, HashMap.remove(key))
    const left: Effect.Effect<ReadonlyMap<string, Watch>> = Effect.map(Ref.get(pending), (m) => new Map(m))
    // The service each fiber last read (for a look's bar).
    const lastState = new Map<string, ServiceState>()
    const say = (target: TargetId, message: string) => (watch ? Effect.void : journal.observe(target, phase, message))
    let roundNo = 0
    const clusterOf = (w: Watch) => `${w.item.ref.region}|${w.item.ref.cluster}`

    const failed = (failure: DrainFailed) =>
      Effect.zipRight(
        leave(targetKey(failure.target)),
        options.onFailed === undefined ? Effect.fail(failure) : options.onFailed(failure)
      )

    const pollOne = (w: Watch, listing: ReadonlySet<string>) =>
      Effect.gen(function*() {
        const { item } = w
        w.rounds++
        // The service deployment's read batches with the other services' like DescribeServices.
        const [lookup, got] = yield* Effect.all([
          Effect.either(Effect.request(GetServiceState({ ref: item.ref }), resolver)),
          follower.read(item)
        ], { concurrency: "unbounded", batching: true })
        // Found now, read from the next round on.
        if (listing.has(w.key)) yield* follower.find(item)
        if (Either.isLeft(lookup)) {
          w.lastSeen = `DescribeServices failed: ${lookup.left.code}`
          return yield* say(item.target, w.lastSeen)
        }
        if (lookup.right._tag === "Missing") {
          return yield* failed(
            new DrainFailed({
              target: item.target,
              reason: "missing",
              detail: `service disappeared: ${lookup.right.reason}`
            })
          )
        }
        const state = lookup.right.state
        lastState.set(w.key, state)
        const settled = w.rounds > SETTLE_ROUNDS
        const followed = yield* follower.judge(item, state, got, settled)
        const verdict = Option.getOrElse(followed, () => assessDrain(state, item, settled, phase === "rollback-drain"))
        if (verdict._tag === "Failed") {
          return yield* failed(new DrainFailed({ target: item.target, reason: verdict.reason, detail: verdict.detail }))
        }
        if (verdict._tag === "Drained" && !watch) {
          yield* leave(w.key)
          return yield* journal.end(item.target, phase, "succeeded", `drained: ${verdict.observation}`)
        }
        w.lastSeen = verdict.observation
        w.newReady = verdict._tag === "Drained" || verdict.newReady
        if (lookUrged(w, state) && w.look === undefined) w.look = { stage: "list", arns: [] }
        yield* say(item.target, verdict.observation)
      })

    /** One call of a look; the DescribeTasks step runs for every service of the cluster at that stage at once. */
    const listStep = (w: Watch, look: Look) =>
      Effect.gen(function*() {
        // One page a step, so a round stays in its budget however AWS pages the answer.
        const page = yield* ecs.listTasksPage(w.item.ref, { desiredStatus: "RUNNING", nextToken: look.nextToken }).pipe(
          Effect.option
        )
        if (Option.isNone(page)) {
          look.stage = "describe"
          return
        }
        look.arns.push(...page.value.taskArns)
        look.nextToken = page.value.nextToken
        if (look.nextToken === undefined) look.stage = "describe"
      })
    const describeStep = (w: Watch, look: Look) =>
      Effect.gen(function*() {
        w.look = undefined
        w.lastLook = roundNo
        const arns = [...new Set(look.arns)]
        if (arns.length === 0) return
        const tasks = yield* getTaskStates(taskResolver, w.item.ref, arns).pipe(
          Effect.orElseSucceed((): ReadonlyArray<TaskState> => [])
        )
        const bad = judgeTasks(w.item, tasks, lastState.get(w.key) ?? { desiredCount: 0, deploymentModel: undefined })
        if (Option.isSome(bad)) yield* failed(bad.value)
      })

    /** Clusters whose last round described their services (with no spare read, looks take turns with it). */
    const describedLast = new Set<string>()

    /** The cluster's share of the round: which services describe, which look steps run. */
    const plan = (cluster: string, watches: ReadonlyArray<Watch>) => {
      const looking = watches.filter((w) => w.look !== undefined)
      const spare = roundBudget(watches.length, true).describe > 0
      // A periodic look finds tasks turning UNHEALTHY before ECS says so, where the budget has room.
      if (looking.length === 0 && spare && roundNo > SETTLE_ROUNDS) {
        const next = watches.filter((w) => w.newTasksRun).sort((a, b) => a.lastLook - b.lastLook)[0]
        if (next !== undefined && roundNo - next.lastLook > SETTLE_ROUNDS) {
          next.look = { stage: "list", arns: [] }
          looking.push(next)
        }
      }
      // Without a spare read, a look step takes a round only after a round that described: never two in a row.
      const budget = roundBudget(watches.length, looking.length > 0 && (spare || describedLast.has(cluster)))
      if (budget.describe > 0) describedLast.add(cluster)
      else describedLast.delete(cluster)
      let steps = budget.looks
      const describing = looking.filter((w) => w.look!.stage === "describe")
      const describeCost = Math.ceil(describing.reduce((n, w) => n + new Set(w.look!.arns).size, 0) / 100)
      const describes = describing.length > 0 && describeCost <= steps ? describing : []
      if (describes.length > 0) steps -= Math.max(1, describeCost)
      const lists = looking.filter((w) => w.look!.stage !== "describe").slice(0, Math.max(0, steps))
      return { poll: budget.describe > 0 ? watches : [], describes, lists }
    }

    /** One round; answers the services still pending after it. */
    const round = Effect.gen(function*() {
      const before = yield* Ref.get(pending)
      roundNo++
      const byCluster = new Map<string, Array<Watch>>()
      for (const w of HashMap.values(before)) {
        const cluster = byCluster.get(clusterOf(w))
        if (cluster === undefined) byCluster.set(clusterOf(w), [w])
        else cluster.push(w)
      }
      const plans = [...byCluster].map(([cluster, watches]) => plan(cluster, watches))
      const listing = new Set<string>()
      for (const [cluster, watches] of byCluster) {
        for (const key of yield* follower.listing(cluster, watches.map((w) => w.item), roundNo)) listing.add(key)
      }
      const steps = [
        ...plans.flatMap((p) => p.lists.map((w) => listStep(w, w.look!))),
        ...plans.flatMap((p) => p.describes.map((w) => describeStep(w, w.look!)))
      ]
      yield* Effect.forEach(plans.flatMap((p) => p.poll), (w) => pollOne(w, listing), {
        concurrency: "unbounded",
        batching: true,
        discard: true
      })
      yield* Effect.all(steps, { concurrency: "unbounded", batching: true, discard: true })
      return yield* left
    })
    return { round, pending: left }
  })
