// The release history kept in AWS (tags on task definition revisions), gehen rollback
// over it, one writer at a time, keepRevisions, and summaries that tell the truth.
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option, TestClock } from "effect"
import { planned, tidyChoice } from "../../../src/deploy/apply/Tidy.js"
import { deploy, type DeployFailed, type DeployTimedOut, revert } from "../../../src/deploy/run/Deploy.js"
import { plan } from "../../../src/deploy/run/Deploy.js"
import { releaseTagsOf } from "../../../src/domain/Releases.js"
import { history } from "../../../src/history/History.js"
import { Ecs } from "../../../src/ports/Ecs.js"
import type { RunReport, TargetReport } from "../../../src/report/Report.js"
import { ACCOUNT, configFor, makeWorld, OLD, runWithClock, SHA, svc } from "../../support/world.js"

const GOOD = "600d600d"
const BAD = "bad0bad0"
const deployedAs = { account: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci` }

const byName = (report: RunReport, name: string): TargetReport =>
  [...report.services, ...report.scheduledTasks].find((t) => t.name === name)!

const reportOf = (exit: Exit.Exit<RunReport, unknown>): RunReport => {
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.failureOption(exit.cause)
  if (
    Option.isSome(failure) && typeof failure.value === "object" && failure.value !== null && "report" in failure.value
  ) {
    return (failure.value as DeployFailed | DeployTimedOut).report
  }
  throw new Error(`no report: ${Cause.pretty(exit.cause)}`)
}

/** The world, every new version healthy but BAD (unhealthy). */
const world = () => makeWorld({ [BAD]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15 } })

const run = <E>(effect: Effect.Effect<RunReport, E>) =>
  Effect.map(runWithClock(effect, "5 seconds"), (r) => reportOf(r.exit))

const tagsOf = (w: Effect.Effect.Success<ReturnType<typeof world>>, arn: string) =>
  Effect.map(w.sim.taskDefinition(arn), (td) => releaseTagsOf(td?.tags ?? []))

/** What each target runs now. */
const running = (w: Effect.Effect.Success<ReturnType<typeof world>>) =>
  Effect.gen(function*() {
    return {
      api: (yield* w.sim.service("prod-a", "api", "us-east-1"))?.taskDefinition,
      worker: (yield* w.sim.service(w.clusterB, "worker", "us-west-2"))?.taskDefinition,
      nightly: (yield* w.sim.rule("us-east-1", "nightly"))?.targets[0]?.EcsParameters?.TaskDefinitionArn
    }
  })

describe("the release history", () => {
  it.effect("a registered revision carries gehen:sha (never gehen's tags of the one it copies); a confirmed deploy tags it released, by whom", () =>
    Effect.gen(function*() {
      const w = yield* world()
      const config = configFor(w.clusterB)
      const first = yield* run(deploy(config, { gitsha: GOOD, deployedAs }).pipe(Effect.provide(w.layer)))
      expect(first.exitCode).toBe(0)
      const good = (yield* running(w)).api!
      expect(yield* tagsOf(w, good)).toMatchObject({
        sha: GOOD,
        by: deployedAs.arn,
        releasedAt: expect.any(Number),
        failedAt: undefined
      })
      // The next revision is a copy of a released one: its own tags only, then its own sha.
      yield* run(deploy(config, { gitsha: SHA, deployedAs }).pipe(Effect.provide(w.layer)))
      const next = yield* w.sim.calls("RegisterTaskDefinition")
      const copied = next.filter((c) => c.params["family"] === "api").at(-1)!.params["tags"]
      expect(copied).toEqual([{ key: "team", value: "core" }, { key: "gehen:sha", value: SHA }])
    }))

  it.effect("a failed deploy tags the revisions it tried gehen:failed; tagging that fails is a warning, never the run's outcome", () =>
    Effect.gen(function*() {
      const w = yield* world()
      const config = configFor(w.clusterB)
      const failed = yield* run(deploy(config, { gitsha: BAD, deployedAs }).pipe(Effect.provide(w.layer)))
      expect(failed.exitCode).toBe(1)
      for (const t of [...failed.services, ...failed.scheduledTasks]) {
        expect((yield* tagsOf(w, t.newTaskDefinition!)).failedAt, t.name).toEqual(expect.any(Number))
      }
      yield* w.sim.failNext({
        operation: "TagResource",
        times: 10,
        code: "AccessDeniedException",
        message: "not allowed"
      })
      const ok = yield* run(deploy(config, { gitsha: GOOD, deployedAs }).pipe(Effect.provide(w.layer)))
      expect(ok.exitCode).toBe(0)
      expect(
        w.events.some((e) =>
          /warning: could not record the release history on .* AccessDeniedException/.test(e.message)
        )
      ).toBe(true)
    }))

  it.effect("gehen history lists each target's releases newest first, the running one marked", () =>
    Effect.gen(function*() {
      const w = yield* world()
      const config = configFor(w.clusterB)
      yield* run(deploy(config, { gitsha: GOOD, deployedAs }).pipe(Effect.provide(w.layer)))
      yield* TestClock.adjust("1 minute")
      yield* run(deploy(config, { gitsha: SHA, deployedAs }).pipe(Effect.provide(w.layer)))
      const report = yield* history(config, deployedAs).pipe(Effect.provide(w.layer))
      const api = report.services.find((s) => s.name === "api")!
      expect(api.releases.map((r) => [r.sha, r.current, r.by])).toEqual([[SHA, true, deployedAs.arn], [
        GOOD,
        false,
        deployedAs.arn
      ]])
      expect(report.scheduledTasks[0]!.releases.map((r) => r.sha)).toEqual([SHA, GOOD])
    }))
})

describe("gehen rollback goes back", () => {
  it.effect("after a failed deploy: every target to what ran before the last good release, never to the failed version", () =>
    Effect.gen(function*() {
      const w = yield* world()
      const config = configFor(w.clusterB)
      expect((yield* run(deploy(config, { gitsha: GOOD, deployedAs }).pipe(Effect.provide(w.layer)))).exitCode).toBe(0)
      const good = yield* running(w)
      expect((yield* run(deploy(config, { gitsha: BAD, deployedAs }).pipe(Effect.provide(w.layer)))).exitCode).toBe(1)
      expect(yield* running(w)).toEqual(good)
      // The release before GOOD was deployed before gehen kept a history: found from ECS's records, not BAD.
      const back = yield* run(revert(config, { deployedAs }).pipe(Effect.provide(w.layer)))
      expect(back.exitCode).toBe(0)
      expect(yield* running(w)).toEqual({ api: w.api, worker: w.worker, nightly: w.report })
      expect(back.services.map((s) => s.newTag)).toEqual([OLD, OLD])
    }))

  it.effect("twice in a row: further back each time, never forward", () =>
    Effect.gen(function*() {
      const w = yield* world()
      const config = configFor(w.clusterB)
      yield* run(deploy(config, { gitsha: GOOD, deployedAs }).pipe(Effect.provide(w.layer)))
      const good = yield* running(w)
      yield* TestClock.adjust("1 minute")
      yield* run(deploy(config, { gitsha: SHA, deployedAs }).pipe(Effect.provide(w.layer)))
      const once = yield* run(revert(config, {}).pipe(Effect.provide(w.layer)))
      expect(once.exitCode).toBe(0)
      expect(yield* running(w)).toEqual(good)
      expect(once.services.map((s) => s.newTag)).toEqual([GOOD, GOOD])
      const twice = yield* run(revert(config, {}).pipe(Effect.provide(w.layer)))
      expect(twice.exitCode).toBe(0)
      expect(yield* running(w)).toEqual({ api: w.api, worker: w.worker, nightly: w.report })
    }))

  it.effect("--to a sha the fleet runs already: nothing is sent, every target unchanged", () =>
    Effect.gen(function*() {
      const w = yield* world()
      const config = configFor(w.clusterB)
      yield* run(deploy(config, { gitsha: GOOD, deployedAs }).pipe(Effect.provide(w.layer)))
      yield* w.sim.clearCalls()
      const report = yield* run(revert(config, { to: GOOD }).pipe(Effect.provide(w.layer)))
      expect(report.exitCode).toBe(0)
      expect([...report.services, ...report.scheduledTasks].map((t) => t.outcome)).toEqual([
        "unchanged",
        "unchanged",
        "unchanged"
      ])
      expect(yield* w.sim.mutatingCalls()).toEqual([])
    }))
})

describe("one writer at a time", () => {
  it.effect("a run starting while another's deployment rolls out stops at its plan, naming it; with --wait it waits, then deploys", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [GOOD]: { kind: "healthy", startAfter: 30, healthyAfter: 60, drainAfter: 30 } })
      const config = configFor(w.clusterB, {
        services: [svc("api", "prod-a", { url: "http://api.test/version/prod-a/api" })],
        scheduledTasks: []
      })
      const first = yield* Effect.fork(deploy(config, { gitsha: GOOD }).pipe(Effect.provide(w.layer)))
      while ((yield* w.sim.calls("UpdateService")).length === 0) yield* TestClock.adjust("1 second")
      const before = (yield* w.sim.mutatingCalls()).length
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      // It stopped without waiting: the first is still rolling out.
      expect(Option.isNone(yield* Fiber.poll(first))).toBe(true)
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause)).toMatchObject(
        Option.some({
          _tag: "PlanError",
          problems: [{
            problem: expect.stringMatching(
              /a deployment toward another version is rolling out: ecs-svc\/\d+ of api:2 \(running 600d600d\) since /
            ),
            busy: true
          }]
        })
      )
      expect((yield* w.sim.mutatingCalls()).length).toBe(before)
      // --wait: once the first settles, the second deploys.
      const second = yield* Effect.fork(deploy(config, { gitsha: SHA, wait: true }).pipe(Effect.provide(w.layer)))
      let done = Option.none<Exit.Exit<RunReport, unknown>>()
      for (let i = 0; i < 200 && Option.isNone(done); i++) {
        yield* TestClock.adjust("5 seconds")
        done = yield* Fiber.poll(second)
      }
      expect(reportOf(yield* Fiber.await(first)).exitCode).toBe(0)
      expect(Option.isSome(done) && reportOf(done.value).exitCode).toBe(0)
      expect(w.events.some((e) => e.phase === "plan" && /waiting for other deployments to settle/.test(e.message)))
        .toBe(true)
    }))

  it.effect("a second run that updates after the first passed its plan: the first is superseded (left to the second, exit 3), the second deploys", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [GOOD]: { kind: "healthy", startAfter: 30, healthyAfter: 60, drainAfter: 30 } })
      const config = configFor(w.clusterB, { services: [svc("api", "prod-a")], scheduledTasks: [] })
      // Both plan at once; the first's UpdateService waits a little, the second's goes at once.
      const slowUpdate = Effect.updateService(Ecs, (ecs) => ({
        ...ecs,
        updateService: (ref, td) => Effect.zipRight(Effect.sleep("20 seconds"), ecs.updateService(ref, td))
      }))
      const second = yield* Effect.fork(deploy(config, { gitsha: GOOD }).pipe(slowUpdate, Effect.provide(w.layer)))
      const third = yield* Effect.fork(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      let steps = 0
      while ((Option.isNone(yield* Fiber.poll(second)) || Option.isNone(yield* Fiber.poll(third))) && steps++ < 1000) {
        yield* TestClock.adjust("5 seconds")
      }
      const early = reportOf(yield* Fiber.await(third))
      const late = reportOf(yield* Fiber.await(second))
      // The one that updated first was deployed over by the other: left to it.
      expect(early.outcome).toBe("superseded")
      expect(early.exitCode).toBe(3)
      expect(byName(early, "api").error).toMatch(
        /replaced by deployment ecs-svc\/\d+ of api:\d+: another writer deployed over this run; left to it/
      )
      expect(late.exitCode).toBe(0)
      expect((yield* w.sim.service("prod-a", "api", "us-east-1"))?.taskDefinition).toBe(
        byName(late, "api").newTaskDefinition
      )
    }))
})

describe("keepRevisions", () => {
  it.effect("after a confirmed deploy: gehen's revisions beyond the newest releases go (failed ones too), others are never touched; the dry run lists the same", () =>
    Effect.gen(function*() {
      const w = yield* world()
      const base = configFor(w.clusterB, { services: [svc("api", "prod-a")], scheduledTasks: [] })
      // api:1 (OLD) is not gehen's; api:2 and api:3 are releases, api:4 a failed deploy's.
      for (const sha of ["a1a1a1a1", "b2b2b2b2", BAD]) {
        yield* run(deploy(base, { gitsha: sha, deployedAs }).pipe(Effect.provide(w.layer)))
        yield* TestClock.adjust("1 minute")
      }
      const config = { ...base, keepRevisions: 2 }
      const next = yield* plan(config, "c3c3c3c3").pipe(Effect.provide(w.layer))
      const would = yield* tidyChoice({ keep: 2, ...planned(next), concurrency: 4 }).pipe(Effect.provide(w.layer))
      const done = yield* run(deploy(config, { gitsha: "c3c3c3c3", deployedAs }).pipe(Effect.provide(w.layer)))
      expect(done.exitCode).toBe(0)
      const arn = (n: number) => `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/api:${n}`
      const deregistered = (yield* w.sim.calls("DeregisterTaskDefinition")).map((c) => c.params["taskDefinition"])
      // Kept: api:5 (this release) and api:3 (the one before); api:1 is not gehen's.
      expect([...deregistered].sort()).toEqual([arn(2), arn(4)])
      expect(would.map((t) => t.arn).sort()).toEqual([arn(2), arn(4)])
      for (const n of [1, 3, 5]) {
        expect((yield* w.sim.taskDefinition(arn(n)))?.taskDefinition.status, `api:${n}`).toBe("ACTIVE")
      }
      expect(
        w.events.some((e) =>
          /keepRevisions: deregistered api:2, api:4|keepRevisions: deregistered api:4, api:2/.test(e.message)
        )
      ).toBe(true)
    }))
})

describe("summaries tell the truth", () => {
  it.effect("--force: the previous tag is known; a rule that got no call is unchanged, not deployed", () =>
    Effect.gen(function*() {
      const w = yield* world()
      const config = configFor(w.clusterB)
      yield* run(deploy(config, { gitsha: GOOD, deployedAs }).pipe(Effect.provide(w.layer)))
      const forced = yield* run(deploy(config, { gitsha: GOOD, force: true }).pipe(Effect.provide(w.layer)))
      expect(forced.exitCode).toBe(0)
      expect(forced.services.map((s) => [s.previousTag, s.newTag, s.outcome])).toEqual([[GOOD, GOOD, "deployed"], [
        GOOD,
        GOOD,
        "deployed"
      ]])
      // The rule already runs GOOD: even forced, a rule has no deployment to force; nothing was sent.
      const again = yield* run(deploy(config, { gitsha: GOOD }).pipe(Effect.provide(w.layer)))
      expect([...again.services, ...again.scheduledTasks].map((t) => t.outcome)).toEqual([
        "unchanged",
        "unchanged",
        "unchanged"
      ])
    }))
})
