import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import {
  applyScheduledTasks,
  applyServices,
  type Changes,
  emptyChanges,
  registrar,
  ScheduledTaskUpdateFailed,
  ServiceUpdateFailed
} from "./Apply.js"
import type { GehenConfig } from "../config/Config.js"
import { type DrainFailed, drainCheck, DrainTimedOut, watchForFailures } from "./DrainCheck.js"
import type { Ecs } from "../ports/Ecs.js"
import type { MissingRegion } from "../ports/Errors.js"
import { tagOf } from "../domain/ImageRef.js"
import { type Journal, makeJournal } from "./Journal.js"
import { type DeployPlan, makePlan, type PlanError, type ScheduledTaskPlan, type ServicePlan } from "./Plan.js"
import type { Progress } from "../ports/Progress.js"
import type { DefaultRegion } from "../ports/Region.js"
import { exitCodeOf, type RunOutcome, type RunReport, type TargetOutcome, type TargetReport } from "../report/Report.js"
import { rollback, type RollbackResult } from "./Rollback.js"
import type { ScheduledTasks } from "../ports/ScheduledTasks.js"
import { type TargetId, targetKey } from "../domain/Targets.js"
import { versionCheck, VersionCheckTimedOut } from "./VersionCheck.js"
import type { VersionProbe } from "../ports/VersionProbe.js"

export interface DeployOptions {
  readonly gitsha: string
  /** On interruption (SIGINT/SIGTERM): put changed targets back (default) or leave them on the new version. */
  readonly onInterrupt?: "rollback" | "leave"
  /** Called with the report when the run is interrupted (it cannot be returned then). */
  readonly onInterruptedReport?: (report: RunReport) => Effect.Effect<void>
}

/** The deploy failed (and was rolled back as far as possible); the report says what happened per target. */
export class DeployFailed extends Data.TaggedError("DeployFailed")<{
  readonly report: RunReport
}> {
  override get message() {
    return this.report.error ?? "deploy failed"
  }
}

/** Old tasks had not drained by the deadline; nothing was rolled back. */
export class DeployTimedOut extends Data.TaggedError("DeployTimedOut")<{
  readonly report: RunReport
}> {
  override get message() {
    return this.report.error ?? "timed out waiting for old tasks to drain"
  }
}

export type DeployError = PlanError | MissingRegion | DeployFailed | DeployTimedOut

type Services = Ecs | ScheduledTasks | DefaultRegion | VersionProbe | Progress

/** The failures of the forward phases; each one leads to a rollback. */
type PhaseFailure = ScheduledTaskUpdateFailed | ServiceUpdateFailed | VersionCheckTimedOut | DrainFailed

interface Verdict {
  readonly outcome: TargetOutcome
  readonly error: string | undefined
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Read-only: what `deploy` would do. */
export const plan = (
  config: GehenConfig,
  gitsha: string
): Effect.Effect<DeployPlan, PlanError | MissingRegion, Ecs | ScheduledTasks | DefaultRegion> => makePlan(config, gitsha)

/**
 * The whole run: plan (read-only), scheduled tasks, services, version check,
 * drain check; any failure after the first change rolls every change back.
 */
export const deploy = (
  config: GehenConfig,
  options: DeployOptions
): Effect.Effect<RunReport, DeployError, Services> =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    const journal = yield* makeJournal
    yield* journal.start(undefined, "plan", `planning ${config.services.length} service(s) and ${config.scheduledTasks.length} scheduled task(s)`)
    const thePlan = yield* makePlan(config, options.gitsha).pipe(
      // The details go into the error (printed once, at the end); the journal only marks the phase.
      Effect.tapError(() => journal.end(undefined, "plan", "failed", "cannot deploy: the plan found problems"))
    )
    yield* journal.end(undefined, "plan", "succeeded", "plan ready, no change made yet")
    return yield* execute(config, thePlan, journal, startedAt, options)
  })

