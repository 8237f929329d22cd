/**
 * The bench's simulator in a process of its own (dist/tools/bench-sim.mjs), so that the
 * CLI's CPU time and memory are measured apart from the simulator answering it. Driven by
 * the bench over Node's IPC channel: one `seed` message starts it (seeded services, the
 * HTTP server) and is answered with its url; then `calls`, `lastRolloutDone` and `usage`
 * are answered, and `close` ends it. See simClient.ts for the other side.
 */
import * as Effect from "effect/Effect"
import { Simulator, type SimulatorApi, startSimServerPromise } from "../../src/testing/index.js"
import type { SimReply, SimRequest } from "./simProtocol.js"
import { blueGreenFor, type Placed, placement, REGION, rolloutFor, seed } from "./simulator.js"

const send = (reply: SimReply) => process.send?.(reply)

/** When the simulator completed the last rollout: it stamps a deployment's updatedAt as its old tasks go. */
const lastRolloutDone = async (sim: SimulatorApi, placed: ReadonlyArray<Placed>): Promise<number | undefined> => {
  let last = 0
  for (const s of placed) {
    const svc = await Effect.runPromise(sim.service(s.cluster, s.name, REGION))
    const d = svc?.deployments
    if (d?.length !== 1 || d[0]?.rolloutState !== "COMPLETED" || d[0].updatedAt === undefined) return undefined
    last = Math.max(last, d[0].updatedAt.getTime())
  }
  return last
}

let state: { sim: SimulatorApi; placed: ReadonlyArray<Placed>; close: () => Promise<void> } | undefined

process.on("message", (message: SimRequest) => {
  void (async () => {
    switch (message.op) {
      case "seed": {
        const { services, clusterSize, desiredCount, rolloutSeconds, strategy } = message
        const sim = await Effect.runPromise(Simulator.make({ behaviour: () => rolloutFor(rolloutSeconds) }))
        const placed = placement(services, clusterSize)
        await Effect.runPromise(
          seed(sim, placed, desiredCount, strategy === "BLUE_GREEN" ? blueGreenFor(rolloutSeconds) : undefined)
        )
        const server = await startSimServerPromise(sim, { host: "127.0.0.1" })
        state = { sim, placed, close: server.close }
        return send({ op: "seeded", url: server.url })
      }
      case "calls":
        return send({ op: "calls", calls: state === undefined ? [] : await Effect.runPromise(state.sim.calls()) })
      case "lastRolloutDone":
        return send({
          op: "lastRolloutDone",
          at: state === undefined ? undefined : await lastRolloutDone(state.sim, state.placed)
        })
      case "usage": {
        const cpu = process.cpuUsage()
        return send({
          op: "usage",
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
          peakRssKb: process.resourceUsage().maxRSS
        })
      }
      case "close":
        await state?.close()
        process.disconnect()
        return
    }
  })().catch((e: unknown) => {
    process.stderr.write(`bench-sim: ${e instanceof Error ? e.stack : String(e)}\n`)
    process.exit(1)
  })
})
