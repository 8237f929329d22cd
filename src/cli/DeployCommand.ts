import * as FileSystem from "@effect/platform/FileSystem"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { type GehenConfig, loadConfig } from "../config/Config.js"
import { deploy, plan } from "../deploy/Deploy.js"
import { planReport } from "../deploy/Plan.js"
import { Progress } from "../ports/Progress.js"
import { validateGitSha } from "../domain/GitSha.js"
import { exitCodeOf, type RunReport } from "../report/Report.js"
import { CliExit } from "./CliExit.js"
import { CliEnvironment } from "./Environment.js"
import { makeProgress, writeStepSummary } from "./Output.js"
import { pendingRestores } from "./PendingRestores.js"
import { colorWanted, makeStyle, type Style } from "./Style.js"
import { formatPlan, formatSummary } from "./Summary.js"

export interface DeployArgs {
  readonly gitsha: string
  readonly path: string
  readonly dryRun: boolean
  readonly output: "text" | "json"
  readonly onInterrupt: "rollback" | "leave"
}

const styleOf = Effect.map(CliEnvironment, (env) => makeStyle(colorWanted(env.env, env.isTTY)))

const fail = (style: Style, message: string, code = 1) =>
  Console.error(style.red(`gehen: ${message}`)).pipe(Effect.zipRight(Effect.fail(new CliExit({ code }))))

/** A report for runs that ended before any target was planned (bad input, plan errors). */
const inputErrorReport = (gitsha: string, config: GehenConfig | undefined, error: string): RunReport => {
  const now = new Date().toISOString()
  return {
    schemaVersion: 1,
    gitsha,
    updateStrategy: config?.updateStrategy ?? "current",
    outcome: "failed",
    exitCode: 1,
    startedAt: now,
    endedAt: now,
    error,
    services: [],
    scheduledTasks: []
  }
}

/** `gehen deploy`: validate input, plan, then deploy (or print the plan). */
export const deployHandler = (args: DeployArgs) =>
  Effect.gen(function*() {
    const style = yield* styleOf
    const env = yield* CliEnvironment
    const json = args.output === "json"
    const printJson = (report: RunReport) => json ? Console.log(JSON.stringify(report, null, 2)) : Effect.void
    const refuse = (message: string, config?: GehenConfig) =>
      printJson(inputErrorReport(args.gitsha, config, message)).pipe(Effect.zipRight(fail(style, message)))

    const sha = validateGitSha(args.gitsha)
    if (Either.isLeft(sha)) return yield* refuse(sha.left.message)
    const config = yield* Effect.either(loadConfig(args.path))
    if (Either.isLeft(config)) return yield* refuse(config.left.message)
    const aws = env.aws(config.right, sha.right)

    if (args.dryRun) {
      const planned = yield* Effect.either(plan(config.right, sha.right).pipe(Effect.provide(aws)))
      if (Either.isLeft(planned)) return yield* refuse(planned.left.message, config.right)
      yield* Console.error(formatPlan(style, planned.right))
      if (json) yield* Console.log(JSON.stringify(planReport(planned.right), null, 2))
      return
    }

    const fs = yield* FileSystem.FileSystem
    const output = yield* makeProgress(env, style)
    const summarize = (report: RunReport) =>
      output.finish.pipe(
        Effect.zipRight(Console.error(formatSummary(style, report))),
        Effect.zipRight(printJson(report)),
        Effect.zipRight(writeStepSummary(env, report)),
        Effect.provideService(FileSystem.FileSystem, fs)
      )
    // The signal handler names the restores not issued yet, from what the run reports.
    const progress: Progress["Type"] = {
      emit: (event) => Effect.zipRight(Effect.sync(() => pendingRestores.observe(event)), output.progress.emit(event))
    }
    const result = yield* deploy(config.right, {
      gitsha: sha.right,
      onInterrupt: args.onInterrupt,
      onInterruptedReport: summarize
    }).pipe(
      Effect.provide(Layer.mergeAll(aws, env.probe, Layer.succeed(Progress, progress))),
      Effect.either
    )
    if (Either.isRight(result)) return yield* summarize(result.right)
    const error = result.left
    if (error._tag === "DeployFailed" || error._tag === "DeployTimedOut") {
      yield* summarize(error.report)
      return yield* Effect.fail(new CliExit({ code: exitCodeOf(error.report.outcome) }))
    }
    yield* output.finish
    return yield* refuse(error.message, config.right)
  }).pipe(Effect.scoped)
