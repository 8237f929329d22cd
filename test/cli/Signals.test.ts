import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { makeSignals, type OnStop } from "../../src/cli/Signals.js"
import type { ProgressEvent } from "../../src/ports/Progress.js"

const make = () => {
  const lines: Array<string> = []
  const exits: Array<number> = []
  const signals = makeSignals({
    writeStderr: (l) => void lines.push(l),
    exit: (c) => void exits.push(c),
    grace: "1.5 s"
  })
  return { signals, lines, exits }
}

const api = { kind: "service" as const, region: "us-east-1", cluster: "prod", service: "api", name: "api" }
const event = (phase: ProgressEvent["phase"], status: ProgressEvent["status"]): ProgressEvent => ({
  target: api,
  phase,
  status,
  message: "",
  at: 0
})

describe("signals in the order CI sends them", () => {
  it.each(
    [
      ["read-only", false, "gehen: SIGINT received: stopping (this command changes nothing)\n"],
      [
        "rollback",
        false,
        "gehen: SIGINT received: stopping; nothing was changed yet, so nothing to put back; a second signal stops waiting for confirmations, a third exits at once\n"
      ],
      [
        "rollback",
        true,
        "gehen: SIGINT received: stopping; putting back the 1 target(s) this run changed, then the summary and report; a second signal stops waiting for confirmations, a third exits at once\n"
      ],
      [
        "leave",
        true,
        "gehen: SIGINT received: stopping; the 1 target(s) changed stay on the new version (--on-interrupt leave); a second signal stops waiting for confirmations, a third exits at once\n"
      ]
    ] as const
  )("the first signal says at once what happens (%s, changed: %s)", (onStop: OnStop, changed, line) => {
    const { signals, lines, exits } = make()
    signals.onStop(onStop)
    if (changed) signals.observe(event("update", "started"))
    signals.receive("SIGINT")
    expect(lines).toEqual([line])
    expect(exits).toEqual([])
  })

  it.effect("the second signal completes the hurry and says so; the third exits at once, 3 while a restore is not known to be out", () =>
    Effect.gen(function*() {
      const { signals, lines, exits } = make()
      signals.onStop("rollback")
      signals.observe(event("update", "started"))
      const hurry = yield* Effect.fork(signals.hurry)
      signals.receive("SIGINT")
      yield* Effect.yieldNow()
      expect(Option.isNone(yield* Fiber.poll(hurry))).toBe(true)
      signals.receive("SIGTERM")
      yield* Fiber.join(hurry)
      expect(lines[1]).toMatch(
        /^gehen: second signal \(SIGTERM\): no longer waiting for confirmations; restores get 1\.5 s to be issued/
      )
      signals.receive("SIGINT")
      expect(lines[2]).toBe(
        "gehen: third signal (SIGINT): exiting now; not known to be put back (these may still run the new version): api (prod)\n"
      )
      expect(exits).toEqual([3])
    }))

  it("a third signal once every restore went out exits 130", () => {
    const { signals, exits } = make()
    signals.onStop("rollback")
    signals.observe(event("update", "started"))
    signals.observe(event("rollback", "succeeded"))
    for (const name of ["SIGINT", "SIGTERM", "SIGINT"]) signals.receive(name)
    expect(exits).toEqual([130])
  })

  it("an interrupted run's exit code is its report's (130 by default)", () => {
    const { signals } = make()
    expect(signals.exitCode()).toBe(130)
    signals.reported(3)
    expect(signals.exitCode()).toBe(3)
  })
})
