import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HashSet from "effect/HashSet"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type { GehenConfig } from "../../config/Config.js"
import { targetKey } from "../../domain/Targets.js"
import { familyOf } from "../../domain/TaskDefinitionArn.js"
import type { Ecs } from "../../ports/Ecs.js"
import type { MissingRegion } from "../../ports/Errors.js"
import type { Images } from "../../ports/Images.js"
import type { Progress } from "../../ports/Progress.js"
import type { DefaultRegion } from "../../ports/Region.js"
import type { ScheduledTasks } from "../../ports/ScheduledTasks.js"
import type { VersionProbe } from "../../ports/VersionProbe.js"
import type { DeployedAs, RunReport } from "../../report/Report.js"
import { applyScheduledTasks, applyServices, ScheduledTaskUpdateFailed, ServiceUpdateFailed } from "../apply/Apply.js"
import { marksNow, writeHistory } from "../apply/ReleaseMarks.js"
import { deregister, tidyChoice } from "../apply/Tidy.js"
import { drainCheck, DrainFailed, type DrainItem, DrainTimedOut, watchForFailures } from "../checks/DrainCheck.js"
import { gateOf } from "../checks/Following.js"
import { versionCheck, VersionCheckTimedOut } from "../checks/VersionCheck.js"
import { type DeployPlan, makePlan, type PlanError, type PlanOptions } from "../plan/Plan.js"
import { preflight, servedBefore } from "../plan/Preflight.js"
import { planRevert, type RevertOptions } from "../plan/RevertPlan.js"
import { rollback, type RollbackResult } from "../recovery/Rollback.js"
import { phaseDeadlines } from "./Deadlines.js"
import { type Journal, makeJournal } from "./Journal.js"
import { makeRunContext, RunContext } from "./RunContext.js"
import { buildReport, reportWithoutPlan } from "./RunReport.js"
import { runEndAttributes, runStartAttributes } from "./Spans.js"
import { judgeTargets, type RunEnd, runOutcomeOf } from "./Verdicts.js"

export interface DeployOptions {
  readonly gitsha: string
  /** On interruption (SIGINT/SIGTERM/SIGHUP): put changed targets back (default) or leave them on the new version. */
  readonly onInterrupt?: "rollback" | "leave"
  /** Called with the report when the run is interrupted (it cannot be returned then). */
  readonly onInterruptedReport?: (report: RunReport) => Effect.Effect<void>
  /** Whom the run deploys as, for the report (the caller asked STS before the plan). */
  readonly deployedAs?: DeployedAs | undefined
  /** Redeploy targets that already run the sha (`--force`). */
  readonly force?: boolean | undefined
  /**
   * Another writer's deployment rolling out on a target: wait for it to settle (up to
   * timeoutMinutes), then plan, instead of stopping (`--wait`).
   */
  readonly wait?: boolean | undefined
  /** false: no pre-flight (`--no-preflight`); gehen.yml's `preflight: false` turns it off too. */
  readonly preflight?: boolean | undefined
  /**
   * Completes when the caller wants the run over without waiting (the CLI: a second
   * signal). A rollback then stops waiting for confirmations and gives restores sent or
   * not yet sent 1.5 s more (HURRY_GRACE) to be issued; each target's verdict says
   * whether its restore was never sent or sent without an answer.
   */
  readonly hurry?: Effect.Effect<void> | undefined
}

/** The deploy failed and was rolled back as far as possible; the report says what happened per target. */
export class DeployFailed extends Data.TaggedError("DeployFailed")<{
  readonly report: RunReport
}> {
  override get message() {
    return this.report.error ?? "deploy failed"
  }
}

/** The new version runs in full but old tasks had not drained by the deadline; nothing was rolled back. */
export class DeployTimedOut extends Data.TaggedError("DeployTimedOut")<{
  readonly report: RunReport
}> {
  override get message() {
    return this.report.error ?? "timed out waiting for old tasks to drain"
  }
}

export type DeployError = PlanError | MissingRegion | DeployFailed | DeployTimedOut

export type DeployServices = Ecs | ScheduledTasks | DefaultRegion | VersionProbe | Images | Progress

