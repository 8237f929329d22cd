// The read budget of services followed through their service deployments: at most
// 2 × ceil(n/10) reads per cluster in any poll round.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { deploy } from "../../src/deploy/run/Deploy.js"
import { Ecs } from "../../src/ports/Ecs.js"
import type { SimCall } from "../../src/testing/index.js"
import { configFor, makeWorld, runWithClock, SHA, svc } from "../support/world.js"

const reads = [
  "DescribeServices",
  "ListTasks",
  "DescribeTasks",
  "DescribeServiceDeployments",
  "ListServiceDeployments",
  "DescribeServiceRevisions"
]

/** The cluster a read is about: its `cluster`, or the cluster in its service deployment (or revision) ARNs. */
const clusterOf = (c: SimCall): string => {
  const arns = (c.params["serviceDeploymentArns"] ?? c.params["serviceRevisionArns"]) as
    | ReadonlyArray<string>
    | undefined
  const cluster = arns === undefined ? String(c.params["cluster"]) : arns[0]!.split("/")[1]!
  return `${c.region}|${cluster.split("/").pop()}`
}

describe("reads per round with the service deployments API", () => {
  it.effect.each(
    [
      ["named by the update's answer", false],
      ["found with ListServiceDeployments", true]
    ] as const
  )(
    "25 blue/green services in one cluster and 4 in another (%s): within 2 × ceil(n/10) a round, batched by 20",
    ([, find]) =>
      Effect.gen(function*() {
        const w = yield* makeWorld({ [SHA]: { kind: "healthy", startAfter: 5, healthyAfter: 20, drainAfter: 10 } })
        const a = Array.from({ length: 25 }, (_, i) => `bg-a${i}`)
        const b = Array.from({ length: 4 }, (_, i) => `bg-b${i}`)
        const deployment = { strategy: "BLUE_GREEN" as const, bakeTimeInMinutes: 3 }
        for (const name of a) {
          yield* w.sim.addService({ cluster: "prod-a", name, taskDefinition: w.api, region: "us-east-1", deployment })
        }
        for (const name of b) {
          yield* w.sim.addService({
            cluster: w.clusterB,
            name,
            taskDefinition: w.worker,
            region: "us-west-2",
            deployment
          })
        }
        const config = configFor(w.clusterB, {
          services: [
            ...a.map((name) => svc(name, "prod-a")),
            ...b.map((name) => svc(name, w.clusterB, { containers: ["worker"] }))
          ],
          scheduledTasks: []
        })
        // Without the service deployment in UpdateService's answer, gehen lists to find it.
        const answer = find
          ? Effect.updateService(Ecs, (ecs) => ({
            ...ecs,
            updateService: (ref, td) =>
              Effect.map(ecs.updateService(ref, td), (d) => ({ id: d.id, createdAt: d.createdAt }))
          }))
          : <A, E, R>(self: Effect.Effect<A, E, R>) => self
        const { exit } = yield* runWithClock(
          deploy(config, { gitsha: SHA }).pipe(answer, Effect.provide(w.layer)),
          "5 seconds"
        )
        expect(Exit.isSuccess(exit)).toBe(true)
        const calls = yield* w.sim.calls()
        const lastUpdate = (yield* w.sim.calls("UpdateService")).at(-1)!.at
        const rounds = new Map<string, number>()
        for (const c of calls) {
          if (c.at <= lastUpdate || !reads.includes(c.operation)) {
            continue
          }
          const key = `${c.at} ${clusterOf(c)}`
          rounds.set(key, (rounds.get(key) ?? 0) + 1)
        }
        expect(rounds.size).toBeGreaterThan(10)
        for (const [key, n] of rounds) expect(n, key).toBeLessThanOrEqual(key.endsWith("|prod-a") ? 6 : 2)
        // 25 deployments of one cluster: two DescribeServiceDeployments a round (20 + 5).
        const described = calls.filter((c) => c.operation === "DescribeServiceDeployments")
        const largest = Math.max(
          ...described.map((c) => (c.params["serviceDeploymentArns"] as ReadonlyArray<string>).length)
        )
        // Found a few a round by listing, they are not all followed at once.
        if (find) expect(largest).toBeLessThanOrEqual(20)
        else expect(largest).toBe(20)
        expect((yield* w.sim.calls("ListServiceDeployments")).length > 0).toBe(find)
      })
  )
})
