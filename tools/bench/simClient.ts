/** The bench's side of its simulator process (see simProcess.ts): start it seeded, ask it, close it. */
import { type ChildProcess, fork } from "node:child_process"
import type { SimCall } from "../../src/testing/index.js"
import type { SimReply, SimRequest } from "./simProtocol.js"

export interface SimProcess {
  readonly url: string
  readonly calls: () => Promise<ReadonlyArray<SimCall>>
  readonly lastRolloutDone: () => Promise<number | undefined>
  /** The simulator process's own CPU seconds and peak RSS so far. */
  readonly usage: () => Promise<{ readonly cpuSeconds: number; readonly peakRssKb: number }>
  readonly close: () => Promise<void>
}

const ask = <Op extends SimReply["op"]>(
  child: ChildProcess,
  request: SimRequest,
  op: Op
): Promise<Extract<SimReply, { op: Op }>> =>
  new Promise((resolve, reject) => {
    const onMessage = (reply: SimReply) => {
      if (reply.op !== op) return
      cleanUp()
      resolve(reply as Extract<SimReply, { op: Op }>)
    }
    const onExit = (code: number | null) => {
      cleanUp()
      reject(new Error(`the bench's simulator exited (${code}) before answering ${request.op}`))
    }
    const cleanUp = () => {
      child.off("message", onMessage)
      child.off("exit", onExit)
    }
    child.on("message", onMessage)
    child.on("exit", onExit)
    child.send(request)
  })

/** Starts `simPath` (dist/tools/bench-sim.mjs) and seeds it. */
export const startSimProcess = async (
  simPath: string,
  seed: Omit<Extract<SimRequest, { op: "seed" }>, "op">
): Promise<SimProcess> => {
  const child = fork(simPath, [], { stdio: ["ignore", "ignore", "inherit", "ipc"] })
  try {
    const { url } = await ask(child, { op: "seed", ...seed }, "seeded")
    return {
      url,
      calls: async () => (await ask(child, { op: "calls" }, "calls")).calls,
      lastRolloutDone: async () => (await ask(child, { op: "lastRolloutDone" }, "lastRolloutDone")).at,
      usage: async () => {
        const { cpuSeconds, peakRssKb } = await ask(child, { op: "usage" }, "usage")
        return { cpuSeconds, peakRssKb }
      },
      close: () =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve()
          child.once("exit", () => resolve())
          child.send({ op: "close" })
        })
    }
  } catch (e) {
    child.kill("SIGKILL")
    throw e
  }
}