/** The failures of the forward phases; each one leads to a rollback. */
type PhaseFailure = ScheduledTaskUpdateFailed | ServiceUpdateFailed | VersionCheckTimedOut | DrainFailed | DrainTimedOut

type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** Read-only: what `deploy` would do. */
export const plan = (
  config: GehenConfig,
  gitsha: string,
  options: PlanOptions & { readonly preflight?: boolean | undefined } = {}
): Effect.Effect<DeployPlan, PlanError | MissingRegion, Ecs | ScheduledTasks | DefaultRegion | VersionProbe | Images> =>
  Effect.flatMap(makePlan(config, gitsha, options), (p) => checked(p, config, options.preflight))

/**
 * The plan with what its pre-flight saw (each url's answer, each image's presence), unless
 * it is off (`--no-preflight` or `preflight: false`); its problems stop the run.
 */
export const checked = (
  thePlan: DeployPlan,
  config: GehenConfig,
  enabled: boolean | undefined
): Effect.Effect<DeployPlan, PlanError, VersionProbe | Images> =>
  enabled === false || config.preflight === false
    ? Effect.succeed(thePlan)
    : Effect.map(preflight(thePlan, Duration.millis(config.checkIntervalSeconds * 1000)), (seen) => ({
      ...thePlan,
      preflight: seen,
      services: thePlan.services.map((s) => ({ ...s, servedBefore: Option.getOrUndefined(servedBefore(seen, s.key)) }))
    }))

/** Each target's own failure, by target key. */
const blameOf = (failure: PhaseFailure): ReadonlyMap<string, string> => {
  switch (failure._tag) {
    case "ScheduledTaskUpdateFailed":
      return new Map([[targetKey(failure.target), failure.cause.message]])
    case "ServiceUpdateFailed":
      return new Map(failure.failures.map((f) => [f.key, f.cause.message]))
    case "VersionCheckTimedOut":
      return new Map(
        failure.pending.map((
          p
        ) => [
          targetKey(p.target),
          `version check timed out: wanted ${p.wanted.join(" or ")}; last seen: ${p.lastSeen}`
        ])
      )
    case "DrainFailed":
      return new Map([[targetKey(failure.target), failure.detail]])
    case "DrainTimedOut":
      return new Map(
        failure.pending.filter((p) => !p.newReady).map((p) => [
          targetKey(p.target),
          `the new deployment did not reach its desired count by the deadline: ${p.lastSeen}`
        ])
      )
  }
}

/** How the forward phases ended, from their Exit. */
const endOf = (exit: Exit.Exit<void, PhaseFailure>, leave: boolean): RunEnd => {
  if (Exit.isSuccess(exit)) return { _tag: "Deployed" }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const f = failure.value
    if (f._tag === "DrainTimedOut" && f.newVersionLive) {
      return {
        _tag: "TimedOut",
        message: f.message,
        lingering: new Map(f.pending.map((p) => [targetKey(p.target), p.lastSeen]))
      }
    }
    return { _tag: "Failed", message: f.message, blame: blameOf(f) }
  }
  if (Cause.isInterruptedOnly(exit.cause)) return { _tag: "Interrupted", leave, blame: new Map() }
  // A defect: whatever broke, what changed is put back.
  return { _tag: "Failed", message: `unexpected failure: ${Cause.pretty(exit.cause)}`, blame: new Map() }
}

/** Whether a signal has reached this fiber (its interruption waits for the end of an uninterruptible region). */
const signalled = Effect.map(Effect.descriptor, (d) => HashSet.size(d.interruptors) > 0)

/**
 * The forward phases: scheduled tasks, services, then the version check (raced with a
 * watch for failing rollouts) and the drain check, each new deployment judged by its id.
 */
