import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { errorAnnotation, escapeData, escapeProperty, layer, make, progressMode } from "../../src/cli/CiProgress.js"
import { makeStyle } from "../../src/cli/Style.js"
import type { TargetId } from "../../src/domain/Targets.js"
import { type Phase, Progress, type ProgressEvent, type ProgressStatus } from "../../src/ports/Progress.js"

const api: TargetId = { kind: "service", name: "api", cluster: "prod", region: "us-east-1" }
const web: TargetId = { kind: "service", name: "web", cluster: "prod", region: "us-east-1" }

const T0 = Date.UTC(2024, 0, 2, 12, 0, 0)
const ev = (
  target: TargetId | undefined,
  phase: Phase,
  status: ProgressStatus,
  message: string,
  s = 0
): ProgressEvent => ({
  target,
  phase,
  status,
  message,
  at: T0 + s * 1000
})

const run = (githubActions: boolean, events: ReadonlyArray<ProgressEvent>) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    yield* Effect.gen(function*() {
      const progress = yield* Progress
      for (const e of events) yield* progress.emit(e)
    }).pipe(Effect.provide(layer({ write: (c) => void out.push(c), style: makeStyle(false), githubActions })))
    return out.join("").split("\n").slice(0, -1)
  })

const deployEvents = [
  ev(undefined, "plan", "started", "planning 2 service(s) and 0 scheduled task(s)"),
  ev(undefined, "plan", "succeeded", "plan ready, no change made yet", 1),
  ev(api, "register", "started", "registering a revision of api:4", 1),
  ev(api, "register", "succeeded", "registered api:5", 2),
  ev(api, "update", "started", "updating api to api:5", 2),
  ev(web, "update", "started", "updating web to web:9", 2),
  ev(api, "update", "succeeded", "deployment of api:5 started", 3),
  ev(web, "update", "succeeded", "deployment of web:9 started", 3),
  ev(api, "drain", "started", "waiting for api:5 to be the only deployment", 3),
  ev(web, "drain", "started", "waiting for web:9 to be the only deployment", 3),
  ev(api, "drain", "observed", "2/3 new running, old deployment 1 running", 18),
  ev(web, "drain", "failed", "task 12ab of web:9 is UNHEALTHY, 100%: bad\nsee: logs", 33),
  ev(web, "rollback", "started", "rolling back to web:8", 34)
]

describe("CiProgress (plain)", () => {
  it.effect("writes one timestamped line per event, no workflow commands", () =>
    Effect.gen(function*() {
      const lines = yield* run(false, deployEvents.slice(0, 4))
      expect(lines).toStrictEqual([
        "12:00:00 › gehen plan: planning 2 service(s) and 0 scheduled task(s)",
        "12:00:01 ✓ gehen plan: plan ready, no change made yet",
        "12:00:01 › api (prod) register: registering a revision of api:4",
        "12:00:02 ✓ api (prod) register: registered api:5"
      ])
    }))
})

