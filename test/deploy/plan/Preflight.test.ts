// The pre-flight: before any change, each url answers and each image to deploy exists.
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Exit, Layer, Option, Ref } from "effect"
import { planReport } from "../../../src/deploy/plan/Plan.js"
import { deploy, type DeployFailed, plan } from "../../../src/deploy/run/Deploy.js"
import { type ProbeResult, VersionProbe } from "../../../src/ports/VersionProbe.js"
import { ACCOUNT, configFor, failureOf, makeWorld, OLD, runWithClock, SHA, svc } from "../../support/world.js"

const apiImage = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/api:${SHA}`

/** A probe answering from a script, by url; anything else as the simulator would. */
const scripted = (answers: (url: string, n: number) => ProbeResult | undefined) =>
  Layer.effect(
    VersionProbe,
    Effect.gen(function*() {
      const inner = yield* VersionProbe
      const counts = yield* Ref.make(new Map<string, number>())
      return {
        probe: (url: string) =>
          Effect.gen(function*() {
            const n = (yield* Ref.get(counts)).get(url) ?? 0
            yield* Ref.update(counts, (m) => new Map(m).set(url, n + 1))
            return answers(url, n) ?? (yield* inner.probe(url))
          })
      }
    })
  )

describe("the pre-flight", () => {
  it.effect("an image that was never pushed stops the run before any change, naming it", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* w.sim.removeImages([apiImage])
      const { exit } = yield* runWithClock(deploy(configFor(w.clusterB), { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject(
        Option.some({
          _tag: "PlanError",
          problems: [{
            target: apiImage,
            problem: expect.stringMatching(
              /^pre-flight: image .* does not exist: not in api \(ImageNotFound: .*\) \(was it pushed\?\)$/
            )
          }]
        })
      )
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("an image whose repository does not exist stops the run too (RepositoryNotFoundException), naming the repository", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* w.sim.removeImages([`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/api`])
      const { exit } = yield* runWithClock(deploy(configFor(w.clusterB), { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject(
        Option.some({
          _tag: "PlanError",
          problems: [{
            target: apiImage,
            problem: expect.stringMatching(
              /^pre-flight: image .* does not exist: repository api not found in 123456789012 \(us-east-1\)/
            )
          }]
        })
      )
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("images outside ECR, or that ECR will not show, are not checked: the plan says why, and the run goes on", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* w.sim.failNext({
        operation: "BatchGetImage",
        code: "AccessDeniedException",
        message: "no ecr:BatchGetImage",
        times: 10
      })
      const thePlan = yield* plan(configFor(w.clusterB), SHA).pipe(Effect.provide(w.layer))
      const images = planReport(thePlan).preflight?.images ?? []
      expect(images).toEqual(expect.arrayContaining([
        {
          image: `registry.example.com:5000/team/worker:${SHA}`,
          status: "not-checked",
          reason: "not in a private ECR repository"
        },
        {
          image: apiImage,
          status: "not-checked",
          reason: expect.stringMatching(/^ECR would not say \(AccessDeniedException: /)
        }
      ]))
      expect(planReport(thePlan).preflight?.urls).toEqual([
        { service: "api", kind: "url", url: "http://api.test/version/prod-a/api", serves: OLD, problem: null }
      ])
    }))

  it.effect("a url that cannot answer with a version (an unknown host) stops the run before any change, naming it and the cause", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const probe = scripted((url) =>
        url.includes("api.test")
          ? {
            _tag: "NotReady",
            reason: "unknown host api.test (ENOTFOUND)",
            cause: { _tag: "ProbeFailure", reason: "unknown-host", message: "unknown host api.test (ENOTFOUND)" }
          }
          : undefined
      )
      const { exit } = yield* runWithClock(
        deploy(configFor(w.clusterB), { gitsha: SHA }).pipe(Effect.provide(probe), Effect.provide(w.layer))
      )
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject(
        Option.some({
          _tag: "PlanError",
          problems: [{
            target: "service api (cluster prod-a)",
            problem: expect.stringMatching(
              /url http:\/\/api\.test\/version\/prod-a\/api does not answer with a version: unknown host api\.test \(ENOTFOUND\)/
            )
          }]
        })
      )
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("a transient failure is tried again for up to 10 s: one that passes goes on, one that lasts stops the run", () =>
    Effect.gen(function*() {
      const busy = (n: number, upTo: number): ProbeResult | undefined =>
        n < upTo
          ? {
            _tag: "NotReady",
            reason: "HTTP 503",
            cause: { _tag: "ProbeFailure", reason: "http-status", message: "HTTP 503", status: 503 }
          }
          : undefined
      const w = yield* makeWorld()
      const config = configFor(w.clusterB, { checkIntervalSeconds: 2 })
      const brief = yield* runWithClock(
        plan(config, SHA).pipe(Effect.provide(scripted((_, n) => busy(n, 3))), Effect.provide(w.layer))
      )
      expect(Exit.isSuccess(brief.exit)).toBe(true)
      expect(Duration.toSeconds(brief.elapsed)).toBeLessThanOrEqual(10)
      const lasting = yield* runWithClock(
        plan(config, SHA).pipe(Effect.provide(scripted((_, n) => busy(n, 100))), Effect.provide(w.layer))
      )
      expect(Exit.isFailure(lasting.exit) && Cause.failureOption(lasting.exit.cause)).toMatchObject(
        Option.some({
          _tag: "PlanError",
          problems: [{ problem: expect.stringMatching(/does not answer with a version: HTTP 503/) }]
        })
      )
      expect(Duration.toSeconds(lasting.elapsed)).toBeLessThanOrEqual(12)
    }))

  it.effect("off with --no-preflight or preflight: false: no image asked about, no url probed before the changes", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      yield* w.sim.removeImages([apiImage])
      for (
        const off of [{ options: { preflight: false }, config: {} }, { options: {}, config: { preflight: false } }]
      ) {
        const thePlan = yield* plan(configFor(w.clusterB, off.config), SHA, off.options).pipe(Effect.provide(w.layer))
        expect(thePlan.preflight).toBeUndefined()
      }
      expect(yield* w.sim.calls("BatchGetImage")).toEqual([])
    }))

  it.effect("the rollback's version check expects what the pre-flight saw the url serve (a version that is not the image tag)", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15 } })
      // The app reports its release number, not its image tag, until the new version serves.
      const release = scripted((url) =>
        url.includes("api.test") ? { _tag: "Served", version: "release41", server: "api-release41" } : undefined
      )
      const config = configFor(w.clusterB, {
        services: [svc("api", "prod-a", { url: "http://api.test/version/prod-a/api" })],
        scheduledTasks: []
      })
      const { exit } = yield* runWithClock(
        deploy(config, { gitsha: SHA }).pipe(Effect.provide(release), Effect.provide(w.layer)),
        "5 seconds"
      )
      const report = (failureOf(exit) as DeployFailed).report
      expect(report.exitCode).toBe(1)
      expect(report.services[0]?.outcome).toBe("rolled-back")
      expect(
        w.events.some((e) =>
          e.phase === "rollback-version-check" && e.status === "succeeded" && /serving release41/.test(e.message)
        )
      ).toBe(true)
    }))
})
