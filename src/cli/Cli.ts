import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { VERSION } from "../Version.js"
import { intentOf, readArgv } from "./Argv.js"
import { errorAnnotation } from "./CiProgress.js"
import { CliExit } from "./CliExit.js"
import { CliEnvironment } from "./Environment.js"
import { withoutColorOnStdout } from "./PlainConsole.js"
import { helpText, usageText } from "./Help.js"
import { colorWanted } from "./Style.js"

const gitshaOption = Options.text("gitsha").pipe(
  Options.withDescription("The Git SHA to deploy: the image tag the new revisions get (falls back to GEHEN_GITSHA)"),
  Options.withFallbackConfig(Config.string("GEHEN_GITSHA"))
)
// Optional rather than defaulted: a missing default gehen.yml is named with its directory.
const pathOption = Options.text("path").pipe(
  Options.withDescription("The gehen.yml config file (default gehen.yml)"),
  Options.optional
)
const outputOption = Options.choice("output", ["text", "json"]).pipe(
  Options.withDescription("json: print a machine-readable report on stdout"),
  Options.withDefault("text" as const)
)

// Comma-separated gehen.yml keys; Argv has joined repeated flags into one.
const onlyOption = Options.text("only").pipe(
  Options.withDescription("Act on these gehen.yml keys only (services and scheduled tasks), comma-separated"),
  Options.optional
)

const onInterruptOption = Options.choice("on-interrupt", ["rollback", "leave"]).pipe(
  Options.withDescription("On SIGINT/SIGTERM/SIGHUP: roll back what changed (default) or leave it"),
  Options.withDefault("rollback" as const)
)

// gehen deploy --gitsha <sha> [--path gehen.yml] [--only key,...] [--dry-run] [--output text|json] [--on-interrupt rollback|leave]
const deployCommand = Command.make(
  "deploy",
  {
    gitsha: gitshaOption,
    path: pathOption,
    only: onlyOption,
    dryRun: Options.boolean("dry-run").pipe(
      Options.withDescription("Only read: print what would change, change nothing")
    ),
    force: Options.boolean("force").pipe(
      Options.withDescription("Redeploy targets that already run the sha")
    ),
    output: outputOption,
    onInterrupt: onInterruptOption
  },
  (args) => Effect.flatMap(Effect.promise(() => import("./DeployCommand.js")), (m) => m.deployHandler(args))
).pipe(Command.withDescription("Deploy a Git SHA to the services and scheduled tasks of gehen.yml"))

// gehen rollback [--path gehen.yml] [--only key,...] [--to <sha>] [--dry-run] [--output text|json] [--on-interrupt rollback|leave]
const rollbackCommand = Command.make(
  "rollback",
  {
    path: pathOption,
    only: onlyOption,
    to: Options.text("to").pipe(Options.withDescription("Return to the newest revision running this tag"), Options.optional),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Only read: print the plan, change nothing")),
    output: outputOption,
    onInterrupt: onInterruptOption
  },
  (args) => Effect.flatMap(Effect.promise(() => import("./DeployCommand.js")), (m) => m.rollbackHandler(args))
).pipe(Command.withDescription("Put every target back on the revision it ran before its latest change"))

// gehen status [--path gehen.yml] [--only key,...] [--output text|json]
const statusCommand = Command.make(
  "status",
  { path: pathOption, only: onlyOption, output: outputOption },
  (args) => Effect.flatMap(Effect.promise(() => import("./StatusCommand.js")), (m) => m.statusHandler(args))
).pipe(Command.withDescription("Show what the services and scheduled tasks of gehen.yml run now (read-only)"))

export const gehen = Command.make("gehen").pipe(
  Command.withDescription("A version-update aid for AWS ECS services"),
  Command.withSubcommands([deployCommand, rollbackCommand, statusCommand])
)

export { VERSION }

const cli = Command.run(gehen, { name: "gehen", version: VERSION })

/**
 * On GitHub Actions a refused command line is an error annotation and a job summary
 * section, like any other failure (the summary module loads only on this path).
 */
const annotate = (env: Readonly<Record<string, string | undefined>>, message: string) => {
  if (env["GITHUB_ACTIONS"] !== "true") return Effect.void
  const summary = env["GITHUB_STEP_SUMMARY"]
  return Console.error(errorAnnotation("gehen", message)).pipe(
    Effect.zipRight(
      summary === undefined || summary === ""
        ? Effect.void
        : Effect.flatMap(Effect.promise(() => import("./StepSummary.js")), (m) =>
          m.appendStepSummary(summary, m.usageErrorMarkdown(message)).pipe(Effect.ignore))
    )
  )
}

/**
 * A refused command line: the message on stderr (an annotation and a job summary section
 * on GitHub Actions) and, when `--output json` is anywhere on it, the report of the
 * refusal on stdout; exit 1.
 */
const refuseUsage = (argv: ReadonlyArray<string>, env: Readonly<Record<string, string | undefined>>, message: string) => {
  const intent = intentOf(argv.slice(2), env)
  return Console.error(message).pipe(
    Effect.zipRight(annotate(env, message)),
    Effect.zipRight(
      intent.json
        ? Effect.flatMap(Effect.promise(() => import("./ErrorReport.js")), (m) =>
          Console.log(JSON.stringify(m.usageErrorReport(intent, message, Date.now()), null, 2)))
        : Effect.void
    ),
    Effect.as(1)
  )
}

/**
 * Runs the CLI on an argv array (`["node", "gehen", "deploy", ...]`) and answers its
 * exit code: 0 deployed, 1 failed and put back, 2 drained late, 3 a restore did not
 * hold, 130 interrupted. Help, the version and usage mistakes are answered here;
 * @effect/cli parses what is left.
 */
export const runCli = (argv: ReadonlyArray<string>) =>
  Effect.flatMap(CliEnvironment, (env) => {
    const invocation = readArgv(argv.slice(2), env.env)
    const colour = colorWanted(env.env, env.stdoutIsTTY)
    const style = { bold: (s: string) => (colour ? `\u001b[1m${s}\u001b[22m` : s) }
    switch (invocation._tag) {
      case "Help":
        return Effect.as(Console.log(helpText(style, invocation.command, VERSION)), 0)
      case "Version":
        return Effect.as(Console.log(VERSION), 0)
      case "Usage":
        return Effect.as(Console.error(usageText()), 1)
      case "UsageError":
        return refuseUsage(argv, env.env, invocation.message)
      case "Completions":
      case "Run":
        return cli([argv[0] ?? "node", argv[1] ?? "gehen", ...invocation.args]).pipe(
          colour ? (run) => run : withoutColorOnStdout,
          Effect.as(0),
          Effect.catchAll((e) =>
            e instanceof CliExit
              ? Effect.succeed(e.code)
              // The command line was checked above; @effect/cli refusing it anyway is still a usage error.
              : refuseUsage(argv, env.env, `gehen: the command line was refused (${describe(e)}); see gehen --help`)
          )
        )
    }
  })

const describe = (e: unknown): string =>
  typeof e === "object" && e !== null && "_tag" in e && typeof e._tag === "string" ? e._tag : String(e)
