// The Datadog sink's end, in process with real sockets: a datagram waits for the agent's
// address, is sent once it is known, and the flush closes hot-shots only once nothing is in
// flight, so hot-shots' own "could not clear out messages in flight" line never reaches
// stderr; a flush whose sends still wait at the end of its budget says so in gehen's line.
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { afterAll, afterEach, describe, expect, it, vi } from "vitest"
import { makeDatadog } from "../../src/monitoring/Datadog.js"
import { makeProblems } from "../../src/monitoring/Problems.js"
import { makeTaskLabels } from "../../src/monitoring/TaskLabels.js"
import { waitFor } from "../support/waitFor.js"
import { parseDatagrams } from "./support/dogstatsd.js"
import { startUdp, type UdpReceiver } from "./support/receivers.js"

const open: Array<UdpReceiver> = []
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()))
})
afterEach(() => {
  vi.restoreAllMocks()
})

const sinkWith = (
  port: number,
  resolve: (host: string) => Promise<ReadonlyArray<{ address: string; family: 4 | 6 }>>
) =>
  Effect.gen(function*() {
    const problems = yield* makeProblems
    const labels = yield* makeTaskLabels
    const sink = yield* makeDatadog(
      { host: "agent.example", port, unifiedTags: [] },
      "abc1234",
      labels,
      problems,
      resolve
    )
    return { sink, problems }
  })

const defect = Cause.die(new Error("boom"))

describe("the Datadog sink's flush", () => {
  it("sends what waited for the address once it resolves, then closes without a word on stderr", async () => {
    const udp = await startUdp()
    open.push(udp)
    let answer: (a: ReadonlyArray<{ address: string; family: 4 }>) => void = () => {}
    const address = new Promise<ReadonlyArray<{ address: string; family: 4 }>>((r) => (answer = r))
    const errors = vi.spyOn(console, "error")
    const { sink, problems } = await Effect.runPromise(sinkWith(udp.port, () => address))
    // A run that died before its report: one event, sent while the address is not known yet.
    await Effect.runPromise(sink.defect(defect))
    expect(udp.datagrams).toEqual([])
    answer([{ address: "127.0.0.1", family: 4 }])
    await Effect.runPromise(sink.flush(Duration.seconds(60)))
    await waitFor(() => udp.datagrams.length > 0, "the event")
    expect(parseDatagrams(udp.datagrams).events.map((e) => e.title)).toEqual(["gehen.deploys.failed"])
    expect(await Effect.runPromise(problems.line)).toBeUndefined()
    expect(errors).not.toHaveBeenCalled()
  })

  it("an address that never comes: the flush ends at its budget, gehen notes it, hot-shots says nothing", async () => {
    const errors = vi.spyOn(console, "error")
    const { sink, problems } = await Effect.runPromise(sinkWith(8125, () => new Promise(() => {})))
    await Effect.runPromise(sink.defect(defect))
    await Effect.runPromise(sink.flush(Duration.millis(200)))
    expect(await Effect.runPromise(problems.line)).toBe(
      "gehen: monitoring (the deploy is not affected): the Datadog agent at agent.example:8125: not every datagram was sent within 0.2 s"
    )
    expect(errors).not.toHaveBeenCalled()
  })

  it("a host that does not resolve: noted with the lookup's reason, nothing sent, nothing else said", async () => {
    const errors = vi.spyOn(console, "error")
    const { sink, problems } = await Effect.runPromise(
      sinkWith(8125, () => Promise.reject(new Error("agent.example does not resolve")))
    )
    await Effect.runPromise(sink.defect(defect))
    await Effect.runPromise(sink.flush(Duration.seconds(60)))
    expect(await Effect.runPromise(problems.line)).toBe(
      "gehen: monitoring (the deploy is not affected): the Datadog agent at agent.example:8125: agent.example does not resolve"
    )
    expect(errors).not.toHaveBeenCalled()
  })
})