const execute = (
  config: GehenConfig,
  thePlan: DeployPlan,
  journal: Journal,
  startedAt: number,
  options: DeployOptions
): Effect.Effect<RunReport, DeployFailed | DeployTimedOut, Services> =>
  Effect.gen(function*() {
    const changes = emptyChanges()
    const verdicts = new Map<string, Verdict>()
    const register = yield* registrar
    const timeout = Duration.millis(config.timeoutMinutes * 60_000)
    const interval = Duration.millis(config.checkIntervalSeconds * 1000)
    const checks = { timeout, interval, journal }
    const checkOnly = thePlan.updateStrategy === "none"

    const forward: Effect.Effect<void, PhaseFailure | DrainTimedOut, Services> = Effect.gen(function*() {
      if (!checkOnly) {
        yield* applyScheduledTasks(thePlan, register, changes, journal)
        yield* applyServices(thePlan, register, changes, journal, config.concurrency)
      }
      const rollouts = thePlan.services.map((s) => ({
        target: s.target,
        ref: s.ref,
        taskDefinition: changes.services.get(targetKey(s.target))?.newTaskDefinition ?? s.currentTaskDefinition
      }))
      // While waiting for the new version to serve, a failing rollout ends the wait at once.
      const probes = thePlan.services.flatMap((s) =>
        s.url === undefined ? [] : [{ target: s.target, url: s.url, wanted: [options.gitsha] }]
      )
      if (probes.length > 0) {
        yield* versionCheck(probes, { ...checks, phase: "version-check" }).pipe(
          Effect.raceFirst(watchForFailures(rollouts, { interval, journal }))
        )
      }
      yield* drainCheck(rollouts, { ...checks, phase: "drain" })
    })

    const report = (outcome: RunOutcome, error: string | undefined) =>
      Effect.map(Clock.currentTimeMillis, (now) => buildReport(thePlan, changes, verdicts, journal, { startedAt, now, outcome, error, config }))

    const onInterrupted = Effect.gen(function*() {
      const rolledBack = options.onInterrupt !== "leave" && (changes.services.size > 0 || changes.scheduledTasks.size > 0)
      if (rolledBack) {
        const result = yield* rollback(changes, { ...checks, confirm: false })
        judgeRollback(changes, result, verdicts, "interrupted; rollback issued, not waited for")
      } else {
        for (const key of [...changes.services.keys(), ...changes.scheduledTasks.keys()]) {
          verdicts.set(key, { outcome: "skipped", error: "interrupted; left on the new version, not confirmed" })
        }
      }
      yield* journal.closeOpen("interrupted")
      const r = yield* report("interrupted", rolledBack ? "interrupted: changes were rolled back (not confirmed)" : "interrupted")
      if (options.onInterruptedReport) yield* options.onInterruptedReport(r)
    })

    const result = yield* forward.pipe(Effect.either, Effect.onInterrupt(() => onInterrupted))

    if (Either.isRight(result)) {
      for (const s of thePlan.services) verdicts.set(targetKey(s.target), { outcome: "deployed", error: undefined })
      for (const t of thePlan.scheduledTasks) {
        verdicts.set(targetKey(t.target), { outcome: checkOnly ? "skipped" : "deployed", error: undefined })
      }
      return yield* report("deployed", undefined)
    }

    const failure = result.left
    if (failure instanceof DrainTimedOut) {
      // Uncertain, not failed: the new version serves; only old tasks linger. No rollback.
      const late = new Map(failure.pending.map((p) => [targetKey(p.target), p.lastSeen]))
      for (const s of thePlan.services) {
        const key = targetKey(s.target)
        const lastSeen = late.get(key)
        verdicts.set(key, lastSeen === undefined
          ? { outcome: "deployed", error: undefined }
          : { outcome: "timed-out", error: `old tasks still running: ${lastSeen}` })
      }
      for (const t of thePlan.scheduledTasks) {
        verdicts.set(targetKey(t.target), { outcome: checkOnly ? "skipped" : "deployed", error: undefined })
      }
      return yield* Effect.fail(new DeployTimedOut({ report: yield* report("timed-out", failure.message) }))
    }

    blame(failure, verdicts)
    yield* journal.closeOpen("failed")
    if (changes.services.size > 0 || changes.scheduledTasks.size > 0) {
      const restored = yield* rollback(changes, { ...checks, confirm: true })
      judgeRollback(changes, restored, verdicts, journal)
    }
    return yield* Effect.fail(new DeployFailed({ report: yield* report("failed", failure.message) }))
  })

