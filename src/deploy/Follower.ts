import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { servesVersion } from "../domain/ServedVersion.js"
import { targetKey } from "../domain/Targets.js"
import { Ecs, type ServiceDeploymentState, type ServiceState } from "../ports/Ecs.js"
import type { AwsCallError } from "../ports/Errors.js"
import type { Phase } from "../ports/Progress.js"
import {
  continueCommand,
  notOffered,
  revisionMatches,
  shiftsTraffic,
  startedServiceDeployment
} from "../ports/ServiceDeployments.js"
import { VersionProbe } from "../ports/VersionProbe.js"
import type { Assessment } from "./DrainAssessment.js"
import type { DrainItem } from "./DrainItem.js"
import { assessFollowed, assessRollback, type HookView, stageText } from "./FollowAssessment.js"
import type { Journal } from "./Journal.js"
import { readsPerRound } from "./ReadBudget.js"
import { GetServiceDeployment, makeServiceDeploymentsResolver } from "./ServiceDeploymentStates.js"

/** How a service is followed: not at all (rolling), finding its deployment, following it, or without the API. */
type FollowState =
  | { readonly mode: "off" }
  | { readonly mode: "find" }
  | { readonly mode: "follow"; readonly arn: string; readonly verified: boolean }
  | { readonly mode: "fallback" }

/** What gehen last saw of a followed service deployment. */
export interface FollowView {
  readonly sd: ServiceDeploymentState
  /** The stage in words ("baking, 4 of 10 min"), with a waiting hook. */
  readonly text: string
}

export interface FollowOptions {
  readonly journal: Journal
  readonly phase: Phase
  /** Each service deployment seen, by target key (stages for the report, the version check's gate). */
  readonly onServiceDeployment?: ((key: string, view: FollowView) => Effect.Effect<void>) | undefined
  /** True the first time the run finds the service deployments API not offered (it says so once). */
  readonly firstNotice?: Effect.Effect<boolean> | undefined
}

/** The stage a paused hook waits at for gehen's answer: the test listener has the green tasks. */
const GATE_STAGE = "POST_TEST_TRAFFIC_SHIFT"

/** This round's read of a followed deployment: none, or the answer (an error, or the deployment if ECS knows it). */
export type FollowRead = Option.Option<Either.Either<Option.Option<ServiceDeploymentState>, AwsCallError>>

/**
 * Follows the service deployments of traffic-shifting services (BLUE_GREEN, LINEAR,
 * CANARY): finds the one each UpdateService started, reads it in each round batched
 * through a request resolver, answers a PAUSE hook at POST_TEST_TRAFFIC_SHIFT for
 * services with a `testUrl`, and judges the service by it. Where the API is not
 * offered, the service is judged by DescribeServices' deployments, as rolling ones are.
 */
