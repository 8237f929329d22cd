import { describe, expect, it } from "vitest"
import type { Change, Changes } from "../../../src/deploy/apply/Ledger.js"
import type { ScheduledTaskPlan, ServicePlan } from "../../../src/deploy/plan/Plan.js"
import {
  type Confirmation,
  judgeTargets,
  type RestoreResult,
  type RunEnd,
  runOutcomeOf,
  type Verdict
} from "../../../src/deploy/run/Verdicts.js"
import { exitCodeOf } from "../../../src/report/Report.js"

// The verdicts read the keys, and the plans only for the manual commands.
const servicePlan = (key: string) =>
  ({ ref: { region: "us-east-1", cluster: "prod", service: key }, action: { _tag: "Update" } }) as ServicePlan
const rulePlan = (key: string) =>
  ({
    ruleRef: { region: "us-east-1", rule: key },
    ecsTarget: { Id: "t", Arn: "arn:aws:ecs:us-east-1:1:cluster/prod" }
  }) as ScheduledTaskPlan
const service = (key: string): Change => ({
  kind: "service",
  key,
  plan: servicePlan(key),
  newTaskDefinition: "new",
  state: "applied",
  deployment: undefined,
  restoreTo: "old"
})
const rule = (key: string, state: "intended" | "applied" = "applied"): Change => ({
  kind: "scheduled-task",
  key,
  plan: rulePlan(key),
  newTaskDefinition: "new",
  state
})
const byHandApi =
  "aws ecs update-service --region us-east-1 --cluster 'prod' --service 'api' --task-definition 'old' --force-new-deployment"

const targets = [
  { key: "api", kind: "service" as const },
  { key: "web", kind: "service" as const },
  { key: "nightly", kind: "scheduled-task" as const }
]

const judge = (
  end: RunEnd,
  changes: ReadonlyArray<Change>,
  restores: Record<string, RestoreResult> = {},
  confirmations: Record<string, Confirmation> = {},
  untouched: ReadonlyArray<string> = []
): Record<string, Verdict> =>
  Object.fromEntries(
    judgeTargets({
      targets,
      end,
      changes: new Map(changes.map((c) => [c.key, c])) as Changes,
      restores: new Map(Object.entries(restores)),
      confirmations: new Map(Object.entries(confirmations)),
      untouched: new Set(untouched)
    })
  )

const v = (outcome: Verdict["outcome"], error?: string, manualCommand?: string): Verdict => ({
  outcome,
  error,
  manualCommand
})
const failed = (blame: Record<string, string>): RunEnd => ({
  _tag: "Failed",
  message: "it failed",
  blame: new Map(Object.entries(blame))
})
const restored: RestoreResult = { _tag: "Restored" }
const confirmed: Confirmation = { _tag: "Confirmed" }