const forward = (config: GehenConfig, thePlan: DeployPlan) =>
  Effect.gen(function*() {
    const { following, ledger } = yield* RunContext
    const deadlines = phaseDeadlines(config.timeoutMinutes, thePlan.services.map((s) => s.model))
    // A deployment toward the sha found rolling out (a run cut short) is this run's to restore if it fails.
    for (const s of thePlan.services) {
      if (s.action._tag !== "Unchanged" || s.action.inFlight === undefined) continue
      const { deployment, previousTaskDefinition } = s.action.inFlight
      yield* ledger.intend({
        kind: "service",
        key: targetKey(s.target),
        plan: s,
        newTaskDefinition: s.currentTaskDefinition,
        state: "applied",
        deployment,
        restoreTo: previousTaskDefinition,
        adopted: true
      })
    }
    if (thePlan.updateStrategy !== "none") {
      yield* applyScheduledTasks(thePlan)
      yield* applyServices(thePlan)
    }
    const changes = yield* ledger.changes
    const rollouts: Array<DrainItem> = thePlan.services.map((s) => {
      const change = changes.get(targetKey(s.target))
      return {
        target: s.target,
        ref: s.ref,
        taskDefinition: change?.newTaskDefinition ?? s.currentTaskDefinition,
        deployment: change?.kind === "service" ? change.deployment : undefined,
        model: s.model,
        testUrl: s.testUrl,
        expected: s.expected
      }
    })
    const models = new Map(thePlan.services.map((s) => [targetKey(s.target), s.model]))
    const gate = (key: string) =>
      Effect.map(following.get(key), (f) => {
        const model = models.get(key)
        return model === undefined ? { hold: Option.none<string>(), note: Option.none<string>() } : gateOf(model, f)
      })
    // While waiting for the new version to serve, a failing rollout ends the wait at once.
    const probes = thePlan.services.flatMap((s) =>
      s.url === undefined ? [] : [{ target: s.target, url: s.url, wanted: s.expected }]
    )
    if (probes.length > 0) {
      yield* versionCheck(probes, { timeout: deadlines.versionCheck, phase: "version-check", gate }).pipe(
        Effect.raceFirst(watchForFailures(rollouts, { phase: "version-check" }))
      )
    }
    yield* drainCheck(rollouts, { timeout: deadlines.drain, phase: "drain" })
  })

/**
 * Everything after the plan. The forward phases run interruptibly; what follows them
 * (rollback, verdicts, report) runs to its end whatever signal arrives, and only the
 * rollback's confirmation waits give way to a signal.
 */
