// gehen embedded in another Effect app: the programs, their services and errors come
// from the package entry (namespaces), the phases from `gehen/steps`, the simulator from
// `gehen/testing`.
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schema } from "effect"
import * as Gehen from "../src/index.js"
import * as Steps from "../src/steps.js"
import { Simulator } from "../src/testing/index.js"
import { behaviours, configFor, runWithClock, seedWorld, SHA } from "./support/world.js"

describe("embedding", () => {
  it.effect("an app runs the deploy program with its own progress handler and handles its typed errors", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ behaviour: behaviours({ [SHA]: "unhealthy" }) })
      const world = yield* seedWorld(sim)
      const seen: Array<string> = []
      const progress = Layer.succeed(Gehen.Ports.Progress, {
        emit: (e) => Effect.sync(() => void seen.push(`${e.phase}:${e.status}`))
      })
      const app = Gehen.Deploy.deploy(configFor(world.clusterB), { gitsha: SHA }).pipe(
        Effect.map((report) => `deployed ${report.gitsha}`),
        Effect.catchTags({
          DeployFailed: (e) =>
            Effect.succeed(
              `failed, ${e.report.services.filter((s) => s.outcome === "rolled-back").length} rolled back`
            ),
          DeployTimedOut: () => Effect.succeed("timed out"),
          PlanError: (e) => Effect.succeed(`bad plan: ${e.message}`),
          MissingRegion: () => Effect.succeed("no region")
        }),
        Effect.provide(Layer.merge(Simulator.layer(sim, { region: "us-east-1" }), progress))
      )
      const { exit } = yield* runWithClock(app)
      expect(exit._tag).toBe("Success")
      expect(exit._tag === "Success" && exit.value).toBe("failed, 2 rolled back")
      expect(seen).toContain("rollback:succeeded")
    }))

  it.effect("an app composes the steps itself: plan, apply under the run's context, roll back, judge, read the status", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ behaviour: behaviours({}) })
      const world = yield* seedWorld(sim)
      const config = configFor(world.clusterB, { scheduledTasks: [] })
      const layer = Layer.merge(Simulator.layer(sim, { region: "us-east-1" }), Gehen.Ports.Progress.silent)
      const program = Effect.gen(function*() {
        const plan = yield* Steps.makePlan(config, SHA)
        const journal = yield* Steps.makeJournal
        const context = yield* Steps.makeRunContext(journal, {
          interval: Duration.seconds(5),
          concurrency: config.concurrency
        })
        const { changes, restored } = yield* Effect.gen(function*() {
          yield* Steps.applyServices(plan)
          const changes = yield* context.ledger.changes
          const restored = yield* Steps.rollback(changes, { timeout: Duration.minutes(2), confirm: true })
          return { changes, restored }
        }).pipe(Effect.provideService(Steps.RunContext, context))
        const verdicts = Steps.judgeTargets({
          targets: plan.services.map((s) => ({ key: Steps.targetKey(s.target), kind: "service" as const })),
          end: { _tag: "Failed", message: "changed my mind", blame: new Map() },
          changes,
          restores: restored.restores,
          confirmations: restored.confirmations,
          untouched: new Set()
        })
        const status = yield* Gehen.Status.status(config)
        return { verdicts: [...verdicts.values()].map((v) => v.outcome), status }
      }).pipe(Effect.provide(layer))
      const { exit } = yield* runWithClock(program)
      expect(exit._tag).toBe("Success")
      if (exit._tag !== "Success") return
      expect(exit.value.verdicts).toEqual(["rolled-back", "rolled-back"])
      // The status report decodes with the exported Schema.
      expect(Schema.is(Gehen.Status.StatusReport)(exit.value.status)).toBe(true)
      expect((yield* sim.service("prod-a", "api", "us-east-1"))?.taskDefinition).toBe(world.api)
    }))

  it("the entry is a few namespaces; internals stay inside", () => {
    expect(Object.keys(Gehen).sort()).toEqual(["Aws", "Config", "Deploy", "Errors", "Ports", "Report", "Status"])
    const names = Object.values(Gehen).flatMap((ns) => Object.keys(ns))
    expect(names.length).toBeLessThanOrEqual(45)
    for (
      const [ns, name] of [
        ["Deploy", "deploy"],
        ["Deploy", "revert"],
        ["Deploy", "plan"],
        ["Status", "status"],
        ["Status", "StatusReport"],
        ["Status", "history"],
        ["Status", "HistoryReport"],
        ["Config", "loadConfig"],
        ["Report", "RunReport"],
        ["Report", "exitCodeOf"],
        ["Ports", "Ecs"],
        ["Ports", "Progress"],
        ["Aws", "AwsLive"],
        ["Aws", "VersionProbeFetch"],
        ["Errors", "DeployFailed"],
        ["Errors", "PlanError"],
        ["Errors", "AwsCallError"]
      ] as const
    ) {
      expect(Gehen[ns]).toHaveProperty(name)
    }
    for (
      const internal of [
        "RESTORE_PATIENCE",
        "retryable",
        "makeJournal",
        "readsPerRound",
        "putTargetsCommand",
        "StatusError"
      ]
    ) {
      expect(names).not.toContain(internal)
    }
  })
})