describe("judgeTargets", () => {
  it("deployed: every target deployed, targets left alone on purpose skipped", () => {
    expect(judge({ _tag: "Deployed" }, [service("api"), service("web")], {}, {}, ["nightly"])).toEqual({
      api: v("deployed"),
      web: v("deployed"),
      nightly: v("skipped")
    })
  })

  it("timed out: only the services whose old tasks linger are timed-out", () => {
    const end: RunEnd = {
      _tag: "TimedOut",
      message: "late",
      lingering: new Map([["web", "2/2 new running, old 1 running"]])
    }
    expect(judge(end, [service("api"), service("web"), rule("nightly")])).toEqual({
      api: v("deployed"),
      web: v("timed-out", "old tasks still running: 2/2 new running, old 1 running"),
      nightly: v("deployed")
    })
  })

  it("failed: the failing target keeps its own error; the others are rolled back without it", () => {
    const verdicts = judge(
      failed({ web: "task x is UNHEALTHY" }),
      [service("api"), service("web"), rule("nightly")],
      { api: restored, web: restored, nightly: restored },
      { api: confirmed, web: confirmed }
    )
    expect(verdicts).toEqual({
      api: v("rolled-back"),
      web: v("rolled-back", "task x is UNHEALTHY"),
      nightly: v("rolled-back")
    })
  })

  it("one target's failed confirmation is its own: the others keep theirs", () => {
    const verdicts = judge(
      failed({ web: "crash loop" }),
      [service("api"), service("web")],
      { api: restored, web: restored },
      { api: { _tag: "NotConfirmed", error: "task y of api:1 is UNHEALTHY" }, web: confirmed }
    )
    expect(verdicts["api"]).toEqual(
      v("rollback-failed", "restore issued, but not confirmed: task y of api:1 is UNHEALTHY", byHandApi)
    )
    expect(verdicts["web"]).toEqual(v("rolled-back", "crash loop"))
    expect(verdicts["nightly"]).toEqual(v("skipped"))
  })

  it("a failed restore call carries the command that restores it by hand", () => {
    const verdicts = judge(failed({}), [rule("nightly")], {
      nightly: { _tag: "RestoreFailed", error: "PutTargets failed: denied" }
    })
    expect(verdicts["nightly"]).toEqual(
      v(
        "rollback-failed",
        "rollback failed: PutTargets failed: denied",
        `aws events put-targets --region us-east-1 --rule 'nightly' --targets '[{"Id":"t","Arn":"arn:aws:ecs:us-east-1:1:cluster/prod"}]'`
      )
    )
  })

  it.each(
    [
      [
        { _tag: "NotIssued", reason: "UpdateService not issued: never sent" },
        "restore not issued: UpdateService not issued: never sent"
      ],
      [
        { _tag: "Unanswered", error: "UpdateService sent, answer unknown" },
        "restore sent, answer unknown: UpdateService sent, answer unknown"
      ]
    ] as const
  )("a restore cut short by the second signal (%o) says which, with the command", (result, error) => {
    const interrupted: RunEnd = { _tag: "Interrupted", leave: false, blame: new Map() }
    const verdicts = judge(interrupted, [service("api")], { api: result })
    expect(verdicts["api"]).toEqual(v("rollback-failed", error, byHandApi))
    expect(runOutcomeOf(interrupted, new Map(Object.entries(verdicts)))).toBe("rollback-failed")
  })

  it("a redeploy has nothing to go back to: rollback-failed, saying so", () => {
    const verdicts = judge(failed({ api: "unhealthy" }), [service("api")], {
      api: { _tag: "NothingToRestore", reason: "updateStrategy redeploy: no previous task definition" }
    })
    expect(verdicts["api"]).toEqual(
      v("rollback-failed", "unhealthy; updateStrategy redeploy: no previous task definition")
    )
  })

  it("a change in flight (intended) is restored like an applied one; a target never reached is skipped", () => {
    const verdicts = judge(failed({}), [rule("nightly", "intended")], { nightly: restored })
    expect(verdicts).toEqual({ api: v("skipped"), web: v("skipped"), nightly: v("rolled-back") })
  })

  it("a target whose own call was refused failed, with nothing to restore", () => {
    expect(judge(failed({ api: "AccessDeniedException" }), [])["api"]).toEqual(v("failed", "AccessDeniedException"))
  })

  it("interrupted: restored but unchecked is rolled back with the reason; leave keeps the new version", () => {
    const interrupted: RunEnd = { _tag: "Interrupted", leave: false, blame: new Map() }
    expect(
      judge(interrupted, [service("api")], { api: restored }, {
        api: { _tag: "Unchecked", reason: "interrupted: not confirmed" }
      })
    ).toEqual({
      api: v("rolled-back", "interrupted: not confirmed"),
      web: v("skipped", "interrupted before its turn"),
      nightly: v("skipped", "interrupted before its turn")
    })
    const leave: RunEnd = { _tag: "Interrupted", leave: true, blame: new Map() }
    expect(judge(leave, [service("api")])["api"]).toEqual(
      v("skipped", "interrupted; left on the new version, not confirmed")
    )
  })

  it.each(
    [
      // Deployed, or old tasks lingering elsewhere: it ran the sha before, no call made.
      [{ _tag: "Deployed" } as RunEnd, {}, v("unchanged")],
      [
        { _tag: "TimedOut", message: "late", lingering: new Map([["web", "old 1 running"]]) } as RunEnd,
        {},
        v("unchanged")
      ],
      // Its own old tasks linger: timed-out, not unchanged.
      [
        { _tag: "TimedOut", message: "late", lingering: new Map([["api", "old 1 running"]]) } as RunEnd,
        {},
        v("timed-out", "old tasks still running: old 1 running")
      ],
      // Another target failed: it was not this run's change, it stays.
      [failed({ web: "x" }), {}, v("unchanged")],
      // It failed itself, with nothing known to go back to: a person must look.
      [
        failed({ api: "task t is UNHEALTHY" }),
        {},
        v(
          "rollback-failed",
          "task t is UNHEALTHY; it ran this version before the run started; nothing is known to put it back to"
        )
      ],
      [{ _tag: "Interrupted", leave: false, blame: new Map() } as RunEnd, {}, v("unchanged")]
    ] as const
  )("an unchanged target (%#)", (end, _, want) => {
    const verdicts = judgeTargets({
      targets,
      end,
      changes: new Map(),
      restores: new Map(),
      confirmations: new Map(),
      untouched: new Set(),
      unchanged: new Set(["api"])
    })
    expect(verdicts.get("api")).toEqual(want)
  })

  it("an adopted deployment (a cut-short run's) is restored like a change when the run fails, and unchanged when it deploys", () => {
    const adopted: Change = { ...service("api"), adopted: true } as Change
    const input = (
      end: RunEnd,
      restores: Record<string, RestoreResult> = {},
      confirmations: Record<string, Confirmation> = {}
    ) =>
      judgeTargets({
        targets,
        end,
        changes: new Map([["api", adopted]]),
        restores: new Map(Object.entries(restores)),
        confirmations: new Map(Object.entries(confirmations)),
        untouched: new Set(),
        unchanged: new Set(["api"])
      }).get("api")
    expect(input({ _tag: "Deployed" })).toEqual(v("unchanged"))
    expect(input(failed({ api: "UNHEALTHY" }), { api: restored }, { api: confirmed })).toEqual(
      v("rolled-back", "UNHEALTHY")
    )
    expect(input(failed({ web: "x" }), { api: restored }, { api: confirmed })).toEqual(v("rolled-back"))
    expect(input(failed({ api: "UNHEALTHY" }))).toEqual(
      v("rollback-failed", "UNHEALTHY; restore not issued", byHandApi)
    )
  })

  it("a change with no restore issued is rollback-failed", () => {
    expect(judge(failed({}), [service("api")])["api"]).toEqual(v("rollback-failed", "restore not issued", byHandApi))
  })
})

