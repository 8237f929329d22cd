import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { Ecs, type ServiceState } from "../ports/Ecs.js"
import type { Journal } from "./Journal.js"
import type { ServiceTarget } from "./Plan.js"
import type { Phase } from "../ports/Progress.js"
import { GetServiceState, getTaskStates, makeServiceStatesResolver, makeTaskStatesResolver } from "./ServiceStates.js"
import { type ServiceRef, type TargetId, targetKey, targetLabel } from "../domain/Targets.js"
import { shortName } from "../domain/TaskDefinitionArn.js"

/** A service's new deployment failed: unhealthy tasks, ECS's circuit breaker, or it was replaced. */
export class DrainFailed extends Data.TaggedError("DrainFailed")<{
  readonly target: TargetId
  readonly reason: "unhealthy" | "circuit-breaker" | "replaced" | "missing"
  readonly detail: string
}> {
  override get message() {
    return `${targetLabel(this.target)}: ${this.detail}`
  }
}

/** Old tasks were still running when the phase deadline passed. */
export class DrainTimedOut extends Data.TaggedError("DrainTimedOut")<{
  readonly phase: Phase
  readonly timeout: Duration.Duration
  readonly pending: ReadonlyArray<{ readonly target: TargetId; readonly lastSeen: string }>
}> {
  override get message() {
    const who = this.pending.map((p) => `${targetLabel(p.target)} (${p.lastSeen})`)
    return `timed out after ${Duration.format(this.timeout)} waiting for old tasks to drain: ${who.join("; ")}`
  }
}

export type Assessment =
  | { readonly _tag: "Drained"; readonly observation: string }
  | { readonly _tag: "Waiting"; readonly observation: string }
  | { readonly _tag: "Failed"; readonly reason: DrainFailed["reason"]; readonly detail: string }

/**
 * ECS's services-stable meaning, made stricter: the only deployment left is the
 * PRIMARY one on the wanted task definition, with every desired task running.
 * A FAILED rollout (ECS's circuit breaker) or a primary deployment on another
 * task definition fails at once. `settled` says whether the new deployment must
 * be visible by now (DescribeServices is eventually consistent right after UpdateService).
 */
export const assessDrain = (state: ServiceState, taskDefinition: string, settled: boolean): Assessment => {
  const mine = state.deployments.filter((d) => d.taskDefinition === taskDefinition)
  const failed = mine.find((d) => d.rolloutState === "FAILED")
  if (failed) {
    return {
      _tag: "Failed",
      reason: "circuit-breaker",
      detail: `deployment ${failed.id} failed: ${failed.rolloutStateReason ?? "rolloutState FAILED"}`
    }
  }
  const primary = state.deployments.find((d) => d.status === "PRIMARY")
  const others = state.deployments.filter((d) => d.taskDefinition !== taskDefinition)
  const oldRunning = others.reduce((n, d) => n + d.runningCount, 0)
  if (primary && primary.taskDefinition !== taskDefinition && (mine.length > 0 || settled)) {
    return {
      _tag: "Failed",
      reason: "replaced",
      detail: `the service's primary deployment is ${shortName(primary.taskDefinition)}, not ${shortName(taskDefinition)}`
    }
  }
  if (!primary || primary.taskDefinition !== taskDefinition) {
    return { _tag: "Waiting", observation: `waiting for the deployment of ${shortName(taskDefinition)} to appear` }
  }
  const observation = `${primary.runningCount}/${primary.desiredCount} new running` +
    (primary.pendingCount > 0 ? `, ${primary.pendingCount} pending` : "") +
    (others.length > 0 ? `, old deployment${others.length > 1 ? "s" : ""} ${oldRunning} running` : "")
  const drained = state.deployments.length === 1 &&
    primary.runningCount === primary.desiredCount &&
    primary.desiredCount === state.desiredCount &&
    primary.pendingCount === 0
  return drained ? { _tag: "Drained", observation } : { _tag: "Waiting", observation }
}

export interface DrainItem {
  readonly target: ServiceTarget
  readonly ref: ServiceRef
  /** The task definition the service must settle on. */
  readonly taskDefinition: string
}

interface Watch {
  readonly item: DrainItem
  rounds: number
  failedTasks: number
  pendingRounds: number
  /** Tasks have stayed pending for a while: first in line for a look. */
  stuck: boolean
  seenEvents: ReadonlySet<string>
  lastSeen: string
}

/** Polls settle this many rounds before a missing new deployment counts as replaced. */
const SETTLE_ROUNDS = 2
/** Pending tasks that stay pending this many rounds earn a look at the tasks. */
const STUCK_ROUNDS = 3

/**
 * Whether DescribeServices gives a reason to look at the service's tasks: failed
 * tasks rising or a new health-check event ("now"); tasks stuck pending ("soon":
 * first in line for the budgeted looks); else "no".
 */
