// The second signal (the caller's hurry): restores get a short grace to be issued, each
// says whether it was never sent or sent without an answer, and the run reports.
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, TestClock } from "effect"
import { deploy } from "../../../src/deploy/run/Deploy.js"
import type { ProgressEvent } from "../../../src/ports/Progress.js"
import type { RunReport, TargetReport } from "../../../src/report/Report.js"
import { configFor, makeWorld, SHA, svc } from "../../support/world.js"

const byName = (report: RunReport, name: string): TargetReport =>
  [...report.services, ...report.scheduledTasks].find((t) => t.name === name)!

const NEVER_DRAIN = { [SHA]: { kind: "never-drain" as const, startAfter: 5, healthyAfter: 10 } }

/** Moves the clock a second at a time until `done` holds (at most `max` seconds). */
const until = (done: Effect.Effect<boolean>, max = 600) =>
  Effect.gen(function*() {
    for (let i = 0; i < max && !(yield* done); i++) yield* TestClock.adjust("1 second")
    expect(yield* done).toBe(true)
  })

const started = (events: ReadonlyArray<ProgressEvent>, phase: ProgressEvent["phase"], name?: string) =>
  Effect.sync(() =>
    events.some((e) =>
      e.phase === phase && e.status === "started" &&
      (name === undefined || (e.target !== undefined && "name" in e.target && e.target.name === name))
    )
  )

describe("the caller hurries (a second signal)", () => {
  it.effect("throttled restores: cut 1.5 s after the hurry, each named not issued or sent without an answer, with its command; exit 3", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld(NEVER_DRAIN)
      const hurry = yield* Deferred.make<void>()
      const reports: Array<RunReport> = []
      const fiber = yield* Effect.fork(
        deploy(configFor(w.clusterB), {
          gitsha: SHA,
          hurry: Deferred.await(hurry),
          onInterruptedReport: (r) => Effect.sync(() => void reports.push(r))
        }).pipe(Effect.provide(w.layer))
      )
      yield* until(started(w.events, "drain"))
      // Every restore is throttled from now on.
      for (const operation of ["UpdateService", "PutTargets"]) {
        yield* w.sim.failNext({ operation, times: 10_000, code: "ThrottlingException", message: "Rate exceeded" })
      }
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      // The restores keep being tried (the first signal never cuts them short).
      yield* until(Effect.map(w.sim.calls("UpdateService"), (c) => c.length >= 2 + 2 * 3))
      expect(Option.isNone(yield* Fiber.poll(interrupting))).toBe(true)
      yield* Deferred.succeed(hurry, undefined)
      const hurriedAt = yield* TestClock.currentTimeMillis
      yield* until(Effect.map(Fiber.poll(interrupting), Option.isSome), 10)
      expect((yield* TestClock.currentTimeMillis) - hurriedAt).toBeLessThanOrEqual(2000)
      expect(reports).toHaveLength(1)
      const report = reports[0]!
      expect(report.outcome).toBe("rollback-failed")
      expect(report.exitCode).toBe(3)
      for (const name of ["api", "worker", "nightly"]) {
        const t = byName(report, name)
        expect(t.outcome).toBe("rollback-failed")
        expect(t.error).toMatch(/restore not issued: .*refused|restore sent, answer unknown/)
        expect(t.manualCommand).toMatch(name === "nightly" ? /^aws events put-targets / : /^aws ecs update-service /)
      }
    }))

  it.effect("restores waiting for their turn go out at once; the one in flight is sent, answer unknown; the others are put back", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld(NEVER_DRAIN)
      const names = ["svc-0", "svc-1", "svc-2"]
      for (const name of names) {
        yield* w.sim.addService({ cluster: "prod-a", name, taskDefinition: w.api, region: "us-east-1" })
      }
      const config = configFor(w.clusterB, {
        services: names.map((n) => svc(n, "prod-a")),
        scheduledTasks: [],
        concurrency: 1
      })
      const hurry = yield* Deferred.make<void>()
      const reports: Array<RunReport> = []
      const fiber = yield* Effect.fork(
        deploy(config, {
          gitsha: SHA,
          hurry: Deferred.await(hurry),
          onInterruptedReport: (r) => Effect.sync(() => void reports.push(r))
        })
          .pipe(Effect.provide(w.layer))
      )
      yield* until(started(w.events, "drain"))
      // The first restore's answer never comes within the run; the others wait for its slot.
      yield* w.sim.failNext({ operation: "UpdateService", answerAfterSeconds: 3600 })
      const updatesBefore = (yield* w.sim.calls("UpdateService")).length
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* until(Effect.map(w.sim.calls("UpdateService"), (c) => c.length === updatesBefore + 1))
      for (let i = 0; i < 10; i++) yield* TestClock.adjust("1 second")
      // concurrency 1: nothing else went out while the first restore waits for its answer.
      expect((yield* w.sim.calls("UpdateService")).length).toBe(updatesBefore + 1)
      yield* Deferred.succeed(hurry, undefined)
      yield* until(Effect.map(Fiber.poll(interrupting), Option.isSome), 10)
      expect((yield* w.sim.calls("UpdateService")).length).toBe(updatesBefore + 3)
      const report = reports[0]!
      expect(report.exitCode).toBe(3)
      const outcomes = names.map((n) => byName(report, n))
      expect(outcomes.filter((t) => t.outcome === "rolled-back")).toHaveLength(2)
      const cut = outcomes.find((t) => t.outcome === "rollback-failed")!
      expect(cut.error).toMatch(/restore sent, answer unknown/)
      expect(cut.manualCommand).toMatch(/^aws ecs update-service /)
    }))

  it.effect("restores that all went out: the hurry changes nothing, exit 130", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld(NEVER_DRAIN)
      const hurry = yield* Deferred.make<void>()
      const reports: Array<RunReport> = []
      const fiber = yield* Effect.fork(
        deploy(configFor(w.clusterB), {
          gitsha: SHA,
          hurry: Deferred.await(hurry),
          onInterruptedReport: (r) => Effect.sync(() => void reports.push(r))
        })
          .pipe(Effect.provide(w.layer))
      )
      yield* until(started(w.events, "drain"))
      yield* Deferred.succeed(hurry, undefined)
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* until(Effect.map(Fiber.poll(interrupting), Option.isSome), 10)
      expect(reports[0]).toMatchObject({ outcome: "interrupted", exitCode: 130 })
      expect([...reports[0]!.services, ...reports[0]!.scheduledTasks].map((t) => t.outcome)).toEqual([
        "rolled-back",
        "rolled-back",
        "rolled-back"
      ])
    }))
})