const execute = (
  config: GehenConfig,
  thePlan: DeployPlan,
  journal: Journal,
  startedAt: number,
  options: DeployOptions,
  command: Command,
  restore: Restore
): Effect.Effect<RunReport, DeployFailed | DeployTimedOut, DeployServices> =>
  Effect.gen(function*() {
    const context = yield* makeRunContext(journal, {
      interval: Duration.millis(config.checkIntervalSeconds * 1000),
      concurrency: config.concurrency
    })
    const { following, ledger } = context
    const inRun = Effect.provideService(RunContext, context)
    const leave = options.onInterrupt === "leave"
    const exit = yield* restore(inRun(forward(config, thePlan))).pipe(Effect.exit)
    const end = endOf(exit, leave)
    // A phase another target's failure cut short is cancelled; the run's own (plan) and the failing targets' failed.
    if (end._tag === "Interrupted") yield* journal.closeOpen("interrupted")
    else if (end._tag === "Failed") {
      // No target to blame (a defect): every open phase failed with the run.
      yield* end.blame.size === 0
        ? journal.closeOpen("failed")
        : journal.closeOpen("cancelled", new Set(["run", ...end.blame.keys()]))
    } else if (end._tag === "TimedOut") yield* journal.closeOpen("failed")

    const changes = yield* ledger.changes
    const recover = end._tag === "Failed" || (end._tag === "Interrupted" && !leave)
    const restored: RollbackResult = recover && changes.size > 0
      ? yield* inRun(rollback(changes, {
        // A restore through UpdateService of a blue/green service bakes again: the drain deadline.
        timeout: phaseDeadlines(config.timeoutMinutes, thePlan.services.map((s) => s.model)).drain,
        confirm: end._tag === "Failed",
        hurry: options.hurry
      }))
      : { restores: new Map(), confirmations: new Map() }

    // A signal during the rollback makes the run an interrupted one, whatever stopped it first.
    const interrupted = end._tag === "Interrupted" || (yield* signalled)
    const finalEnd: RunEnd = interrupted && end._tag === "Failed"
      ? { _tag: "Interrupted", leave, blame: end.blame }
      : end
    const verdicts = judgeTargets({
      targets: [...thePlan.services, ...thePlan.scheduledTasks].map((t) => ({
        key: targetKey(t.target),
        kind: t.target.kind
      })),
      end: finalEnd,
      changes,
      restores: restored.restores,
      confirmations: restored.confirmations,
      untouched: new Set(thePlan.scheduledTasks.filter((t) => t.untouched).map((t) => targetKey(t.target))),
      unchanged: new Set([
        ...thePlan.services.filter((s) => s.action._tag === "Unchanged").map((s) => targetKey(s.target)),
        ...thePlan.scheduledTasks.filter((t) => t.unchanged).map((t) => targetKey(t.target))
      ])
    })
    const outcome = runOutcomeOf(finalEnd, verdicts)
    const error = end._tag === "Deployed"
      ? undefined
      : end._tag === "TimedOut" || end._tag === "Failed"
      ? (interrupted && end._tag === "Failed" ? `interrupted during the rollback after: ${end.message}` : end.message)
      : leave
      ? "interrupted: changes left on the new version"
      : changes.size > 0
      ? "interrupted: changes were rolled back (not confirmed)"
      : "interrupted before any change"
    // A deploy's end goes into the release history (tags); a rollback's does not.
    if (command === "deploy") {
      const marks = yield* marksNow({ plan: thePlan, changes, verdicts, end: finalEnd, by: options.deployedAs?.arn })
      yield* Effect.interruptible(writeHistory(marks, journal, config.concurrency)).pipe(Effect.exit)
      if (finalEnd._tag === "Deployed" && config.keepRevisions !== undefined) {
        const keep = config.keepRevisions
        yield* Effect.interruptible(Effect.gen(function*() {
          const targets = [...thePlan.services, ...thePlan.scheduledTasks]
          const newOf = (key: string) => changes.get(key)?.newTaskDefinition
          const deployed = targets.flatMap((t) => {
            const arn = newOf(targetKey(t.target))
            return arn === undefined || arn === t.currentTaskDefinition
              ? []
              : [{ region: t.target.region, family: familyOf(arn), arn }]
          })
          const inUse = targets.map((t) => newOf(targetKey(t.target)) ?? t.currentTaskDefinition)
          yield* deregister(
            yield* tidyChoice({ keep, deployed, inUse, concurrency: config.concurrency }),
            journal,
            config.concurrency
          )
        })).pipe(Effect.exit)
      }
    }
    yield* journal.finish(verdicts)
    const report = buildReport(thePlan, changes, verdicts, yield* journal.phases, {
      command,
      startedAt,
      endedAt: yield* Clock.currentTimeMillis,
      outcome,
      error,
      deployedAs: options.deployedAs,
      followed: yield* following.all,
      unidentified: yield* following.unidentifiedKeys,
      restoredBy: restored.restoredBy
    })
    yield* Effect.annotateCurrentSpan(runEndAttributes(report))
    switch (finalEnd._tag) {
      case "Deployed":
        return report
      case "TimedOut":
        return yield* Effect.fail(new DeployTimedOut({ report }))
      case "Failed":
        return yield* Effect.fail(new DeployFailed({ report }))
      case "Interrupted":
        if (options.onInterruptedReport) yield* options.onInterruptedReport(report)
        return yield* Effect.interrupt
    }
  })

/**
 * The whole run: plan (read-only), scheduled tasks, services, version check, drain
 * check; any failure after the first change rolls every change back. Interrupted, it
 * rolls back (or with `onInterrupt: "leave"` leaves) what changed, hands its report to
 * `onInterruptedReport` and ends interrupted.
 */
export const deploy = (
  config: GehenConfig,
  options: DeployOptions
): Effect.Effect<RunReport, DeployError, DeployServices> =>
  run(config, options, makePlan(config, options.gitsha, { force: options.force }), "deploy")

/**
 * `gehen rollback`: every target back on the revision it ran before its latest change
 * (or, with `to`, on the newest one running that tag), found from ECS itself, through
 * the same plan-first rule, checks, confirmation, rollback and report as `deploy`; the
 * version each url must serve is the tag it returns to. `options.gitsha` names the run
 * in its report (the `to` tag, or "previous").
 */
export const revert = (
  config: GehenConfig,
  options: Omit<DeployOptions, "gitsha"> & RevertOptions
): Effect.Effect<RunReport, DeployError, DeployServices> =>
  run(config, { ...options, gitsha: options.to ?? "" }, planRevert(config, options), "rollback")

