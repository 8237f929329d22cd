// gehen embedded in another Effect app: the programs, their services and errors
// come from the package entry, the simulator from `gehen/testing`.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
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

  it("exports the programs, ports, live layers and errors", () => {
    for (const name of ["deploy", "plan", "makePlan", "drainCheck", "versionCheck", "rollback", "Ecs", "ScheduledTasks", "VersionProbe", "Progress", "DefaultRegion", "AwsLive", "VersionProbeLive", "DeployFailed", "DeployTimedOut", "PlanError", "ConfigError", "RunReport", "loadConfig"]) {
      expect(Gehen).toHaveProperty(name)
    }
  })
})
