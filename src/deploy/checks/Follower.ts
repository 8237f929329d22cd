import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import {
  FIND_MARGIN_MS,
  type ServiceDeploymentBrief,
  shiftsTraffic,
  startedServiceDeployment
} from "../../domain/DeploymentModel.js"
import { servesVersion } from "../../domain/ServedVersion.js"
import { targetKey } from "../../domain/Targets.js"
import { Ecs, type ServiceDeploymentState, type ServiceState } from "../../ports/Ecs.js"
import { type AwsCallError, notOffered } from "../../ports/Errors.js"
import type { Phase } from "../../ports/Progress.js"
import { VersionProbe } from "../../ports/VersionProbe.js"
import { GetServiceDeployment, makeServiceDeploymentsResolver } from "../../reads/ServiceDeploymentStates.js"
import { continueCommand } from "../recovery/ManualCommands.js"
import { RunContext } from "../run/RunContext.js"
import type { Assessment } from "./DrainAssessment.js"
import type { DrainItem } from "./DrainItem.js"
import { assessFollowed, assessRollback, type HookView, stageText } from "./FollowAssessment.js"
import type { FollowView } from "./Following.js"
import { readsPerRound } from "./ReadBudget.js"

/**
 * How a service is followed: not at all (rolling), finding the service deployment its
 * update started (a page of ListServiceDeployments a step, then the task definitions
 * of the listed deployments' target revisions), following it, or without the API.
 */
export type FollowMode =
  | { readonly mode: "off" }
  | {
    readonly mode: "find"
    /** Deployments created after this (epoch ms) are candidates. */
    readonly since: number
    readonly step: "list" | "revisions"
    readonly nextToken: string | undefined
    readonly listed: ReadonlyArray<ServiceDeploymentBrief>
  }
  | { readonly mode: "follow"; readonly arn: string }
  | { readonly mode: "fallback" }

export type { FollowView }

export interface FollowOptions {
  readonly phase: Phase
}

/**
 * Whether a phase keeps what it follows in the run's record (the report's stages, the
 * version check's gate, the services judged by DescribeServices alone): the forward
 * phases do; a rollback's checks follow the deployments that put services back.
 */
const recordsIn = (phase: Phase): boolean => !phase.startsWith("rollback")

/** The stage a paused hook waits at for gehen's answer: the test listener has the green tasks. */
const GATE_STAGE = "POST_TEST_TRAFFIC_SHIFT"

/** Most candidates one find step describes: one DescribeServiceRevisions call. */
const REVISIONS_PER_STEP = 20

/** This round's read of a followed deployment: none, or the answer (an error, or the deployment if ECS knows it). */
export type FollowRead = Option.Option<Either.Either<Option.Option<ServiceDeploymentState>, AwsCallError>>

/** How a service is followed when its check starts. */
export const initialMode = (item: DrainItem): FollowMode => {
  const started = item.deployment
  if (item.rollbackOf !== undefined) return { mode: "follow", arn: item.rollbackOf }
  if (item.model === undefined || !shiftsTraffic(item.model.strategy) || started === undefined) return { mode: "off" }
  // The update's answer names the service deployment it started: ECS's word is the identity.
  if (started.serviceDeploymentArn !== undefined) return { mode: "follow", arn: started.serviceDeploymentArn }
  const times = [started.requestedAt, started.createdAt].filter((t): t is number => t !== undefined)
  const at = times.length === 0 ? 0 : Math.min(...times)
  return { mode: "find", since: at - FIND_MARGIN_MS, step: "list", nextToken: undefined, listed: [] }
}

/** One cluster's share of a round for finding: which services take a find step, and whether reads of followed deployments wait. */
export interface FindRound {
  readonly steps: ReadonlyArray<string>
  /** The round's followed-deployment reads give way to the find steps (no spare read). */
  readonly listing: boolean
}

/**
 * Which services of a cluster take a find step this round: the reads left of
 * 2 × ceil(n/10) after DescribeServices, task looks and the followed deployments' reads,
 * one read a step; with none left, finding takes turns with reading (a finding round
 * reads no followed deployment), never two finding rounds in a row while some are followed.
 */
export const findRound = (input: {
  readonly services: number
  /** Keys of the cluster's services in find mode, longest waiting first. */
  readonly finding: ReadonlyArray<string>
  readonly following: number
  readonly listedLast: boolean
}): FindRound => {
  if (input.finding.length === 0) return { steps: [], listing: false }
  const k = Math.ceil(input.services / 10)
  const spare = 2 * k - readsPerRound(input.services) - Math.ceil(input.following / 20)
  if (spare > 0) return { steps: input.finding.slice(0, spare), listing: false }
  if (input.following > 0 && input.listedLast) return { steps: [], listing: false }
  // A finding round spends the followed deployments' share (never less than one read).
  return { steps: input.finding.slice(0, Math.max(1, 2 * k - readsPerRound(input.services))), listing: true }
}

interface Followed {
  readonly mode: FollowMode
  readonly stageSince?: { readonly stage: string; readonly at: number } | undefined
  /** The last observation, for a round without a read. */
  readonly lastSeen?: string | undefined
  /** The round of its last find step, for taking turns. */
  readonly steppedAt?: number | undefined
}

