// The run's trace as the programs make it, under TestClock: the spans any tracer gets
// (the CLI's OTLP exporter, an embedding app's), collected by a tracer made here.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Tracer } from "effect"
import type * as Context from "effect/Context"
import { deploy } from "../../src/deploy/run/Deploy.js"
import { configFor, makeWorld, runWithClock, SHA } from "../support/world.js"

interface Recorded {
  readonly name: string
  readonly kind: Tracer.SpanKind
  readonly spanId: string
  readonly parentId: string | undefined
  readonly attributes: Map<string, unknown>
  readonly events: Array<string>
  readonly start: bigint
  end: bigint | undefined
  exit: Exit.Exit<unknown, unknown> | undefined
}

/** A tracer that keeps every span it is asked for. */
const collecting = () => {
  const spans: Array<Recorded> = []
  let next = 0
  const tracer = Tracer.make({
    span(name, parent, context: Context.Context<never>, links, startTime, kind) {
      const recorded: Recorded = {
        name,
        kind,
        spanId: `s${++next}`,
        parentId: Option.getOrUndefined(Option.map(parent, (p) => p.spanId)),
        attributes: new Map(),
        events: [],
        start: startTime,
        end: undefined,
        exit: undefined
      }
      spans.push(recorded)
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: recorded.spanId,
        traceId: "t1",
        parent,
        context,
        get status(): Tracer.SpanStatus {
          return recorded.end === undefined || recorded.exit === undefined
            ? { _tag: "Started", startTime }
            : { _tag: "Ended", startTime, endTime: recorded.end, exit: recorded.exit }
        },
        attributes: recorded.attributes,
        links,
        sampled: true,
        kind,
        end: (endTime, exit) => {
          recorded.end = endTime
          recorded.exit = exit
        },
        attribute: (key, value) => void recorded.attributes.set(key, value),
        event: (name) => void recorded.events.push(name),
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  const named = (name: string) => spans.filter((s) => s.name === name)
  const children = (parent: Recorded) => spans.filter((s) => s.parentId === parent.spanId)
  return { tracer, spans, named, children }
}

describe("the run's spans", () => {
  it.effect("a deploy: the root, the plan, a span per target with its phases in order, every span ended", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld()
      const t = collecting()
      const { exit } = yield* runWithClock(
        deploy(configFor(w.clusterB), { gitsha: SHA }).pipe(Effect.provide(w.layer), Effect.withTracer(t.tracer))
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      const [root] = t.named("gehen deploy")
      expect(root?.parentId).toBeUndefined()
      expect(Object.fromEntries(root!.attributes)).toMatchObject({
        "gehen.gitsha": SHA,
        "gehen.services.count": 2,
        "gehen.scheduled_tasks.count": 1,
        "gehen.outcome": "deployed",
        "gehen.exit_code": 0,
        "gehen.targets.deployed": 3
      })
      // Besides its targets and the plan, the root holds the AWS calls of the polls that several services
      // share, and the release history's tags written at the end.
      const awsCall = (name: string) => /^(ECS|EventBridge|STS)\./.test(name)
      expect(t.children(root!).map((s) => s.name).filter((n) => !awsCall(n)).sort()).toEqual([
        "api (prod-a)",
        "nightly (scheduled task)",
        "plan",
        "worker (prod-b)"
      ])
      expect(new Set(t.children(root!).map((s) => s.name).filter(awsCall))).toEqual(
        new Set(["ECS.DescribeServices", "ECS.TagResource"])
      )
      const api = t.named("api (prod-a)")[0]!
      expect(t.children(api).map((s) => s.name)).toEqual(["register", "update", "version-check", "drain"])
      // A target's own calls nest under the phase that made them, as client spans.
      const update = t.children(api).find((s) => s.name === "update")!
      expect(t.children(update).map((s) => [s.name, s.kind])).toEqual([["ECS.UpdateService", "client"]])
      expect(api.attributes.get("gehen.target.outcome")).toBe("deployed")
      for (const phase of t.children(api)) {
        expect(phase.attributes.get("gehen.phase.status")).toBe("succeeded")
        expect(phase.exit && Exit.isSuccess(phase.exit)).toBe(true)
        // Phase spans follow the clock the journal reads: TestClock time here.
        expect(phase.end! >= phase.start).toBe(true)
      }
      // Observations while polling are events of their phase.
      expect(t.children(api).some((s) => s.events.length > 0)).toBe(true)
      expect(t.spans.filter((s) => s.end === undefined)).toEqual([])
    }))

  it.effect("a failure: the failed phase and its target end failed, the root with the deploy's error and outcome", () =>
    Effect.gen(function*() {
      const w = yield* makeWorld({ [SHA]: { kind: "unhealthy", startAfter: 5, healthyAfter: 15 } })
      const t = collecting()
      const { exit } = yield* runWithClock(
        deploy(configFor(w.clusterB), { gitsha: SHA }).pipe(Effect.provide(w.layer), Effect.withTracer(t.tracer))
      )
      expect(Exit.isFailure(exit)).toBe(true)
      const root = t.named("gehen deploy")[0]!
      expect(root.exit && Exit.isFailure(root.exit)).toBe(true)
      expect(root.attributes.get("gehen.outcome")).toBe("failed")
      const phases = t.spans.filter((s) => s.attributes.has("gehen.phase.status"))
      const failed = phases.filter((s) => s.attributes.get("gehen.phase.status") === "failed")
      expect(failed.length).toBeGreaterThan(0)
      expect(failed.every((s) => s.exit !== undefined && Exit.isFailure(s.exit))).toBe(true)
      // The target whose own phase failed ends failed; its span holds the rollback's phases too.
      const culprit = t.spans.find((s) =>
        failed.some((f) => f.parentId === s.spanId && f.attributes.get("gehen.phase.result") !== undefined)
      )!
      expect(culprit.exit && Exit.isFailure(culprit.exit)).toBe(true)
      expect(t.children(culprit).map((s) => s.name)).toEqual(expect.arrayContaining(["rollback", "rollback-drain"]))
      expect(t.named("nightly (scheduled task)")[0]?.attributes.get("gehen.target.outcome")).toBe("rolled-back")
      expect(t.spans.filter((s) => s.end === undefined)).toEqual([])
    }))
})
