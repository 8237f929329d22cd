import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Exit } from "effect"
import { deploy, type DeployFailed } from "../../../src/deploy/run/Deploy.js"
import { AwsCallError } from "../../../src/ports/Errors.js"
import { getTaskStates, makeTaskStatesResolver } from "../../../src/reads/ServiceStates.js"
import type { SimCall } from "../../../src/testing/index.js"
import { ACCOUNT, configFor, failureOf, makeWorld, runWithClock, SHA, svc } from "../../support/world.js"

const arnsOf = (c: SimCall) => c.params["tasks"] as ReadonlyArray<string>
const clusterOf = (c: SimCall) => `${c.region}|${String(c.params["cluster"])}`

/**
 * Reads of the poll rounds (all calls of a round share an instant under TestClock), per
 * cluster, from after the plan's instant (it reads every service once) until `until`.
 */
const readsByRoundAndCluster = (calls: ReadonlyArray<SimCall>, until: number) => {
  const groups = new Map<string, number>()
  const planned = calls[0]?.at ?? 0
  for (const c of calls) {
    if (c.at <= planned || c.at >= until || !["DescribeServices", "ListTasks", "DescribeTasks"].includes(c.operation)) {
      continue
    }
    const key = `${c.at} ${clusterOf(c)}`
    groups.set(key, (groups.get(key) ?? 0) + 1)
  }
  return groups
}

describe("the drain check's reads", () => {
  it.effect("every round stays within 1.5 reads per 10 services of a cluster; DescribeTasks calls are well formed", () =>
    Effect.gen(function*() {
      // The new tasks run a minute before their health checks fail: the drain polls many rounds first.
      const w = yield* makeWorld({ [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 60, replaceAfter: 30 } })
      // 12 services of 4 tasks in prod-a (3 reads a round), 3 of 2 in prod-b (1 read a round).
      const a = Array.from({ length: 12 }, (_, i) => `svc-a${i}`)
      const b = Array.from({ length: 3 }, (_, i) => `svc-b${i}`)
      for (const name of a) {
        yield* w.sim.addService({
          cluster: "prod-a",
          name,
          taskDefinition: w.api,
          region: "us-east-1",
          desiredCount: 4
        })
      }
      for (const name of b) {
        yield* w.sim.addService({ cluster: w.clusterB, name, taskDefinition: w.worker, region: "us-west-2" })
      }
      const config = configFor(w.clusterB, {
        services: [
          ...a.map((name) => svc(name, "prod-a")),
          ...b.map((name) => svc(name, w.clusterB, { containers: ["worker"] }))
        ],
        scheduledTasks: []
      })
      const { exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)), "5 seconds")

      // Fails on the unhealthy tasks, naming them, and rolls back.
      expect(Exit.isFailure(exit)).toBe(true)
      const error = failureOf(exit) as DeployFailed
      expect(error._tag).toBe("DeployFailed")
      expect(error.report.services.some((s) => /UNHEALTHY/.test(s.error ?? ""))).toBe(true)
      expect(error.report.services.every((s) => s.outcome === "rolled-back")).toBe(true)

      // The forward phases: every read up to the first rollback call.
      const updates = yield* w.sim.calls("UpdateService")
      const rollbackAt = updates[a.length + b.length]!.at
      const rounds = readsByRoundAndCluster(yield* w.sim.calls(), rollbackAt)
      expect(rounds.size).toBeGreaterThanOrEqual(8)
      for (const [key, reads] of rounds) {
        // ceil(12/10) = 2 DescribeServices and 1 spare read in prod-a; 1 read in prod-b.
        expect(reads, key).toBeLessThanOrEqual(key.endsWith("|prod-a") ? 3 : 1)
      }
      // prod-a's spare read looks at tasks; prod-b has none to spare.
      const lists = (yield* w.sim.calls("ListTasks")).filter((c) => c.at < rollbackAt)
      expect(lists.length).toBeGreaterThan(0)
      expect(lists.every((c) => c.params["cluster"] === "prod-a")).toBe(true)
      const describes = (yield* w.sim.calls("DescribeTasks")).filter((c) => c.at < rollbackAt)
      for (const c of describes) {
        expect(arnsOf(c).length).toBeGreaterThan(0)
        expect(arnsOf(c).length).toBeLessThanOrEqual(100)
        expect(new Set(arnsOf(c)).size).toBe(arnsOf(c).length)
      }
    }))

  it.effect("with 10 services or fewer, one read a round, and the drain is seen within two rounds", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "healthy", startAfter: 5, healthyAfter: 20, drainAfter: 10 } })
      const names = Array.from({ length: 10 }, (_, i) => `svc-${i}`)
      for (const name of names) {
        yield* w.sim.addService({ cluster: "prod-a", name, taskDefinition: w.api, region: "us-east-1" })
      }
      const config = configFor(w.clusterB, {
        services: names.map((name) => svc(name, "prod-a")),
        scheduledTasks: [],
        checkIntervalSeconds: 5
      })
      const { elapsed, exit } = yield* runWithClock(deploy(config, { gitsha: SHA }).pipe(Effect.provide(w.layer)))
      expect(Exit.isSuccess(exit)).toBe(true)
      // Rollouts take 30 s; with 5 s rounds gehen sees the end within two rounds.
      expect(Duration.toSeconds(elapsed)).toBeLessThanOrEqual(40)
      const rounds = readsByRoundAndCluster(yield* w.sim.calls(), Number.MAX_SAFE_INTEGER)
      for (const reads of rounds.values()) expect(reads).toBeLessThanOrEqual(1)
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
