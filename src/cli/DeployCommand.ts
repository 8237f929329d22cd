import * as FileSystem from "@effect/platform/FileSystem"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { type ConfigError, type GehenConfig, loadConfig } from "../config/Config.js"
import { onlyKeys, selectTargets } from "../config/Only.js"
import { planned as plannedRevisions, tidyChoice } from "../deploy/apply/Tidy.js"
import { planReport } from "../deploy/plan/Plan.js"
import { planRevert } from "../deploy/plan/RevertPlan.js"
import { checked, deploy, plan, revert } from "../deploy/run/Deploy.js"
import { reportWithoutPlan } from "../deploy/run/RunReport.js"
import { validateGitSha } from "../domain/GitSha.js"
import { startMonitoring } from "../monitoring/Monitoring.js"
import { Progress } from "../ports/Progress.js"
import {
  type DeployedAs,
  exitCodeOf,
  type PlanReport,
  type Problem,
  problemLine,
  type RunReport
} from "../report/Report.js"
import { type AnnotationPlace, errorAnnotation } from "./CiProgress.js"
import { CliExit } from "./CliExit.js"
import { CliEnvironment } from "./Environment.js"
import { runErrorReport } from "./ErrorReport.js"
import { makeProgress, writeStepSummary } from "./Output.js"
import { colorWanted, makeStyle } from "./Style.js"
import { formatPlan, formatSummary } from "./Summary.js"
import { asWhom, whoAmI } from "./WhoAmI.js"

interface RunArgs {
  /** Absent: the default gehen.yml. */
  readonly path: Option.Option<string>
  /** `--only`: comma-separated gehen.yml keys; absent: every target. */
  readonly only?: Option.Option<string> | undefined
  readonly dryRun: boolean
  readonly output: "text" | "json"
  readonly onInterrupt: "rollback" | "leave"
  /** `--wait`: wait for another writer's deployment to settle instead of stopping. */
  readonly wait?: boolean | undefined
  /** `--no-preflight`: skip the pre-flight. */
  readonly noPreflight?: boolean | undefined
}

export interface DeployArgs extends RunArgs {
  readonly gitsha: string
  readonly force: boolean
}

export interface RollbackArgs extends RunArgs {
  readonly to: Option.Option<string>
}

/** What the run does once its input is known good: deploy a sha, or return to earlier revisions. */
type Mode =
  | { readonly _tag: "Deploy"; readonly gitsha: string; readonly force: boolean }
  | { readonly _tag: "Rollback"; readonly to: string | undefined }

/** A problem, and for config errors the place in the file (for the annotation). */
type Found = Problem & { readonly place?: AnnotationPlace | undefined }

/** The problems of each way the run can stop before any change. */
const problemsOf = (
  error:
    & { readonly _tag: string; readonly message: string }
    & Partial<{
      readonly problems: ReadonlyArray<{ readonly target: string; readonly problem: string }>
      readonly errors: ReadonlyArray<ConfigError>
    }>
): ReadonlyArray<Found> =>
  error.problems !== undefined
    ? error.problems.map((p) => ({ target: p.target, problem: p.problem }))
    : error.errors !== undefined
    ? error.errors.map((e) => ({
      target: null,
      problem: e.message,
      place: { file: e.path, line: e.line, col: e.column }
    }))
    : [{ target: null, problem: error.message }]

/** `gehen deploy`: validate input, learn whom it deploys as, plan, then deploy (or print the plan). */
export const deployHandler = (args: DeployArgs) =>
  handle(args, { _tag: "Deploy", gitsha: args.gitsha, force: args.force })

/** `gehen rollback`: the same, returning every target to its earlier revision. */
export const rollbackHandler = (args: RollbackArgs) =>
  handle(args, { _tag: "Rollback", to: Option.getOrUndefined(args.to) })