/**
 * Follows the service deployments of traffic-shifting services (BLUE_GREEN, LINEAR,
 * CANARY): takes the one each UpdateService's answer names (else finds it, see
 * {@link startedServiceDeployment}), reads it in each round batched through a request
 * resolver, answers a PAUSE hook at POST_TEST_TRAFFIC_SHIFT for services with a
 * `testUrl`, and judges the service by it. While its service deployment is not
 * identified, and where the API is not offered, the service is judged by DescribeServices
 * alone, as rolling ones are.
 */
export const makeFollower = (items: ReadonlyArray<DrainItem>, options: FollowOptions) =>
  Effect.gen(function*() {
    const { following, journal } = yield* RunContext
    const recording = recordsIn(options.phase)
    const onUnidentified = (key: string, unidentified: boolean) =>
      recording ? following.unidentified(key, unidentified) : Effect.void
    const onServiceDeployment = (
      key: string,
      view: FollowView
    ) => (recording ? following.record(key, view) : Effect.void)
    const ecs = yield* Ecs
    const probe = yield* VersionProbe
    const resolver = yield* makeServiceDeploymentsResolver
    const state = yield* Ref.make<ReadonlyMap<string, Followed>>(
      new Map(items.map((item) => [targetKey(item.target), { mode: initialMode(item) }]))
    )
    const get = (key: string) => Effect.map(Ref.get(state), (m): Followed => m.get(key) ?? { mode: { mode: "off" } })
    const update = (key: string, f: (before: Followed) => Followed) =>
      Ref.update(state, (m) => new Map(m).set(key, f(m.get(key) ?? { mode: { mode: "off" } })))
    const setMode = (key: string, mode: FollowMode) => update(key, (b) => ({ ...b, mode }))
    /** Task definitions of service revisions seen so far (a revision never changes). */
    const revisions = yield* Ref.make<ReadonlyMap<string, string>>(new Map())
    /** Hooks gehen answered. */
    const answered = yield* Ref.make<ReadonlySet<string>>(new Set())
    /** Clusters whose last round found (they take turns with reading), and those finding this round. */
    const clusters = yield* Ref.make({ listedLast: new Set<string>(), listingNow: new Set<string>() })
    const clusterKey = (item: DrainItem) => `${item.ref.region}|${item.ref.cluster}`

    const fallBack = (item: DrainItem, e: AwsCallError) =>
      Effect.gen(function*() {
        yield* setMode(targetKey(item.target), { mode: "fallback" })
        yield* onUnidentified(targetKey(item.target), false)
        // One run-level line for the whole run.
        if (!(yield* following.firstNotice)) return
        yield* journal.observe(
          undefined,
          options.phase,
          `ECS's service deployments API is not offered here (${e.operation}: ${e.code}); following DescribeServices' deployments instead`
        )
      })

    /** The services of a cluster that take a find step this round (see {@link findRound}). */
    const listing = (cluster: string, clusterItems: ReadonlyArray<DrainItem>, round: number) =>
      Effect.gen(function*() {
        const all = yield* Ref.get(state)
        const keys = clusterItems.map((i) => targetKey(i.target))
        const finding = keys
          .filter((k) => all.get(k)?.mode.mode === "find")
          .sort((a, b) => (all.get(a)?.steppedAt ?? 0) - (all.get(b)?.steppedAt ?? 0))
        const following = keys.filter((k) => all.get(k)?.mode.mode === "follow").length
        const before = yield* Ref.get(clusters)
        const plan = findRound({
          services: clusterItems.length,
          finding,
          following,
          listedLast: before.listedLast.has(cluster)
        })
        yield* Ref.update(clusters, (c) => {
          const listedLast = new Set(c.listedLast)
          const listingNow = new Set(c.listingNow)
          if (plan.listing) {
            listedLast.add(cluster)
            listingNow.add(cluster)
          } else {
            listedLast.delete(cluster)
            listingNow.delete(cluster)
          }
          return { listedLast, listingNow }
        })
        for (const key of plan.steps) yield* update(key, (b) => ({ ...b, steppedAt: round }))
        return new Set(plan.steps)
      })

    /** This round's read; run beside DescribeServices so both batch with the other services'. */
    const read = (item: DrainItem): Effect.Effect<FollowRead> =>
      Effect.gen(function*() {
        const { mode } = yield* get(targetKey(item.target))
        const finding = (yield* Ref.get(clusters)).listingNow.has(clusterKey(item))
        if (mode.mode !== "follow" || finding) return Option.none()
        return Option.some(
          yield* Effect.either(Effect.request(GetServiceDeployment({ ref: item.ref, arn: mode.arn }), resolver))
        )
      })

    /** One find step: a page of the list, or the task definitions of the listed deployments' revisions. */
    const find = (item: DrainItem) =>
      Effect.gen(function*() {
        const key = targetKey(item.target)
        const { mode } = yield* get(key)
        if (mode.mode !== "find") return
        const restart = { ...mode, step: "list" as const, nextToken: undefined, listed: [] }
        if (mode.step === "list") {
          const page = yield* Effect.either(
            ecs.listServiceDeployments(item.ref, { createdAfter: mode.since, nextToken: mode.nextToken })
          )
          if (Either.isLeft(page)) return notOffered(page.left) ? yield* fallBack(item, page.left) : undefined
          const listed = [...mode.listed, ...page.right.deployments]
          if (page.right.nextToken !== undefined) {
            return yield* setMode(key, { ...mode, nextToken: page.right.nextToken, listed })
          }
          // Nothing listed yet (a lagging list): list again on a later step.
          return yield* setMode(
            key,
            listed.length === 0 ? restart : { ...mode, step: "revisions", nextToken: undefined, listed }
          )
        }
        const known = yield* Ref.get(revisions)
        const newest = [...mode.listed].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))
        const unknown = [
          ...new Set(
            newest.flatMap((b) => (b.targetServiceRevisionArn === undefined ? [] : [b.targetServiceRevisionArn]))
          )
        ]
          .filter((arn) => !known.has(arn))
          .slice(0, REVISIONS_PER_STEP)
        if (unknown.length > 0) {
          const described = yield* Effect.either(ecs.describeServiceRevisions(item.ref.region, unknown))
          if (Either.isLeft(described)) {
            return notOffered(described.left)
              ? yield* fallBack(item, described.left)
              : undefined
          }
          yield* Ref.update(
            revisions,
            (m) => new Map([...m, ...described.right.map((r) => [r.arn, r.taskDefinition] as const)])
          )
        }
        const found = startedServiceDeployment(mode.listed, yield* Ref.get(revisions), item.taskDefinition)
        if (found === undefined) return yield* setMode(key, restart)
        yield* setMode(key, { mode: "follow", arn: found.arn })
        yield* onUnidentified(key, false)
      })

    /** A PAUSE hook waiting: gehen answers the one at the gate for a service with a test url; others wait for a person. */
    const hookOf = (item: DrainItem, sd: ServiceDeploymentState) =>
      Effect.gen(function*() {
        const hook = sd.hooks.find((h) => h.status === "AWAITING_ACTION")
        if (hook === undefined || sd.status !== "IN_PROGRESS") return undefined
        const command = continueCommand(item.ref.region, sd.arn, hook.hookId)
        if (item.testUrl === undefined || sd.lifecycleStage !== GATE_STAGE) {
          return { handled: false, command } satisfies HookView
        }
        const answer = yield* probe.probe(item.testUrl)
        const wanted = item.expected ?? []
        const done = (yield* Ref.get(answered)).has(hook.hookId)
        if (
          answer._tag === "Served" && wanted.some((w) => servesVersion(answer.server, w)) && !done
        ) {
          const sent = yield* Effect.either(
            ecs.continueServiceDeployment(item.ref.region, sd.arn, hook.hookId, "CONTINUE")
          )
          if (Either.isRight(sent)) {
            yield* Ref.update(answered, (s) => new Set(s).add(hook.hookId))
            yield* journal.observe(
              item.target,
              options.phase,
              `test listener serves ${answer.version}: continued hook ${hook.hookId}`
            )
          }
        }
        return { handled: true, command: undefined } satisfies HookView
      })

    /** The service judged by its service deployment, or None: judge it by DescribeServices alone. */
    const judge = (item: DrainItem, service: ServiceState, got: FollowRead, settled: boolean) =>
      Effect.gen(function*() {
        const key = targetKey(item.target)
        const followed = yield* get(key)
        const { mode } = followed
        if (mode.mode === "find") {
          yield* onUnidentified(key, true)
          return Option.none<Assessment>()
        }
        if (mode.mode !== "follow") return Option.none<Assessment>()
        if (Option.isNone(got)) {
          // Not read this round (its cluster was finding): as last seen.
          return Option.some<Assessment>({
            _tag: "Waiting",
            observation: followed.lastSeen ?? "service deployment not read yet",
            newReady: false
          })
        }
        if (Either.isLeft(got.value)) {
          if (notOffered(got.value.left)) yield* fallBack(item, got.value.left)
          return Option.none<Assessment>()
        }
        if (Option.isNone(got.value.right)) {
          return Option.some<Assessment>({
            _tag: "Waiting",
            observation: "service deployment not visible yet",
            newReady: false
          })
        }
        const sd = got.value.right.value
        if (item.rollbackOf !== undefined) return Option.some(assessRollback(service, item, sd, settled))
        const now = yield* Clock.currentTimeMillis
        const stage = sd.lifecycleStage ?? sd.status
        const since = followed.stageSince?.stage === stage ? followed.stageSince : { stage, at: now }
        const hook = yield* hookOf(item, sd)
        const text = stageText(sd, item.model, since.at, now)
        const view = hook === undefined || hook.handled ? text : `${text}; waiting for a person: ${hook.command}`
        yield* onServiceDeployment(key, { sd, text: view })
        yield* update(key, (b) => ({ ...b, stageSince: since, lastSeen: view }))
        return Option.some(assessFollowed(service, item, sd, settled, text, hook))
      })

    return { read, find, judge, listing }
  })