const taskLookUrge = (watch: Watch, state: ServiceState, taskDefinition: string): "now" | "soon" | "no" => {
  const mine = state.deployments.find((d) => d.taskDefinition === taskDefinition && d.status === "PRIMARY")
  if (!mine) return "no"
  const failedRose = mine.failedTasks > watch.failedTasks
  watch.failedTasks = mine.failedTasks
  watch.pendingRounds = mine.pendingCount > 0 ? watch.pendingRounds + 1 : 0
  const fresh = state.recentEvents.filter((e) => !watch.seenEvents.has(e))
  watch.seenEvents = new Set(state.recentEvents)
  const healthEvent = watch.rounds > 1 && fresh.some((e) => /unhealthy|health check/i.test(e))
  if (failedRose || healthEvent) return "now"
  watch.stuck = watch.pendingRounds >= STUCK_ROUNDS
  return watch.stuck ? "soon" : "no"
}

interface PollerOptions {
  readonly phase: Phase
  readonly journal: Journal
  /** Watch mode: only look for failures (say nothing, never finish). */
  readonly watch: boolean
}

/**
 * One poll round over the services still pending: DescribeServices batched per
 * cluster through the request resolver, then task inspection where the answer
 * gives a reason (its DescribeTasks batched per cluster the same way: the round's
 * batching forEach combines the requests its fibers block on after their ListTasks).
 * A failed poll is "not yet"; a failed deployment fails the round.
 */
const makePoller = (items: ReadonlyArray<DrainItem>, options: PollerOptions) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const resolver = yield* makeServiceStatesResolver
    const taskResolver = yield* makeTaskStatesResolver
    const { journal, phase, watch } = options
    const pending = new Map<string, Watch>(
      items.map((item) => [targetKey(item.target), {
        item,
        rounds: 0,
        failedTasks: 0,
        pendingRounds: 0,
        stuck: false,
        seenEvents: new Set<string>(),
        lastSeen: "not polled yet"
      }])
    )
    const say = (target: TargetId, message: string) => (watch ? Effect.void : journal.observe(target, phase, message))

    // Tasks ECS already stopped count too: it stops a task soon after it turns UNHEALTHY.
    // DescribeTasks goes through the resolver: the looks of one round share its calls per cluster.
    const unhealthyTask = (w: Watch) =>
      Effect.gen(function*() {
        const [running, stopped] = yield* Effect.all([ecs.listTasks(w.item.ref), ecs.listTasks(w.item.ref, "STOPPED")], {
          concurrency: 2
        })
        const arns = [...new Set([...running, ...stopped])]
        if (arns.length === 0) return Option.none<string>()
        const { cluster, region } = w.item.ref
        const tasks = yield* getTaskStates(taskResolver, { region, cluster }, arns)
        const bad = tasks.find((t) =>
          t.taskDefinitionArn === w.item.taskDefinition &&
          (t.healthStatus === "UNHEALTHY" || /health ?checks?/i.test(t.stoppedReason ?? ""))
        )
        return Option.fromNullable(bad).pipe(Option.map((t) => t.taskArn))
      }).pipe(Effect.orElseSucceed(() => Option.none<string>()))

    /**
     * A look at the tasks costs about 3 reads. Besides the looks DescribeServices gives
     * a reason for, each cluster earns half a read per DescribeServices call per round,
     * spent on a look at the service looked at least recently: rollouts whose tasks
     * turn UNHEALTHY without ECS saying so yet are found, and a healthy rollout stays
     * within 1.5 reads per 10 services per round.
     */
    const LOOK_COST = 3
    const budget = new Map<string, number>()
    const lastLook = new Map<string, number>()
    let roundNo = 0
    const clusterOf = (w: Watch) => `${w.item.ref.region}|${w.item.ref.cluster}`
    const pickLooks = (): Set<string> => {
      roundNo++
      const picks = new Set<string>()
      const byCluster = new Map<string, Array<[string, Watch]>>()
      for (const entry of pending) byCluster.set(clusterOf(entry[1]), [...(byCluster.get(clusterOf(entry[1])) ?? []), entry])
      for (const [cluster, entries] of byCluster) {
        const earned = Math.min(LOOK_COST, (budget.get(cluster) ?? 0) + 0.5 * Math.ceil(entries.length / 10))
        budget.set(cluster, earned)
        if (earned < LOOK_COST || roundNo <= SETTLE_ROUNDS) continue
        const stuck = entries.filter(([, w]) => w.stuck)
        const [key] = (stuck.length > 0 ? stuck : entries).reduce((a, b) =>
          (lastLook.get(a[0]) ?? 0) <= (lastLook.get(b[0]) ?? 0) ? a : b
        )
        picks.add(key)
      }
      return picks
    }
    const spend = (key: string, w: Watch) => {
      lastLook.set(key, roundNo)
      budget.set(clusterOf(w), (budget.get(clusterOf(w)) ?? 0) - LOOK_COST)
    }

    const pollOne = (key: string, w: Watch, picked: boolean) =>
      Effect.gen(function*() {
        const { item } = w
        w.rounds++
        const lookup = yield* Effect.either(Effect.request(GetServiceState({ ref: item.ref }), resolver))
        if (Either.isLeft(lookup)) {
          w.lastSeen = `DescribeServices failed: ${lookup.left.code}`
          return yield* say(item.target, w.lastSeen)
        }
        if (lookup.right._tag === "Missing") {
          return yield* Effect.fail(
            new DrainFailed({ target: item.target, reason: "missing", detail: `service disappeared: ${lookup.right.reason}` })
          )
        }
        const state = lookup.right.state
        const verdict = assessDrain(state, item.taskDefinition, w.rounds > SETTLE_ROUNDS)
        if (verdict._tag === "Failed") {
          return yield* Effect.fail(new DrainFailed({ target: item.target, reason: verdict.reason, detail: verdict.detail }))
        }
        if (verdict._tag === "Drained" && !watch) {
          pending.delete(key)
          return yield* journal.end(item.target, phase, "succeeded", `drained: ${verdict.observation}`)
        }
        w.lastSeen = verdict.observation
        const newTasksRun = state.deployments.some((d) => d.taskDefinition === item.taskDefinition && d.runningCount > 0)
        const urge = taskLookUrge(w, state, item.taskDefinition)
        if (urge === "now" || (picked && (newTasksRun || urge === "soon"))) {
          spend(key, w)
          const bad = yield* unhealthyTask(w)
          if (Option.isSome(bad)) {
            return yield* Effect.fail(
              new DrainFailed({
                target: item.target,
                reason: "unhealthy",
                detail: `task ${bad.value.split("/").pop()} of ${shortName(item.taskDefinition)} is UNHEALTHY`
              })
            )
          }
        }
        yield* say(item.target, verdict.observation)
      })

    const round = Effect.suspend(() => {
      const picks = pickLooks()
      return Effect.forEach([...pending], ([key, w]) => pollOne(key, w, picks.has(key)), {
        concurrency: "unbounded",
        batching: true,
        discard: true
      })
    })
    return { round, pending }
  })