const handle = (args: RunArgs, mode: Mode) =>
  Effect.gen(function*() {
    const env = yield* CliEnvironment
    const style = makeStyle(colorWanted(env.env, env.isTTY))
    const fs = yield* FileSystem.FileSystem
    const json = args.output === "json"
    const githubActions = env.env["GITHUB_ACTIONS"] === "true"
    const printJson = (
      report: RunReport | PlanReport
    ) => (json ? Console.log(JSON.stringify(report, null, 2)) : Effect.void)
    const startedAt = Date.now()
    // The version the run is about: the sha deployed, or the one returned to (none: each target's previous release).
    const name = mode._tag === "Deploy" ? mode.gitsha : mode.to ?? null
    const command = mode._tag === "Deploy" ? "deploy" as const : "rollback" as const

    /**
     * Stops before any change: every problem on stderr (and as a GitHub annotation), the
     * report on stdout with `--output json`, the step summary; exit 1.
     */
    const refuse = (found: ReadonlyArray<Found>, config?: GehenConfig, deployedAs?: DeployedAs, usage = false) =>
      Effect.gen(function*() {
        for (const p of found) {
          yield* Console.error(style.red(`gehen: ${problemLine(p)}`))
          if (githubActions) yield* Console.error(errorAnnotation(p.target ?? "gehen", p.problem, p.place))
        }
        const problems: ReadonlyArray<Problem> = found.map(({ problem, target }) => ({ target, problem }))
        const error = problems.length === 1
          ? problemLine(problems[0]!)
          : `${problems.length} problems stopped the run; nothing was changed`
        // A usage error (outcome error) is reported the same with or without --dry-run.
        const report = usage
          ? runErrorReport(command, name, problems, { startedAt, endedAt: Date.now() }, config?.updateStrategy)
          : reportWithoutPlan(name, config?.updateStrategy ?? "current", {
            command,
            startedAt,
            endedAt: Date.now(),
            outcome: "failed",
            error,
            problems,
            deployedAs
          })
        if (args.dryRun && !usage) {
          yield* printJson({
            schemaVersion: 1,
            dryRun: true,
            command,
            gitsha: name,
            updateStrategy: report.updateStrategy,
            exitCode: 1,
            problems,
            deployedAs: deployedAs ?? null,
            services: [],
            scheduledTasks: []
          })
        } else {
          yield* printJson(report)
        }
        yield* writeStepSummary(env, report).pipe(Effect.provideService(FileSystem.FileSystem, fs))
        return yield* Effect.fail(new CliExit({ code: 1 }))
      })

    const sha = name !== null ? Either.map(validateGitSha(name), (v): string | null => v) : Either.right(null)
    if (Either.isLeft(sha)) {
      return yield* refuse([{ target: null, problem: sha.left.message }], undefined, undefined, true)
    }
    const path = Option.getOrElse(args.path, () => "gehen.yml")
    const file = yield* Effect.either(loadConfig(path, { defaulted: Option.isNone(args.path) }))
    if (Either.isLeft(file)) {
      return yield* refuse(problemsOf(file.left))
    }
    // `--only`: what is left out is neither read nor changed, so the rest never sees it.
    const config = selectTargets(file.right, onlyKeys(Option.toArray(args.only ?? Option.none())))
    if (Either.isLeft(config)) {
      const problem = `${config.left.message}; see gehen ${command} --help`
      return yield* refuse([{ target: null, problem }], file.right, undefined, true)
    }
    // Built once for the whole command: one set of clients, one credential resolution, one AssumeRole.
    const aws = yield* Layer.build(env.aws(config.right, sha.right ?? command))

    // Credentials once, before the plan: a missing profile or an expired SSO session is one
    // clear message here, not an SDK error per target later.
    const who = yield* Effect.either(whoAmI(config.right).pipe(Effect.provide(aws)))
    if (Either.isLeft(who)) return yield* refuse(problemsOf(who.left), config.right)
    const deployedAs: DeployedAs = who.right
    yield* Console.error(style.dim(`gehen: ${sha.right ?? command} ${asWhom(deployedAs)}`))

    if (args.dryRun) {
      const planned = yield* Effect.either(
        (mode._tag === "Deploy"
          ? plan(config.right, mode.gitsha, { force: mode.force, preflight: args.noPreflight !== true })
          : Effect.flatMap(planRevert(config.right, mode), (p) => checked(p, config.right, args.noPreflight !== true)))
          .pipe(
            Effect.provide(env.probe),
            Effect.provide(aws)
          )
      )
      if (Either.isLeft(planned)) return yield* refuse(problemsOf(planned.left), config.right, deployedAs)
      // keepRevisions: what a deploy of this plan would deregister once confirmed.
      const keep = config.right.keepRevisions
      const tidy = mode._tag === "Deploy" && keep !== undefined
        ? yield* tidyChoice({ keep, ...plannedRevisions(planned.right), concurrency: config.right.concurrency }).pipe(
          Effect.provide(aws)
        )
        : undefined
      const wouldDeregister = tidy?.map((t) => t.arn)
      // The plan is the command's answer: stdout, unless the JSON plan is.
      const text = formatPlan(style, planned.right, command, wouldDeregister)
      yield* json ? Console.error(text) : Console.log(text)
      yield* printJson({
        ...planReport(planned.right, deployedAs, command),
        ...(wouldDeregister === undefined ? {} : { wouldDeregister })
      })
      return
    }

    // Monitoring (src/monitoring): Datadog, Sentry, OpenTelemetry, each only when its variable is set;
    // it sees the run's progress and final report, and flushes when this command ends, however it ends.
    const monitoring = yield* startMonitoring({
      env: env.env,
      gitsha: sha.right ?? command,
      writeStderr: env.writeStderr,
      hurry: env.signals?.hurry
    })
    const output = yield* makeProgress(env, style)
    const signals = env.signals
    signals?.onStop(args.onInterrupt)
    // A defect's report reaches monitoring from its finalizer (with the defect itself), not from here.
    const summarize = (report: RunReport, monitored = true) =>
      Effect.sync(() => signals?.reported(report.exitCode)).pipe(
        Effect.zipRight(output.finish),
        Effect.zipRight(monitored ? monitoring.report(report) : Effect.void),
        Effect.zipRight(Console.error(formatSummary(style, report))),
        Effect.zipRight(printJson(report)),
        Effect.zipRight(writeStepSummary(env, report)),
        Effect.provideService(FileSystem.FileSystem, fs)
      )
    // The signals follow the run's progress: the first one's line counts the changes to put back.
    const progress: Progress["Type"] = {
      emit: (event) => Effect.zipRight(Effect.sync(() => signals?.observe(event)), output.progress.emit(event))
    }
    const options = {
      onInterrupt: args.onInterrupt,
      onInterruptedReport: summarize,
      deployedAs,
      wait: args.wait === true,
      preflight: args.noPreflight !== true,
      hurry: signals?.hurry
    }
    const result = yield* (mode._tag === "Deploy"
      ? deploy(config.right, { ...options, gitsha: mode.gitsha, force: mode.force })
      : revert(config.right, { ...options, to: mode.to })).pipe(
        monitoring.watch,
        Effect.provide(Layer.merge(env.probe, Layer.succeed(Progress, progress))),
        Effect.provide(aws),
        // A defect (a bug, an answer of a shape nobody expected) is reported like any other end, then ends the command as what it is.
        Effect.tapDefect((defect) =>
          summarize(
            reportWithoutPlan(name, config.right.updateStrategy, {
              command,
              startedAt,
              endedAt: Date.now(),
              outcome: "failed",
              error: `unexpected failure: ${Cause.pretty(defect).split("\n")[0]}`,
              deployedAs
            }),
            false
          )
        ),
        Effect.either
      )
    if (Either.isRight(result)) return yield* summarize(result.right)
    const error = result.left
    if (error._tag === "DeployFailed" || error._tag === "DeployTimedOut") {
      yield* summarize(error.report)
      return yield* Effect.fail(new CliExit({ code: exitCodeOf(error.report.outcome) }))
    }
    yield* output.finish
    yield* monitoring.report(
      reportWithoutPlan(name, config.right.updateStrategy, {
        command,
        startedAt,
        endedAt: Date.now(),
        outcome: "failed",
        error: error.message
      })
    )
    return yield* refuse(problemsOf(error), config.right, deployedAs)
  }).pipe(Effect.scoped)
