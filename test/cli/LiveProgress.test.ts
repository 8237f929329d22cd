import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { formatElapsed, layer, make, truncate } from "../../src/cli/LiveProgress.js"
import { makeStyle } from "../../src/cli/Style.js"
import type { TargetId } from "../../src/domain/Targets.js"
import { type Phase, Progress, type ProgressEvent, type ProgressStatus } from "../../src/ports/Progress.js"

const api: TargetId = { kind: "service", name: "api", cluster: "prod", region: "us-east-1" }
const web: TargetId = { kind: "service", name: "web", cluster: "prod", region: "us-east-1" }
const nightly: TargetId = { kind: "scheduled-task", name: "nightly", region: "us-east-1" }

const event = (target: TargetId | undefined, phase: Phase, status: ProgressStatus, message: string) =>
  Effect.map(Clock.currentTimeMillis, (at): ProgressEvent => ({ target, phase, status, message, at }))

// Strips escape sequences so assertions read like the screen.
// eslint-disable-next-line no-control-regex -- it matches the terminal's escape sequences
const plain = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "")
const screenLines = (chunk: string) => plain(chunk).split("\n").map((l) => l.replace(/^\r/, "")).filter((l) => l !== "")

/** A renderer writing into `out`, in a scope the test closes itself. */
const setup = (options: { columns?: number; rows?: number } = {}) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const scope = yield* Scope.make()
    const live = yield* Scope.extend(
      make({ write: (c) => void out.push(c), style: makeStyle(false), ...options }),
      scope
    )
    const emit = (target: TargetId | undefined, phase: Phase, status: ProgressStatus, message: string) =>
      Effect.flatMap(event(target, phase, status, message), live.emit)
    return { out, scope, live, emit, close: Scope.close(scope, Exit.void) }
  })

describe("LiveProgress", () => {
  it.effect("draws a burst of events within 200 ms in one redraw", () =>
    Effect.gen(function*() {
      const { emit, out, close } = yield* setup()
      yield* emit(api, "update", "started", "updating api to api:5")
      yield* TestClock.adjust("50 millis")
      yield* emit(web, "update", "started", "updating web to web:9")
      yield* TestClock.adjust("50 millis")
      yield* emit(api, "update", "succeeded", "deployment of api:5 started")
      yield* emit(api, "drain", "started", "waiting for api:5 to be the only deployment")
      expect(out).toHaveLength(0)
      yield* TestClock.adjust("100 millis")
      expect(out).toHaveLength(1)
      expect(screenLines(out[0]!)).toStrictEqual([
        "› api (prod)  draining     0s  waiting for api:5 to be the only deployment",
        "› web (prod)  updating     0s  updating web to web:9"
      ])
      // Nothing changed: no write.
      yield* TestClock.adjust("200 millis")
      expect(out).toHaveLength(1)
      yield* close
    }))

  it.effect("redraws in place with cursor-up and erase-line", () =>
    Effect.gen(function*() {
      const { emit, out, close } = yield* setup()
      yield* emit(api, "drain", "started", "waiting")
      yield* emit(web, "drain", "started", "waiting")
      yield* TestClock.adjust("200 millis")
      yield* emit(api, "drain", "observed", "2/3 new running, old deployment 1 running")
      yield* TestClock.adjust("200 millis")
      expect(out).toHaveLength(2)
      expect(out[0]!.startsWith("\r\u001b[2K")).toBe(true)
      expect(out[1]!.startsWith("\u001b[2A\r\u001b[2K")).toBe(true)
      expect(out[1]!.endsWith("\u001b[0J")).toBe(true)
      expect(screenLines(out[1]!)[0]).toBe("› api (prod)  draining     0s  2/3 new running, old deployment 1 running")
      yield* close
    }))

  it.effect("shows the time spent in the phase, updated as it passes", () =>
    Effect.gen(function*() {
      const { emit, out, close } = yield* setup()
      yield* emit(api, "version-check", "started", "checking https://api/version for def5678")
      yield* TestClock.adjust("65 seconds")
      yield* emit(api, "version-check", "observed", "serving abc1234, want def5678")
      yield* TestClock.adjust("200 millis")
      expect(screenLines(out.at(-1)!)).toStrictEqual([
        "› api (prod)  checking version  1m05s  serving abc1234, want def5678"
      ])
      yield* close
    }))

  it.effect("prints failures and run events as permanent lines above the block, and draws the final state on close", () =>
    Effect.gen(function*() {
      const { emit, out, close } = yield* setup({ columns: 120 })
      yield* emit(undefined, "plan", "started", "planning 2 service(s) and 1 scheduled task(s)")
      yield* TestClock.adjust("200 millis")
      expect(screenLines(out.join(""))).toStrictEqual([
        "00:00:00 › gehen plan: planning 2 service(s) and 1 scheduled task(s)"
      ])
      yield* emit(nightly, "register", "started", "registering a revision of nightly:3")
      yield* emit(nightly, "register", "succeeded", "registered nightly:4")
      yield* emit(nightly, "update", "started", "pointing rule nightly at nightly:4")
      yield* emit(nightly, "update", "succeeded", "rule nightly now runs nightly:4")
      yield* emit(api, "drain", "started", "waiting")
      yield* TestClock.adjust("3 seconds")
      yield* emit(api, "drain", "failed", "task 1234 of api:5 is UNHEALTHY")
      yield* emit(web, "drain", "started", "waiting")
      yield* emit(web, "drain", "succeeded", "drained: 3/3 new running")
      const before = out.length
      yield* close
      expect(out.length).toBe(before + 1)
      expect(screenLines(out.at(-1)!)).toStrictEqual([
        "00:00:03 ✗ api (prod) drain: task 1234 of api:5 is UNHEALTHY",
        "✓ nightly (scheduled task)  done             0s  rule nightly now runs nightly:4",
        "✗ api (prod)                drain failed     3s  task 1234 of api:5 is UNHEALTHY",
        "✓ web (prod)                done             0s  drained: 3/3 new running"
      ])
      // After the close, events are plain lines.
      out.length = 0
      yield* TestClock.adjust("1 second")
      expect(out).toHaveLength(0)
    }))

  it.effect("stop draws once and then prints plain lines", () =>
    Effect.gen(function*() {
      const { emit, live, out, close } = yield* setup()
      yield* emit(api, "rollback", "started", "rolling back to api:4")
      yield* live.stop
      expect(out).toHaveLength(1)
      yield* emit(api, "rollback", "succeeded", "update to api:4 started")
      expect(plain(out[1]!)).toBe("00:00:00 ✓ api (prod) rollback: update to api:4 started\n")
      yield* close
      expect(out).toHaveLength(2)
    }))

  it.effect("truncates live lines to the terminal width", () =>
    Effect.gen(function*() {
      const { emit, out, close } = yield* setup({ columns: 40 })
      yield* emit(api, "drain", "observed", "2/3 new running, old deployment 1 running")
      yield* TestClock.adjust("200 millis")
      const [line] = screenLines(out[0]!)
      expect(line).toBe("› api (prod)  draining     0s  2/3 new…")
      expect([...line!].length).toBe(39)
      yield* close
    }))

  it.effect("folds finished rows into a count when the block is taller than the terminal", () =>
    Effect.gen(function*() {
      const { emit, out, close } = yield* setup({ rows: 4 })
      yield* emit(nightly, "update", "succeeded", "rule nightly now runs nightly:4")
      yield* emit(api, "drain", "started", "waiting")
      yield* emit(web, "drain", "started", "waiting")
      yield* TestClock.adjust("200 millis")
      expect(screenLines(out[0]!)).toStrictEqual([
        "› api (prod)  draining     0s  waiting",
        "› web (prod)  draining     0s  waiting",
        "  … 1 done"
      ])
      yield* close
    }))
})