/**
 * Waits until every service has drained onto its task definition. All services
 * are polled together in rounds, so DescribeServices batches up to 10 services of
 * a cluster into one call. One deadline covers the phase.
 */
export const drainCheck = (
  items: ReadonlyArray<DrainItem>,
  options: { readonly timeout: Duration.Duration; readonly interval: Duration.Duration; readonly phase: Phase; readonly journal: Journal }
): Effect.Effect<void, DrainFailed | DrainTimedOut, Ecs> =>
  Effect.gen(function*() {
    if (items.length === 0) return
    const { interval, journal, phase, timeout } = options
    for (const item of items) {
      yield* journal.start(item.target, phase, `waiting for ${shortName(item.taskDefinition)} to be the only deployment`)
    }
    const { pending, round } = yield* makePoller(items, { phase, journal, watch: false })
    const finished = yield* Effect.repeat(round, {
      schedule: Schedule.spaced(interval),
      until: () => pending.size === 0
    }).pipe(
      Effect.tapError((e) => journal.end(e.target, phase, "failed", e.detail)),
      Effect.timeoutOption(timeout)
    )
    if (Option.isSome(finished)) return
    const stuck = [...pending.values()]
    for (const w of stuck) yield* journal.end(w.item.target, phase, "failed", `timed out: ${w.lastSeen}`)
    return yield* Effect.fail(
      new DrainTimedOut({ phase, timeout, pending: stuck.map((w) => ({ target: w.item.target, lastSeen: w.lastSeen })) })
    )
  })

/**
 * Watches the deployments for failures (UNHEALTHY tasks, a FAILED rollout) while
 * another phase waits, so a broken version fails the run at once instead of at
 * that phase's deadline. Never succeeds: race it against the phase it guards.
 */
export const watchForFailures = (
  items: ReadonlyArray<DrainItem>,
  options: {
    readonly interval: Duration.Duration
    readonly journal: Journal
    /** The drain phase a failure is recorded under: "drain" (default) or "rollback-drain". */
    readonly phase?: Phase | undefined
  }
): Effect.Effect<never, DrainFailed, Ecs> => {
  const phase = options.phase ?? "drain"
  return Effect.gen(function*() {
    const { round } = yield* makePoller(items, { phase, journal: options.journal, watch: true })
    return yield* Effect.forever(Effect.zipRight(round, Effect.sleep(options.interval)))
  }).pipe(
    Effect.tapError((e) =>
      options.journal.start(e.target, phase, "watching the new deployment").pipe(
        Effect.zipRight(options.journal.end(e.target, phase, "failed", e.detail))
      )
    )
  )
}
