import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit } from "effect"
import { deploy, type DeployFailed } from "../src/deploy/Deploy.js"
import { AwsCallError } from "../src/ports/Errors.js"
import { getTaskStates, makeTaskStatesResolver } from "../src/deploy/ServiceStates.js"
import type { SimCall } from "../src/testing/index.js"
import { ACCOUNT, configFor, failureOf, makeWorld, runWithClock, SHA } from "./support/world.js"

const arnsOf = (c: SimCall) => c.params["tasks"] as ReadonlyArray<string>
const clusterOf = (c: SimCall) => `${c.region}|${String(c.params["cluster"])}`

/** DescribeTasks calls grouped by instant (one poll round) and cluster. */
const byRoundAndCluster = (calls: ReadonlyArray<SimCall>) => {
  const groups = new Map<string, Array<SimCall>>()
  for (const c of calls) {
    const key = `${c.at} ${clusterOf(c)}`
    groups.set(key, [...(groups.get(key) ?? []), c])
  }
  return groups
}

describe("DescribeTasks batching in the drain check", () => {
  it.effect("the looks of one round share one DescribeTasks call per cluster and 100 ARNs", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: "unhealthy" })
      // 12 services of 4 tasks in prod-a (more than 100 ARNs when they all look), 3 of 2 in prod-b.
      const a = Array.from({ length: 12 }, (_, i) => `svc-a${i}`)
      const b = Array.from({ length: 3 }, (_, i) => `svc-b${i}`)
      for (const name of a) {
        yield* w.sim.addService({ cluster: "prod-a", name, taskDefinition: w.api, region: "us-east-1", desiredCount: 4 })
      }
      for (const name of b) yield* w.sim.addService({ cluster: w.clusterB, name, taskDefinition: w.worker, region: "us-west-2" })
      const config = configFor(w.clusterB, {
        services: [...a.map((name) => ({ name, cluster: "prod-a" })), ...b.map((name) => ({ name, cluster: w.clusterB }))],
        scheduledTasks: []
      })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")

      // Still fails at once on the UNHEALTHY task, naming it, and rolls back.
      expect(Exit.isFailure(exit)).toBe(true)
      const error = failureOf(exit) as DeployFailed
      expect(error._tag).toBe("DeployFailed")
      const named = error.report.services.filter((s) => /task \w+ of \S+ is UNHEALTHY/.test(s.error ?? ""))
      expect(named.length).toBeGreaterThan(0)
      expect(error.report.services.every((s) => s.outcome === "rolled-back")).toBe(true)

      // Which service each task belongs to (stopped tasks stay known for an hour).
      const owner = new Map<string, string>()
      for (const name of a) for (const t of yield* w.sim.tasks("prod-a", name, "us-east-1")) owner.set(t.taskArn!, name)
      for (const name of b) for (const t of yield* w.sim.tasks(w.clusterB, name, "us-west-2")) owner.set(t.taskArn!, name)

      const describes = yield* w.sim.calls("DescribeTasks")
      expect(describes.length).toBeGreaterThan(0)
      const groups = byRoundAndCluster(describes)
      let sharedLooks = 0
      for (const calls of groups.values()) {
        const arns = calls.flatMap(arnsOf)
        // Never empty, at most 100 ARNs, each ARN sent once, and no more calls than 100 ARNs need.
        expect(calls.every((c) => arnsOf(c).length > 0 && arnsOf(c).length <= 100)).toBe(true)
        expect(new Set(arns).size).toBe(arns.length)
        expect(calls.length).toBe(Math.ceil(arns.length / 100))
        const services = new Set(arns.map((arn) => owner.get(arn)))
        if (services.size > 1) sharedLooks++
      }
      // The round where every service looks at once: its DescribeTasks calls hold the tasks of all of them.
      const [lookCalls] = [...groups.entries()]
        .filter(([key]) => key.endsWith("|prod-a"))
        .map(([, calls]) => calls)
        .sort((x, y) => y.flatMap(arnsOf).length - x.flatMap(arnsOf).length)
      const lookArns = lookCalls!.flatMap(arnsOf)
      expect(new Set(lookArns.map((arn) => owner.get(arn)))).toEqual(new Set(a))
      expect(lookArns.length).toBeGreaterThan(100)
      expect(lookCalls).toHaveLength(2)
      expect(sharedLooks).toBeGreaterThanOrEqual(2)
      // One call per cluster and 100 ARNs, where one call per service would have been 15.
      expect(describes.length).toBeLessThan(a.length + b.length)
    }))
})