describe("CiProgress (GitHub Actions)", () => {
  it.effect("groups the lines by stage and annotates failures", () =>
    Effect.gen(function*() {
      const lines = yield* run(true, deployEvents)
      expect(lines).toStrictEqual([
        "::group::Plan",
        "12:00:00 › gehen plan: planning 2 service(s) and 0 scheduled task(s)",
        "12:00:01 ✓ gehen plan: plan ready, no change made yet",
        "::endgroup::",
        "::group::Register and update",
        "12:00:01 › api (prod) register: registering a revision of api:4",
        "12:00:02 ✓ api (prod) register: registered api:5",
        "12:00:02 › api (prod) update: updating api to api:5",
        "12:00:02 › web (prod) update: updating web to web:9",
        "12:00:03 ✓ api (prod) update: deployment of api:5 started",
        "12:00:03 ✓ web (prod) update: deployment of web:9 started",
        "::endgroup::",
        "::group::Drain",
        "12:00:03 › api (prod) drain: waiting for api:5 to be the only deployment",
        "12:00:03 › web (prod) drain: waiting for web:9 to be the only deployment",
        "12:00:18 · api (prod) drain: 2/3 new running, old deployment 1 running",
        "12:00:33 ✗ web (prod) drain: task 12ab of web:9 is UNHEALTHY, 100%: bad",
        "see: logs",
        "::error title=web (prod)::task 12ab of web:9 is UNHEALTHY, 100%25: bad%0Asee: logs",
        "::endgroup::",
        "::group::Rollback",
        "12:00:34 › web (prod) rollback: rolling back to web:8",
        // closed by the layer's scope
        "::endgroup::"
      ])
    }))

  it.effect("a run-level failure is annotated as gehen; a stopped plan is not (its problems are, one by one)", () =>
    Effect.gen(function*() {
      const lines = yield* run(true, [ev(undefined, "drain", "failed", "interrupted:\n  api: left")])
      expect(lines).toContain("::error title=gehen::interrupted:%0A  api: left")
      const plan = yield* run(true, [ev(undefined, "plan", "failed", "cannot deploy: the plan found problems")])
      expect(plan.filter((l) => l.startsWith("::error"))).toEqual([])
    }))

  it.effect("a message cannot inject a workflow command", () =>
    Effect.gen(function*() {
      const lines = yield* run(true, [ev(api, "drain", "observed", "x\n::add-mask::secret\n  ##[group]y")])
      expect(lines.slice(1, 4)).toStrictEqual([
        "12:00:00 · api (prod) drain: x",
        "· ::add-mask::secret",
        "  · ##[group]y"
      ])
    }))

  it.scoped("finish closes the open group once", () =>
    Effect.gen(function*() {
      const out: Array<string> = []
      const ci = yield* make({ write: (c) => void out.push(c), style: makeStyle(false), githubActions: true })
      yield* ci.emit(ev(api, "update", "started", "updating"))
      yield* ci.finish
      yield* ci.finish
      expect(out.filter((l) => l === "::endgroup::\n")).toHaveLength(1)
    }))
})

describe("CiProgress wording", () => {
  it.effect("names each phase on its line and each stage in its group", () =>
    Effect.gen(function*() {
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
      const lines = yield* run(true, phases.map((phase) => ev(api, phase, "observed", "m")))
      expect(lines).toStrictEqual([
        "::group::Plan",
        "12:00:00 · api (prod) plan: m",
        "::endgroup::",
        "::group::Register and update",
        "12:00:00 · api (prod) register: m",
        "12:00:00 · api (prod) update: m",
        "::endgroup::",
        "::group::Version check",
        "12:00:00 · api (prod) version check: m",
        "::endgroup::",
        "::group::Drain",
        "12:00:00 · api (prod) drain: m",
        "::endgroup::",
        "::group::Rollback",
        "12:00:00 · api (prod) rollback: m",
        "::endgroup::",
        "::group::Rollback version check",
        "12:00:00 · api (prod) rollback version check: m",
        "::endgroup::",
        "::group::Rollback drain",
        "12:00:00 · api (prod) rollback drain: m",
        "::endgroup::"
      ])
    }))
})

describe("workflow command escaping", () => {
  it("escapes data and properties as the runner expects", () => {
    expect(escapeData("100% done\r\nnext")).toBe("100%25 done%0D%0Anext")
    expect(escapeProperty("api (arn:aws:ecs, prod)%")).toBe("api (arn%3Aaws%3Aecs%2C prod)%25")
    expect(errorAnnotation("a:b,c", "x: y, z")).toBe("::error title=a%3Ab%2Cc::x: y, z")
  })
})

describe("progressMode", () => {
  it("picks github, ci or live", () => {
    expect(progressMode({ GITHUB_ACTIONS: "true", CI: "true" }, true)).toBe("github")
    expect(progressMode({ CI: "true" }, true)).toBe("ci")
    expect(progressMode({ CI: "1" }, true)).toBe("ci")
    expect(progressMode({ CI: "false" }, true)).toBe("live")
    expect(progressMode({}, false)).toBe("ci")
    expect(progressMode({ TERM: "dumb" }, true)).toBe("ci")
    expect(progressMode({}, true)).toBe("live")
  })
})
