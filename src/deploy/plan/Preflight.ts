/**
 * The pre-flight: before any change, every `url` and `testUrl` is asked once what it
 * serves, and every image about to be deployed is looked up in its registry. A url that
 * cannot answer (an unknown host, TLS, a 4xx, a `Server` header without a version, or a
 * transient failure that lasts past its patience) and a missing image stop the run with
 * no change made, naming the url or image and the cause. Reads only.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { Images } from "../../ports/Images.js"
import { type ProbeResult, VersionProbe } from "../../ports/VersionProbe.js"
import type { DeployPlan, PreflightSeen, UrlSeen } from "./DeployPlan.js"
import { PlanError } from "./PlanError.js"

/** How long a transient failure (a 5xx, a refused or reset connection, a timeout) is tried again. */
export const PREFLIGHT_PATIENCE = Duration.seconds(10)

/** A failure worth a second try: the version check would try it again too. */
export const transient = (r: ProbeResult): boolean =>
  r._tag === "NotReady" &&
  (r.cause === undefined ||
    r.cause.reason === "refused" ||
    r.cause.reason === "reset" ||
    r.cause.reason === "timed-out" ||
    (r.cause.reason === "http-status" && (r.cause.status ?? 0) >= 500))

/** The images a plan is about to deploy: each container image that changes (what a rollback returns to, for one). */
export const imagesToDeploy = (plan: DeployPlan): ReadonlyArray<string> => [
  ...new Set(
    [
      ...plan.services.filter((s) => s.action._tag === "Update"),
      ...plan.scheduledTasks.filter((t) => t.revision._tag === "Some")
    ]
      .flatMap((t) => t.images.filter((i) => i.next !== null && i.next !== i.previous).map((i) => i.next!))
  )
]

/**
 * Checks the plan's urls (at the check interval, transient failures for up to
 * {@link PREFLIGHT_PATIENCE}) and images; fails with every problem found.
 */
export const preflight = (
  plan: DeployPlan,
  interval: Duration.Duration
): Effect.Effect<PreflightSeen, PlanError, VersionProbe | Images> =>
  Effect.gen(function*() {
    const probe = yield* VersionProbe
    const images = yield* Images
    // A transient answer fails the attempt, so the schedule tries again; the last answer is kept.
    const ask = (url: string): Effect.Effect<ProbeResult> =>
      probe.probe(url).pipe(
        Effect.flatMap((r) => (transient(r) ? Effect.fail(r) : Effect.succeed(r))),
        Effect.retry(
          Schedule.spaced(Duration.min(interval, PREFLIGHT_PATIENCE)).pipe(Schedule.upTo(PREFLIGHT_PATIENCE))
        ),
        Effect.catchAll(Effect.succeed)
      )
    const urls = new Map<string, ReadonlyArray<UrlSeen>>()
    const asked = plan.services.flatMap((s) => [
      ...(s.url === undefined ? [] : [{ key: s.key, kind: "url" as const, url: s.url }]),
      ...(s.testUrl === undefined ? [] : [{ key: s.key, kind: "testUrl" as const, url: s.testUrl }])
    ])
    const answers = yield* Effect.forEach(asked, (a) => ask(a.url), { concurrency: 10 })
    asked.forEach((a, i) =>
      urls.set(a.key, [...(urls.get(a.key) ?? []), { kind: a.kind, url: a.url, result: answers[i]! }])
    )
    const checked = yield* images.check(imagesToDeploy(plan))
    const problems = [
      ...asked.flatMap((a, i) => {
        const r = answers[i]!
        if (r._tag === "Served") return []
        const label = plan.services.find((s) => s.key === a.key)
        const target = label === undefined ? a.key : `service ${label.target.name} (cluster ${label.target.cluster})`
        return [{
          target,
          problem:
            `pre-flight: ${a.kind} ${a.url} does not answer with a version: ${r.reason} (skip with --no-preflight, or preflight: false, if it answers only after a deploy)`
        }]
      }),
      ...[...checked].flatMap(([image, c]) =>
        c._tag === "Missing"
          ? [{ target: image, problem: `pre-flight: image ${image} does not exist: ${c.reason} (was it pushed?)` }]
          : []
      )
    ]
    if (problems.length > 0) return yield* Effect.fail(new PlanError({ problems }))
    return { urls, images: checked }
  })

/** What a service's url served before the run: what its rollback's version check expects back. */
export const servedBefore = (seen: PreflightSeen | undefined, key: string): Option.Option<string> =>
  Option.fromNullable(seen?.urls.get(key)?.find((u) => u.kind === "url")).pipe(
    Option.flatMap((u) => (u.result._tag === "Served" ? Option.some(u.result.version) : Option.none()))
  )