describe("the task states resolver", () => {
  const fakes = (region: string, cluster: string, n: number) =>
    Array.from({ length: n }, (_, i) => `arn:aws:ecs:${region}:${ACCOUNT}:task/${cluster}/fake${i}`)

  it.effect("150 ARNs of 2 clusters: 100 + 20 in one, 30 in the other, in 3 calls; tasks ECS leaves out are skipped", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const apiTasks = (yield* w.sim.tasks("prod-a", "api", "us-east-1")).map((t) => t.taskArn!)
      const workerTasks = (yield* w.sim.tasks(w.clusterB, "worker", "us-west-2")).map((t) => t.taskArn!)
      const refA = { region: "us-east-1", cluster: "prod-a" }
      const refB = { region: "us-west-2", cluster: w.clusterB }
      // Two looks in prod-a (70 + 50 ARNs) and one in prod-b (30), as three services of one round.
      const looks = [
        { ref: refA, arns: [...apiTasks, ...fakes("us-east-1", "prod-a", 70 - apiTasks.length)] },
        { ref: refA, arns: fakes("us-east-1", "prod-a", 120 - apiTasks.length).slice(70 - apiTasks.length) },
        { ref: refB, arns: [...workerTasks, ...fakes("us-west-2", "prod-b", 30 - workerTasks.length)] }
      ]
      const results = yield* Effect.gen(function*() {
        const resolver = yield* makeTaskStatesResolver
        return yield* Effect.forEach(looks, (l) => getTaskStates(resolver, l.ref, l.arns), {
          concurrency: "unbounded",
          batching: true
        })
      }).pipe(Effect.provide(w.layer))

      expect(results[0]!.map((t) => t.taskArn)).toEqual(apiTasks)
      expect(results[1]).toEqual([])
      expect(results[2]!.map((t) => t.taskArn)).toEqual(workerTasks)
      const calls = yield* w.sim.calls("DescribeTasks")
      expect(calls.map((c) => [clusterOf(c), arnsOf(c).length]).sort()).toEqual([
        ["us-east-1|prod-a", 100],
        ["us-east-1|prod-a", 20],
        [`us-west-2|${w.clusterB}`, 30]
      ].sort())
      expect(new Set(calls.flatMap(arnsOf)).size).toBe(150)
    }))

  it.effect("an ARN asked twice is sent once; an empty list makes no call", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const apiTasks = (yield* w.sim.tasks("prod-a", "api", "us-east-1")).map((t) => t.taskArn!)
      const ref = { region: "us-east-1", cluster: "prod-a" }
      const [none, first, second] = yield* Effect.gen(function*() {
        const resolver = yield* makeTaskStatesResolver
        return yield* Effect.forEach([[], apiTasks, apiTasks], (arns) => getTaskStates(resolver, ref, arns), {
          concurrency: "unbounded",
          batching: true
        })
      }).pipe(Effect.provide(w.layer))
      expect(none).toEqual([])
      expect(first).toEqual(second)
      expect(first!.map((t) => t.taskArn)).toEqual(apiTasks)
      const calls = yield* w.sim.calls("DescribeTasks")
      expect(calls.map(arnsOf)).toEqual([apiTasks])

      yield* w.sim.clearCalls()
      const empty = yield* Effect.flatMap(makeTaskStatesResolver, (resolver) => getTaskStates(resolver, ref, [])).pipe(
        Effect.provide(w.layer)
      )
      expect(empty).toEqual([])
      expect(yield* w.sim.calls("DescribeTasks")).toEqual([])
    }))

  it.effect("a failed call fails the requests of its batch with the AwsCallError, and only those", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const apiTasks = (yield* w.sim.tasks("prod-a", "api", "us-east-1")).map((t) => t.taskArn!)
      const workerTasks = (yield* w.sim.tasks(w.clusterB, "worker", "us-west-2")).map((t) => t.taskArn!)
      yield* w.sim.failNext({ operation: "DescribeTasks", region: "us-west-2", code: "ThrottlingException" })
      const looks = [
        { ref: { region: "us-east-1", cluster: "prod-a" }, arns: apiTasks },
        { ref: { region: "us-west-2", cluster: w.clusterB }, arns: workerTasks }
      ]
      const [a, b] = yield* Effect.gen(function*() {
        const resolver = yield* makeTaskStatesResolver
        return yield* Effect.forEach(looks, (l) => Effect.either(getTaskStates(resolver, l.ref, l.arns)), {
          concurrency: "unbounded",
          batching: true
        })
      }).pipe(Effect.provide(w.layer))
      expect(Either.getOrThrow(a!).map((t) => t.taskArn)).toEqual(apiTasks)
      const failed = Either.flip(b!).pipe(Either.getOrThrow)
      expect(failed).toBeInstanceOf(AwsCallError)
      expect(failed).toMatchObject({ operation: "DescribeTasks", code: "ThrottlingException" })
      expect(yield* w.sim.calls("DescribeTasks")).toHaveLength(2)
    }))
})
