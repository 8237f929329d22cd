import { Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Config, Console, Data, Effect, Either, Layer, Option } from "effect"
import { type GehenConfig, loadConfig } from "../Config.js"
import { deploy, plan } from "../Deploy.js"
import { validateGitSha } from "../GitSha.js"
import { exitCodeOf, type RunReport } from "../Report.js"
import { CliEnvironment } from "./Environment.js"
import { PlainProgress } from "./Render.js"
import { makeStyle, colorWanted, type Style } from "./Style.js"
import { formatPlan, formatSummary } from "./Summary.js"

/** Ends the CLI with an exit code, after the handler has said why. */
export class CliExit extends Data.TaggedError("CliExit")<{ readonly code: number }> {}

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

const gitshaOption = Options.text("gitsha").pipe(
  Options.withDescription("The Git SHA to deploy: the image tag the new revisions get (falls back to GEHEN_GITSHA)"),
  Options.withFallbackConfig(Config.string("GEHEN_GITSHA"))
)
const pathOption = Options.text("path").pipe(
  Options.withDescription("The gehen.yml config file"),
  Options.withDefault("gehen.yml")
)
const outputOption = Options.choice("output", ["text", "json"]).pipe(
  Options.withDescription("json: print a machine-readable report on stdout at the end"),
  Options.withDefault("text" as const)
)

// gehen deploy --gitsha <sha> [--path gehen.yml] [--dry-run] [--output text|json] [--on-interrupt rollback|leave]
const deployCommand = Command.make(
  "deploy",
  {
    gitsha: gitshaOption,
    path: pathOption,
    dryRun: Options.boolean("dry-run").pipe(
      Options.withDescription("Only read: print what would change, change nothing")
    ),
    output: outputOption,
    onInterrupt: Options.choice("on-interrupt", ["rollback", "leave"]).pipe(
      Options.withDescription("On SIGINT/SIGTERM: roll back what changed (default) or leave the new version"),
      Options.withDefault("rollback" as const)
    )
  },
  (args) =>
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
        if (json) yield* Console.log(JSON.stringify({ schemaVersion: 1, dryRun: true, plan: planned.right }, null, 2))
        return
      }

      const summarize = (report: RunReport) =>
        Console.error(formatSummary(style, report)).pipe(Effect.zipRight(printJson(report)))
      const result = yield* deploy(config.right, {
        gitsha: sha.right,
        onInterrupt: args.onInterrupt,
        onInterruptedReport: summarize
      }).pipe(
        Effect.provide(Layer.mergeAll(aws, env.probe, PlainProgress(style))),
        Effect.either
      )
      if (Either.isRight(result)) return yield* summarize(result.right)
      const error = result.left
      if (error._tag === "DeployFailed" || error._tag === "DeployTimedOut") {
        yield* summarize(error.report)
        return yield* Effect.fail(new CliExit({ code: exitCodeOf(error.report.outcome) }))
      }
      return yield* refuse(error.message, config.right)
    })
).pipe(Command.withDescription("Deploy a Git SHA to the services and scheduled tasks of gehen.yml"))

export const gehen = Command.make("gehen").pipe(
  Command.withDescription("A version-update aid for AWS ECS services"),
  Command.withSubcommands([deployCommand])
)

export const VERSION = "0.1.0"

const cli = Command.run(gehen, { name: "gehen", version: VERSION })

/**
 * Runs the CLI on an argv array (`["node", "gehen", "deploy", ...]`) and answers
 * its exit code: 0 deployed, 1 failed, 2 drain timed out, 130 interrupted.
 */
export const runCli = (argv: ReadonlyArray<string>) =>
  cli(argv).pipe(
    Effect.as(0),
    Effect.catchAll((e) => Effect.succeed(e instanceof CliExit ? e.code : 1))
  )

void FileSystem
void Option