describe("LiveProgress wording", () => {
  const phases: ReadonlyArray<Phase> = [
    "plan",
    "register",
    "update",
    "version-check",
    "drain",
    "rollback",
    "rollback-version-check",
    "rollback-drain"
  ]

  /** The phase column of a lone row after one event, for each phase in order. */
  const phaseColumn = (target: TargetId, status: ProgressStatus) =>
    Effect.forEach(phases, (phase) =>
      Effect.gen(function*() {
        const { emit, live, out, close } = yield* setup({ columns: 200 })
        yield* emit(target, phase, status, "m")
        yield* live.stop
        const lines = screenLines(out.at(-1)!).filter((l) => !/^\d\d:/.test(l))
        yield* close
        return lines.map((l) => l.split(/ {2,}/)[1])
      }))

  it.effect("a service's phase column while running, after success, failure and skip", () =>
    Effect.gen(function*() {
      expect(yield* phaseColumn(api, "started")).toStrictEqual([
        ["planning"],
        ["registering"],
        ["updating"],
        ["checking version"],
        ["draining"],
        ["rolling back"],
        ["rollback: checking version"],
        ["rollback: draining"]
      ])
      expect(yield* phaseColumn(api, "succeeded")).toStrictEqual([
        ["plan"],
        ["registered"],
        ["updated"],
        ["version ok"],
        ["done"],
        ["rollback issued"],
        ["rollback version ok"],
        ["rolled back"]
      ])
      expect(yield* phaseColumn(api, "failed")).toStrictEqual([
        ["plan failed"],
        ["register failed"],
        ["update failed"],
        ["version check failed"],
        ["drain failed"],
        ["rollback failed"],
        ["rollback version check failed"],
        ["rollback drain failed"]
      ])
      expect(yield* phaseColumn(api, "skipped")).toStrictEqual([
        ["plan skipped"],
        ["register skipped"],
        ["update skipped"],
        ["version check skipped"],
        ["drain skipped"],
        ["rollback skipped"],
        ["rollback version check skipped"],
        ["rollback drain skipped"]
      ])
    }))

  it.effect("a scheduled task is done after its update and rolled back after its rollback", () =>
    Effect.gen(function*() {
      expect(yield* phaseColumn(nightly, "succeeded")).toStrictEqual([
        ["plan"],
        ["registered"],
        ["done"],
        ["version ok"],
        ["done"],
        ["rolled back"],
        ["rollback version ok"],
        ["rolled back"]
      ])
    }))
})

describe("LiveProgress.layer", () => {
  it.effect("draws the final state when the provided effect ends, with no tick needed", () =>
    Effect.gen(function*() {
      const out: Array<string> = []
      yield* Effect.gen(function*() {
        const progress = yield* Progress
        yield* progress.emit(yield* event(api, "drain", "succeeded", "drained: 3/3 new running"))
      }).pipe(Effect.provide(layer({ write: (c) => void out.push(c), style: makeStyle(false) })))
      expect(out.map(screenLines)).toStrictEqual([["✓ api (prod)  done     0s  drained: 3/3 new running"]])
    }))
})

describe("truncate", () => {
  it("keeps escape sequences and resets the colour", () => {
    const red = "\u001b[31mabcdefgh\u001b[39m"
    expect(truncate(red, 5)).toBe("\u001b[31mabcd…\u001b[0m")
    expect(truncate(red, 8)).toBe(red)
    expect(truncate("abc", 2)).toBe("a…")
  })
})

describe("formatElapsed", () => {
  it("is short", () => {
    expect([0, 12_300, 65_000, 3_725_000].map(formatElapsed)).toStrictEqual(["0s", "12s", "1m05s", "1h02m"])
  })
})
