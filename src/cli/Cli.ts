import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { VERSION } from "../Version.js"
import { intentOf, readArgv } from "./Argv.js"
import { errorAnnotation } from "./CiProgress.js"
import { CliExit } from "./CliExit.js"
import { COMMANDS, type OptionKey, OPTIONS, type OptionSpec } from "./CommandLine.js"
import { CliEnvironment } from "./Environment.js"
import { helpText, usageText } from "./Help.js"
import { withoutColorOnStdout } from "./PlainConsole.js"
import { colorWanted } from "./Style.js"

/** An option's help for @effect/cli's own help and completions: the table's words. */
const described = (key: OptionKey) => {
  const o: OptionSpec = OPTIONS[key]
  return Options.withDescription(`${o.help}${o.default === undefined ? "" : ` Default: ${o.default}`}`)
}

/** Every option of the table as @effect/cli parses it (Argv has checked and normalised argv already). */
const parsers = {
  gitsha: Options.text(OPTIONS.gitsha.name).pipe(
    described("gitsha"),
    Options.withFallbackConfig(Config.string("GEHEN_GITSHA"))
  ),
  // Optional rather than defaulted: a missing default gehen.yml is named with its directory.
  path: Options.text(OPTIONS.path.name).pipe(described("path"), Options.optional),
  // Comma-separated gehen.yml keys; Argv has joined repeated flags into one.
  only: Options.text(OPTIONS.only.name).pipe(described("only"), Options.optional),
  to: Options.text(OPTIONS.to.name).pipe(described("to"), Options.optional),
  dryRun: Options.boolean(OPTIONS.dryRun.name).pipe(described("dryRun")),
  force: Options.boolean(OPTIONS.force.name).pipe(described("force")),
  wait: Options.boolean(OPTIONS.wait.name).pipe(described("wait")),
  noPreflight: Options.boolean(OPTIONS.noPreflight.name).pipe(described("noPreflight")),
  output: Options.choice(OPTIONS.output.name, OPTIONS.output.takes).pipe(
    described("output"),
    Options.withDefault("text" as const)
  ),
  onInterrupt: Options.choice(OPTIONS.onInterrupt.name, OPTIONS.onInterrupt.takes).pipe(
    described("onInterrupt"),
    Options.withDefault("rollback" as const)
  )
}

/** The parsers of a command's options, by their keys in the table. */
const parsersOf = <K extends OptionKey>(keys: ReadonlyArray<K>): { readonly [P in K]: (typeof parsers)[P] } =>
  Object.fromEntries(keys.map((k) => [k, parsers[k]])) as { readonly [P in K]: (typeof parsers)[P] }

const deployCommand = Command.make(
  "deploy",
  parsersOf(COMMANDS.deploy.options),
  (args) => Effect.flatMap(Effect.promise(() => import("./DeployCommand.js")), (m) => m.deployHandler(args))
).pipe(
  Command.withDescription(COMMANDS.deploy.summary)
)

const rollbackCommand = Command.make(
  "rollback",
  parsersOf(COMMANDS.rollback.options),
  (args) => Effect.flatMap(Effect.promise(() => import("./DeployCommand.js")), (m) => m.rollbackHandler(args))
).pipe(
  Command.withDescription(COMMANDS.rollback.summary)
)

const statusCommand = Command.make(
  "status",
  parsersOf(COMMANDS.status.options),
  (args) => Effect.flatMap(Effect.promise(() => import("./StatusCommand.js")), (m) => m.statusHandler(args))
).pipe(
  Command.withDescription(COMMANDS.status.summary)
)

const historyCommand = Command.make(
  "history",
  parsersOf(COMMANDS.history.options),
  (args) => Effect.flatMap(Effect.promise(() => import("./HistoryCommand.js")), (m) => m.historyHandler(args))
).pipe(
  Command.withDescription(COMMANDS.history.summary)
)

export const gehen = Command.make("gehen").pipe(
  Command.withDescription("A version-update aid for AWS ECS services"),
  Command.withSubcommands([deployCommand, rollbackCommand, statusCommand, historyCommand])
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
        : Effect.flatMap(
          Effect.promise(() => import("./StepSummary.js")),
          (m) => m.appendStepSummary(summary, m.usageErrorMarkdown(message)).pipe(Effect.ignore)
        )
    )
  )
}

/**
 * A refused command line: the message on stderr (an annotation and a job summary section
 * on GitHub Actions) and, when `--output json` is anywhere on it, the report of the
 * refusal on stdout; exit 1.
 */
const refuseUsage = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  message: string
) => {
  const intent = intentOf(argv.slice(2), env)
  return Console.error(message).pipe(
    Effect.zipRight(annotate(env, message)),
    Effect.zipRight(
      intent.json
        ? Effect.flatMap(
          Effect.promise(() => import("./ErrorReport.js")),
          (m) => Console.log(JSON.stringify(m.usageErrorReport(intent, message, Date.now()), null, 2))
        )
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