/**
 * The plan, again every check interval while its only problems are other writers'
 * deployments rolling out (`--wait`), for up to timeoutMinutes; then what the last one found.
 */
const waitingFor = <R>(
  planned: Effect.Effect<DeployPlan, PlanError | MissingRegion, R>,
  config: GehenConfig,
  journal: Journal
): Effect.Effect<DeployPlan, PlanError | MissingRegion, R> =>
  planned.pipe(
    Effect.tapError((e) =>
      e._tag === "PlanError" && e.onlyBusy
        ? journal.observe(
          undefined,
          "plan",
          `waiting for other deployments to settle: ${e.problems.map((p) => p.target).join(", ")}`
        )
        : Effect.void
    ),
    Effect.retry({
      while: (e) => e._tag === "PlanError" && e.onlyBusy,
      schedule: Schedule.spaced(Duration.millis(config.checkIntervalSeconds * 1000)).pipe(
        Schedule.upTo(Duration.millis(config.timeoutMinutes * 60_000))
      )
    })
  )

/** The command a run serves: a deploy, or `gehen rollback`. */
type Command = "deploy" | "rollback"

const run = (
  config: GehenConfig,
  options: DeployOptions,
  planned: Effect.Effect<DeployPlan, PlanError | MissingRegion, Ecs | ScheduledTasks | DefaultRegion>,
  command: Command
): Effect.Effect<RunReport, DeployError, DeployServices> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const startedAt = yield* Clock.currentTimeMillis
      const journal = yield* makeJournal
      yield* journal.start(
        undefined,
        "plan",
        `planning ${config.services.length} service(s) and ${config.scheduledTasks.length} scheduled task(s)`
      )
      const waited = options.wait === true ? waitingFor(planned, config, journal) : planned
      // Disconnected: a signal ends the plan at once, its reads in flight cancelled in the background.
      const thePlan = yield* restore(
        Effect.disconnect(Effect.flatMap(waited, (p) => checked(p, config, options.preflight)))
      ).pipe(
        journal.inPhase(undefined, "plan"),
        Effect.exit
      )
      if (Exit.isFailure(thePlan)) {
        const failure = Cause.failureOption(thePlan.cause)
        if (Option.isSome(failure)) {
          // The details go into the error (printed once, at the end); the journal only marks the phase.
          yield* journal.end(undefined, "plan", "failed", "cannot deploy: the plan found problems")
          yield* Effect.annotateCurrentSpan({ "gehen.outcome": "failed", "gehen.exit_code": 1 })
          return yield* Effect.fail(failure.value)
        }
        if (!Cause.isInterruptedOnly(thePlan.cause)) {
          // A defect (a bug, an answer of an unexpected shape) is not an interruption: it ends the run as what it is.
          yield* journal.closeOpen("failed")
          yield* Effect.annotateCurrentSpan({ "gehen.outcome": "failed", "gehen.exit_code": 1 })
          return yield* Effect.failCause(thePlan.cause)
        }
        yield* journal.closeOpen("interrupted")
        yield* Effect.annotateCurrentSpan({ "gehen.outcome": "interrupted", "gehen.exit_code": 130 })
        if (options.onInterruptedReport) {
          yield* options.onInterruptedReport(
            reportWithoutPlan(options.gitsha, config.updateStrategy, {
              command,
              startedAt,
              endedAt: yield* Clock.currentTimeMillis,
              outcome: "interrupted",
              error: "interrupted while planning; nothing was changed",
              deployedAs: options.deployedAs
            })
          )
        }
        return yield* Effect.failCause(thePlan.cause)
      }
      yield* journal.end(undefined, "plan", "succeeded", "plan ready, no change made yet")
      return yield* execute(config, thePlan.value, journal, startedAt, options, command, restore)
    })
  ).pipe(
    // The run's trace: its root span, a child of the caller's span (TRACEPARENT, for the CLI).
    Effect.withSpan(`gehen ${command}`, {
      kind: "internal",
      attributes: runStartAttributes(
        options.gitsha,
        config.updateStrategy,
        config.services.length,
        config.scheduledTasks.length
      )
    })
  )
