import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import {
  type DeploymentModel,
  gatedByShift,
  productionShifted,
  type ServiceDeploymentState
} from "../../domain/DeploymentModel.js"

/** What gehen last saw of a followed service deployment. */
export interface FollowView {
  readonly sd: ServiceDeploymentState
  /** The stage in words ("baking, 4 of 10 min"), with a waiting hook. */
  readonly text: string
}

/** One lifecycle stage (or status) a service deployment reached, and when gehen first saw it. */
export interface StageSeen {
  readonly stage: string
  readonly status: string
  readonly at: number
}

/** What the run saw of one service's service deployment. */
export interface Followed {
  readonly arn: string
  readonly last: ServiceDeploymentState
  readonly text: string
  readonly stages: ReadonlyArray<StageSeen>
}

/** What the version check makes of a service's deployment: hold a served sha back, and a note for its observation. */
export interface Gate {
  readonly hold: Option.Option<string>
  readonly note: Option.Option<string>
}

/**
 * LINEAR and CANARY: the url may answer the new sha on part of the traffic; it counts
 * only once production traffic has fully shifted (BAKE_TIME or later). Without a
 * service deployment seen (the API not offered) nothing is held back.
 */
export const gateOf = (model: DeploymentModel, followed: Followed | undefined): Gate => {
  const note = Option.fromNullable(followed?.text)
  if (followed === undefined || !gatedByShift(model) || productionShifted(followed.last)) {
    return { hold: Option.none(), note }
  }
  return { hold: Option.some(`production traffic not fully shifted yet (${followed.text})`), note }
}

/** The run's record of the service deployments it followed, shared by the polling fibers. */
export const makeFollowing = Effect.map(
  Effect.all([
    Ref.make<ReadonlyMap<string, Followed>>(new Map()),
    Ref.make(false),
    Ref.make<ReadonlySet<string>>(new Set())
  ]),
  ([ref, noticed, unidentified]) => ({
    /** True only the first time: the run says once that the API is not offered. */
    firstNotice: Ref.getAndSet(noticed, true).pipe(Effect.map((before) => !before)),
    record: (key: string, view: FollowView) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.update(ref, (m) => {
          const before = m.get(key)
          const stage = view.sd.lifecycleStage ?? view.sd.status
          const last = before?.stages[before.stages.length - 1]
          const moved = last === undefined || last.stage !== stage || last.status !== view.sd.status
          const stages = moved
            ? [...(before?.stages ?? []), { stage, status: view.sd.status, at: now }]
            : before?.stages ?? []
          return new Map(m).set(key, { arn: view.sd.arn, last: view.sd, text: view.text, stages })
        })),
    get: (key: string) => Effect.map(Ref.get(ref), (m) => m.get(key)),
    all: Ref.get(ref),
    /** Traffic-shifting services whose service deployment is not identified (yet): judged by DescribeServices alone. */
    unidentified: (key: string, yes: boolean) =>
      Ref.update(unidentified, (s) => {
        const next = new Set(s)
        if (yes) next.add(key)
        else next.delete(key)
        return next
      }),
    unidentifiedKeys: Ref.get(unidentified)
  })
)

export type Following = Effect.Effect.Success<typeof makeFollowing>