/** Records, per target, which failure stopped the run. */
const blame = (failure: PhaseFailure, verdicts: Map<string, Verdict>) => {
  const failed = (target: TargetId, error: string) => verdicts.set(targetKey(target), { outcome: "failed", error })
  if (failure instanceof ScheduledTaskUpdateFailed) {
    failed(failure.target, failure.cause.message)
  } else if (failure instanceof ServiceUpdateFailed) {
    for (const f of failure.failures) verdicts.set(f.key, { outcome: "failed", error: f.cause.message })
  } else if (failure instanceof VersionCheckTimedOut) {
    for (const p of failure.pending) failed(p.target, `version check timed out: ${p.lastSeen}`)
  } else {
    failed(failure.target, failure.detail)
  }
}

/**
 * Turns rollback results into per-target verdicts; a target's own failure stays
 * its error. With a journal, a restored service counts as rolled back only when
 * its rollback drain check succeeded.
 */
const judgeRollback = (
  changes: Changes,
  result: RollbackResult,
  verdicts: Map<string, Verdict>,
  confirmedBy: Journal | string
) => {
  const join = (...parts: ReadonlyArray<string | undefined>) => parts.filter((p) => p !== undefined && p !== "").join("; ")
  const entries = [
    ...[...changes.services].map(([key, c]) => [key, c.plan.target] as const),
    ...[...changes.scheduledTasks].map(([key, c]) => [key, c.plan.target] as const)
  ]
  for (const [key, target] of entries) {
    const restore = result.restores.get(key)
    const own = verdicts.get(key)?.error
    if (restore === undefined) continue
    if (!restore.restored) {
      verdicts.set(key, {
        outcome: "rollback-failed",
        error: join(own, `rollback failed: ${restore.error}`, restore.manualCommand && `restore by hand: ${restore.manualCommand}`)
      })
    } else if (typeof confirmedBy === "string") {
      verdicts.set(key, { outcome: "rolled-back", error: join(own, confirmedBy) })
    } else if (target.kind === "service" && !confirmedBy.phasesOf(target).some((p) => p.phase === "rollback-drain" && p.status === "succeeded")) {
      verdicts.set(key, {
        outcome: "rollback-failed",
        error: join(own, `rollback not confirmed: ${result.confirmationError ?? "the previous version did not settle"}`)
      })
    } else {
      verdicts.set(key, { outcome: "rolled-back", error: own })
    }
  }
}

const tagsOf = (images: TargetReport["images"], pick: "previous" | "next") =>
  [...new Set(images.filter((i) => i.previous !== i.next).flatMap((i) => Option.toArray(tagOf(i[pick] ?? ""))))]

const buildReport = (
  thePlan: DeployPlan,
  changes: Changes,
  verdicts: ReadonlyMap<string, Verdict>,
  journal: Journal,
  run: { startedAt: number; now: number; outcome: RunOutcome; error: string | undefined; config: GehenConfig }
): RunReport => {
  const entry = (
    p: ServicePlan | ScheduledTaskPlan,
    cluster: string | null,
    changed: { readonly newTaskDefinition: string } | undefined
  ): TargetReport => {
    const verdict = verdicts.get(targetKey(p.target)) ?? { outcome: "skipped" as const, error: undefined }
    return {
      kind: p.target.kind,
      name: p.target.name,
      cluster,
      region: p.target.region,
      previousTaskDefinition: p.currentTaskDefinition,
      newTaskDefinition: changed?.newTaskDefinition ?? null,
      previousTag: tagsOf(p.images, "previous")[0] ?? null,
      newTag: tagsOf(p.images, "next")[0] ?? (changed ? thePlan.gitsha : null),
      images: p.images,
      phases: journal.phasesOf(p.target),
      outcome: verdict.outcome,
      error: verdict.error ?? null
    }
  }
  return {
    schemaVersion: 1,
    gitsha: thePlan.gitsha,
    updateStrategy: thePlan.updateStrategy,
    outcome: run.outcome,
    exitCode: exitCodeOf(run.outcome),
    startedAt: iso(run.startedAt),
    endedAt: iso(run.now),
    error: run.error ?? null,
    services: thePlan.services.map((s) => entry(s, s.target.cluster, changes.services.get(targetKey(s.target)))),
    scheduledTasks: thePlan.scheduledTasks.map((t) => entry(t, null, changes.scheduledTasks.get(targetKey(t.target))))
  }
}