export const makeFollower = (items: ReadonlyArray<DrainItem>, options: FollowOptions) =>
  Effect.gen(function*() {
    const ecs = yield* Ecs
    const probe = yield* VersionProbe
    const resolver = yield* makeServiceDeploymentsResolver
    // Each entry is touched only by its own service's fiber within a round.
    const states = new Map<string, FollowState>(items.map((item) => {
      const model = item.model
      const arn = item.deployment?.serviceDeploymentArn
      const state: FollowState = item.rollbackOf !== undefined
        ? { mode: "follow", arn: item.rollbackOf, verified: true }
        : model === undefined || !shiftsTraffic(model.strategy) || item.deployment === undefined
        ? { mode: "off" }
        : arn !== undefined
        ? { mode: "follow", arn, verified: false }
        : { mode: "find" }
      return [targetKey(item.target), state]
    }))
    const stageSince = new Map<string, { readonly stage: string; readonly at: number }>()
    const answered = new Set<string>()
    const listedLast = new Set<string>()
    /** Clusters listing this round: their reads of followed deployments wait a round, so the round stays in budget. */
    const listingNow = new Set<string>()
    /** The last observation of each followed service, for a round without a read. */
    const lastSeen = new Map<string, string>()
    const clusterKey = (item: DrainItem) => `${item.ref.region}|${item.ref.cluster}`

    const fallBack = (item: DrainItem, e: AwsCallError) =>
      Effect.gen(function*() {
        states.set(targetKey(item.target), { mode: "fallback" })
        // One run-level line for the whole run.
        if (!(yield* options.firstNotice ?? Effect.succeed(true))) return
        yield* options.journal.observe(
          undefined,
          options.phase,
          `ECS's service deployments API is not offered here (${e.operation}: ${e.code}); following DescribeServices' deployments instead`
        )
      })

    /**
     * Which services of a cluster list this round: the reads left of 2 × ceil(n/10) after
     * DescribeServices, task looks and the followed deployments' reads; with none left,
     * finding takes turns with reading (a listing round reads no followed deployment).
     */
    const listing = (cluster: string, clusterItems: ReadonlyArray<DrainItem>): ReadonlySet<string> => {
      const finding = clusterItems.filter((i) => states.get(targetKey(i.target))?.mode === "find")
      const following = clusterItems.filter((i) => states.get(targetKey(i.target))?.mode === "follow").length
      listingNow.delete(cluster)
      if (finding.length === 0) return new Set()
      const k = Math.ceil(clusterItems.length / 10)
      const spare = 2 * k - readsPerRound(clusterItems.length) - Math.ceil(following / 20)
      if (spare <= 0) {
        if (following > 0 && listedLast.has(cluster)) {
          listedLast.delete(cluster)
          return new Set()
        }
        listedLast.add(cluster)
        listingNow.add(cluster)
      }
      // Alternating, a listing round spends the followed deployments' share (never less than one read).
      const lists = spare > 0 ? spare : 2 * k - readsPerRound(clusterItems.length)
      return new Set(finding.slice(0, Math.max(1, lists)).map((i) => targetKey(i.target)))
    }

    /** This round's read; run beside DescribeServices so both batch with the other services'. */
    const read = (item: DrainItem): Effect.Effect<FollowRead> => {
      const state = states.get(targetKey(item.target))
      return state?.mode === "follow" && !listingNow.has(clusterKey(item))
        ? Effect.map(Effect.either(Effect.request(GetServiceDeployment({ ref: item.ref, arn: state.arn }), resolver)), Option.some)
        : Effect.succeed(Option.none())
    }

    const find = (item: DrainItem) =>
      Effect.gen(function*() {
        const listed = yield* Effect.either(ecs.listServiceDeployments(item.ref, item.deployment?.createdAt))
        if (Either.isLeft(listed)) return notOffered(listed.left.code) ? yield* fallBack(item, listed.left) : undefined
        const found = startedServiceDeployment(listed.right, item.deployment?.id, item.deployment?.createdAt)
        if (found !== undefined) states.set(targetKey(item.target), { mode: "follow", arn: found.arn, verified: true })
      })

    /** A PAUSE hook waiting: gehen answers the one at the gate for a service with a test url; others wait for a person. */
    const hookOf = (item: DrainItem, sd: ServiceDeploymentState) =>
      Effect.gen(function*() {
        const hook = sd.hooks.find((h) => h.status === "AWAITING_ACTION")
        if (hook === undefined || sd.status !== "IN_PROGRESS") return undefined
        const command = continueCommand(item.ref.region, sd.arn, hook.hookId)
        if (item.testUrl === undefined || sd.lifecycleStage !== GATE_STAGE) return { handled: false, command } satisfies HookView
        const answer = yield* probe.probe(item.testUrl)
        const wanted = item.expected ?? []
        if (answer._tag === "Served" && wanted.some((w) => servesVersion(answer.server, w)) && !answered.has(hook.hookId)) {
          const sent = yield* Effect.either(ecs.continueServiceDeployment(item.ref.region, sd.arn, hook.hookId, "CONTINUE"))
          if (Either.isRight(sent)) {
            answered.add(hook.hookId)
            yield* options.journal.observe(item.target, options.phase, `test listener serves ${answer.version}: continued hook ${hook.hookId}`)
          }
        }
        return { handled: true, command: undefined } satisfies HookView
      })

    /** The service judged by its service deployment, or None: judge it by DescribeServices alone. */
    const judge = (item: DrainItem, state: ServiceState, got: FollowRead, settled: boolean) =>
      Effect.gen(function*() {
        const key = targetKey(item.target)
        const mode = states.get(key)
        if (mode?.mode === "find") {
          return Option.some<Assessment>({ _tag: "Waiting", observation: "looking for the service deployment the update started", newReady: false })
        }
        if (mode?.mode !== "follow") return Option.none<Assessment>()
        if (Option.isNone(got)) {
          // Not read this round (its cluster listed): as last seen.
          return Option.some<Assessment>({ _tag: "Waiting", observation: lastSeen.get(key) ?? "service deployment not read yet", newReady: false })
        }
        if (Either.isLeft(got.value)) {
          if (notOffered(got.value.left.code)) yield* fallBack(item, got.value.left)
          return Option.none<Assessment>()
        }
        if (Option.isNone(got.value.right)) {
          return Option.some<Assessment>({ _tag: "Waiting", observation: "service deployment not visible yet", newReady: false })
        }
        const sd = got.value.right.value
        if (item.rollbackOf !== undefined) return Option.some(assessRollback(state, item, sd, settled))
        if (!mode.verified) {
          // The answer's current service deployment may still be the previous one.
          if (item.deployment?.id !== undefined && !revisionMatches(sd.targetServiceRevisionArn, item.deployment.id)) {
            states.set(key, { mode: "find" })
            return Option.some<Assessment>({ _tag: "Waiting", observation: "looking for the service deployment the update started", newReady: false })
          }
          states.set(key, { mode: "follow", arn: mode.arn, verified: true })
        }
        const now = yield* Clock.currentTimeMillis
        const stage = sd.lifecycleStage ?? sd.status
        const since = stageSince.get(key)
        if (since?.stage !== stage) stageSince.set(key, { stage, at: now })
        const hook = yield* hookOf(item, sd)
        const text = stageText(sd, item.model, stageSince.get(key)?.at, now)
        const view = hook === undefined || hook.handled ? text : `${text}; waiting for a person: ${hook.command}`
        if (options.onServiceDeployment !== undefined) yield* options.onServiceDeployment(key, { sd, text: view })
        lastSeen.set(key, view)
        return Option.some(assessFollowed(state, item, sd, settled, text, hook))
      })

    return { read, find, judge, listing }
  })
