import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import { CliExit } from "./CliExit.js"
import { CliEnvironment } from "./Environment.js"
import { withoutColorOnStdout } from "./PlainConsole.js"
import { colorWanted } from "./Style.js"

const gitshaOption = Options.text("gitsha").pipe(
  Options.withDescription("The Git SHA to deploy: the image tag the new revisions get (falls back to GEHEN_GITSHA)"),
  Options.withFallbackConfig(Config.string("GEHEN_GITSHA"))
)
const pathOption = Options.text("path").pipe(
  Options.withDescription("The gehen.yml config file"),
  Options.withDefault("gehen.yml")
)
const outputOption = Options.choice("output", ["text", "json"]).pipe(
  Options.withDescription("json: print a machine-readable report on stdout"),
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
  (args) => Effect.flatMap(Effect.promise(() => import("./DeployCommand.js")), (m) => m.deployHandler(args))
).pipe(Command.withDescription("Deploy a Git SHA to the services and scheduled tasks of gehen.yml"))

// gehen status [--path gehen.yml] [--output text|json]
const statusCommand = Command.make(
  "status",
  { path: pathOption, output: outputOption },
  (args) => Effect.flatMap(Effect.promise(() => import("./StatusCommand.js")), (m) => m.statusHandler(args))
).pipe(Command.withDescription("Show what the services and scheduled tasks of gehen.yml run now (read-only)"))

export const gehen = Command.make("gehen").pipe(
  Command.withDescription("A version-update aid for AWS ECS services"),
  Command.withSubcommands([deployCommand, statusCommand])
)

export const VERSION = "0.1.0"

const cli = Command.run(gehen, { name: "gehen", version: VERSION })

/**
 * Runs the CLI on an argv array (`["node", "gehen", "deploy", ...]`) and answers
 * its exit code: 0 deployed, 1 failed, 2 drain timed out, 130 interrupted.
 */
export const runCli = (argv: ReadonlyArray<string>) =>
  Effect.flatMap(CliEnvironment, (env) =>
    cli(argv).pipe(
      colorWanted(env.env, env.stdoutIsTTY) ? (run) => run : withoutColorOnStdout,
      Effect.as(0),
      Effect.catchAll((e) => Effect.succeed(e instanceof CliExit ? e.code : 1))
    ))

