// gehen embedded in another Effect app: the programs, their services and errors
// come from the package entry, the simulator from `gehen/testing`.
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schema } from "effect"
import * as Gehen from "../src/index.js"
import { Simulator } from "../src/testing/index.js"
import { behaviours, configFor, runWithClock, seedWorld, SHA } from "./support/world.js"

describe("embedding", () => {
  it.effect("an app runs the deploy program with its own progress handler and handles its typed errors", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ behaviour: behaviours({ [SHA]: "unhealthy" }) })
      const world = yield* seedWorld(sim)
      const seen: Array<string> = []
      const progress = Layer.succeed(Gehen.Progress, {
        emit: (e) => Effect.sync(() => void seen.push(`${e.phase}:${e.status}`))
      })
      const app = Gehen.deploy(configFor(world.clusterB), { gitsha: SHA }).pipe(
        Effect.map((report) => `deployed ${report.gitsha}`),
        Effect.catchTags({
          DeployFailed: (e) => Effect.succeed(`failed, ${e.report.services.filter((s) => s.outcome === "rolled-back").length} rolled back`),
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

  it.effect("an app composes the steps itself from what the package exports: plan, apply under a ledger, roll back, judge", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.make({ behaviour: behaviours({}) })
      const world = yield* seedWorld(sim)
      const config = configFor(world.clusterB, { scheduledTasks: [] })
      const layer = Layer.merge(Simulator.layer(sim, { region: "us-east-1" }), Gehen.Progress.silent)
      const program = Effect.gen(function*() {
        const plan = yield* Gehen.makePlan(config, SHA)
        const journal = yield* Gehen.makeJournal
        const ledger = yield* Gehen.makeLedger
        const register = yield* Gehen.makeRegistrar
        yield* Gehen.applyServices(plan, register, ledger, journal, config.concurrency)
        const changes = yield* ledger.changes
        const restored = yield* Gehen.rollback(changes, {
          timeout: Duration.minutes(2),
          interval: Duration.seconds(5),
          journal,
          concurrency: config.concurrency,
          confirm: true
        })
        const verdicts = Gehen.judgeTargets({
          targets: plan.services.map((s) => ({ key: Gehen.targetKey(s.target), kind: "service" as const })),
          end: { _tag: "Failed", message: "changed my mind", blame: new Map() },
          changes,
          restores: restored.restores,
          confirmations: restored.confirmations,
          untouched: new Set()
        })
        const status = yield* Gehen.status(config)
        return { verdicts: [...verdicts.values()].map((v) => v.outcome), status }
      }).pipe(Effect.provide(layer))
      const { exit } = yield* runWithClock(program)
      expect(exit._tag).toBe("Success")
      if (exit._tag !== "Success") return
      expect(exit.value.verdicts).toEqual(["rolled-back", "rolled-back"])
      // The status report decodes with the exported Schema.
      expect(Schema.is(Gehen.StatusReport)(exit.value.status)).toBe(true)
      expect((yield* sim.service("prod-a", "api", "us-east-1"))?.taskDefinition).toBe(world.api)
    }))

  it("exports the programs, ports, live layers and errors", () => {
    for (const name of ["deploy", "plan", "makePlan", "makeLedger", "makeRegistrar", "makeJournal", "applyServices", "applyScheduledTasks", "judgeTargets", "status", "StatusReport", "drainCheck", "drainChecks", "versionCheck", "versionChecks", "rollback", "Ecs", "ScheduledTasks", "VersionProbe", "Progress", "DefaultRegion", "AwsLive", "VersionProbeLive", "DeployFailed", "DeployTimedOut", "PlanError", "ConfigError", "RunReport", "loadConfig", "ServiceDeploymentReport", "RestoredBy", "DeploymentModelReport", "extraMinutes"]) {
      expect(Gehen).toHaveProperty(name)
    }
  })
})