describe("runOutcomeOf and exit codes", () => {
  const verdicts = (...outcomes: ReadonlyArray<Verdict["outcome"]>) =>
    new Map(outcomes.map((o, i) => [String(i), v(o)]))
  it.each(
    [
      [{ _tag: "Deployed" } as RunEnd, verdicts("deployed"), "deployed", 0],
      [{ _tag: "TimedOut", message: "", lingering: new Map() } as RunEnd, verdicts("timed-out"), "timed-out", 2],
      [failed({}), verdicts("rolled-back", "failed", "skipped"), "failed", 1],
      [failed({}), verdicts("rolled-back", "rollback-failed"), "rollback-failed", 3],
      [
        { _tag: "Interrupted", leave: false, blame: new Map() } as RunEnd,
        verdicts("rolled-back", "skipped"),
        "interrupted",
        130
      ],
      // A restore not issued, unanswered or failed: a person must look.
      [
        { _tag: "Interrupted", leave: false, blame: new Map() } as RunEnd,
        verdicts("rolled-back", "rollback-failed"),
        "rollback-failed",
        3
      ],
      [{ _tag: "Interrupted", leave: true, blame: new Map() } as RunEnd, verdicts("skipped"), "interrupted", 130]
    ] as const
  )("%o -> %s", (end, judged, outcome, code) => {
    expect(runOutcomeOf(end, judged)).toBe(outcome)
    expect(exitCodeOf(runOutcomeOf(end, judged))).toBe(code)
  })
})
