import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { loadConfig } from "../config/Config.js"
import { onlyKeys, selectTargets } from "../config/Only.js"
import type { DeployedAs, Problem } from "../report/Report.js"
import { status, statusErrorReport, type StatusReport, type UnreadTarget, unreadTargets } from "../status/Status.js"
import { errorAnnotation } from "./CiProgress.js"
import { CliExit } from "./CliExit.js"
import { CliEnvironment } from "./Environment.js"
import { formatStatus } from "./StatusFormat.js"
import { colorWanted, makeStyle } from "./Style.js"
import { whoAmI } from "./WhoAmI.js"

export interface StatusArgs {
  /** Absent: the default gehen.yml. */
  readonly path: Option.Option<string>
  /** `--only`: comma-separated gehen.yml keys; absent: every target. */
  readonly only?: Option.Option<string> | undefined
  readonly output: "text" | "json"
}

/** Every problem of a config error, one each (one error, or a list of them). */
const problemsOf = (
  error: { readonly message: string; readonly errors?: ReadonlyArray<{ readonly message: string }> }
): ReadonlyArray<Problem> =>
  (error.errors?.map((e) => e.message) ?? [error.message]).map((problem) => ({ target: null, problem }))

const labelOf = (t: UnreadTarget): string =>
  t.kind === "service"
    ? `service ${t.name} in cluster ${t.cluster} (${t.state})`
    : `scheduled task ${t.name} (${t.state})`

/** The one stderr line when some targets were not read; undefined when all were. */
export const unreadSummary = (report: StatusReport): string | undefined => {
  const unread = unreadTargets(report)
  if (unread.length === 0) return undefined
  const total = report.services.length + report.scheduledTasks.length
  return `${unread.length} of ${total} target${total === 1 ? "" : "s"} could not be read: ${
    unread.map(labelOf).join(", ")
  }`
}

/**
 * `gehen status`: what runs now, read-only. Its answer is the command's result, so it
 * goes to stdout (text or JSON), every target in it whatever happened to the others, with
 * whom it read as; errors go to stderr. Exit 0 when every target was read and found; 1
 * when any is missing or unreadable (after the full report, with a one-line summary on
 * stderr), or when it stopped before reading: a config error, an unknown `--only` key,
 * no credentials or no region (with `--output json`, the report's error form).
 */
export const statusHandler = (args: StatusArgs) =>
  Effect.gen(function*() {
    const env = yield* CliEnvironment
    // Each stream is coloured by what it is connected to.
    const style = makeStyle(colorWanted(env.env, env.stdoutIsTTY))
    const errorStyle = makeStyle(colorWanted(env.env, env.isTTY))
    const json = args.output === "json"
    const githubActions = env.env["GITHUB_ACTIONS"] === "true"
    const at = () => new Date().toISOString()

    /** Stops before reading any target: each problem on stderr (and annotated), the error report with JSON; exit 1. */
    const refuse = (problems: ReadonlyArray<Problem>, deployedAs: DeployedAs | null = null) =>
      Effect.gen(function*() {
        for (const p of problems) {
          yield* Console.error(errorStyle.red(`gehen: ${p.problem}`))
          if (githubActions) yield* Console.error(errorAnnotation("gehen", p.problem))
        }
        if (json) yield* Console.log(JSON.stringify(statusErrorReport(at(), problems, deployedAs), null, 2))
        return yield* Effect.fail(new CliExit({ code: 1 }))
      })

    const file = yield* Effect.either(
      loadConfig(Option.getOrElse(args.path, () => "gehen.yml"), { defaulted: Option.isNone(args.path) })
    )
    if (Either.isLeft(file)) return yield* refuse(problemsOf(file.left))
    const config = selectTargets(file.right, onlyKeys(Option.toArray(args.only ?? Option.none())))
    if (Either.isLeft(config)) {
      return yield* refuse([{ target: null, problem: `${config.left.message}; see gehen status --help` }])
    }

    const aws = yield* Layer.build(env.aws(config.right, "status"))
    const who = yield* Effect.either(whoAmI(config.right).pipe(Effect.provide(aws)))
    if (Either.isLeft(who)) {
      return yield* refuse(problemsOf(who.left))
    }
    const deployedAs: DeployedAs = { account: who.right.account, arn: who.right.arn }

    const read = yield* Effect.either(status(config.right).pipe(Effect.provide(aws)))
    if (Either.isLeft(read)) return yield* refuse(problemsOf(read.left), deployedAs)
    // Whom it read as, before the targets (as the run report has it).
    const { scheduledTasks, services, ...head } = read.right
    const report: StatusReport = { ...head, deployedAs, services, scheduledTasks }
    yield* Console.log(json ? JSON.stringify(report, null, 2) : formatStatus(style, report))
    const summary = unreadSummary(report)
    if (summary !== undefined) {
      yield* Console.error(errorStyle.red(`gehen: ${summary}`))
      return yield* Effect.fail(new CliExit({ code: 1 }))
    }
  }).pipe(Effect.scoped)
