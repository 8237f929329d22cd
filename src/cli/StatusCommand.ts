import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { loadConfig } from "../config/Config.js"
import { status, type StatusReport, type UnreadTarget, unreadTargets } from "../status/Status.js"
import { CliExit } from "./CliExit.js"
import { CliEnvironment } from "./Environment.js"
import { formatStatus } from "./StatusFormat.js"
import { colorWanted, makeStyle } from "./Style.js"

export interface StatusArgs {
  /** Absent: the default gehen.yml. */
  readonly path: Option.Option<string>
  readonly output: "text" | "json"
}

/** Every problem of a config error, one `gehen:` line each (one error, or a list of them). */
const messagesOf = (
  error: { readonly message: string; readonly errors?: ReadonlyArray<{ readonly message: string }> }
): ReadonlyArray<string> => error.errors?.map((e) => e.message) ?? [error.message]

const labelOf = (t: UnreadTarget): string =>
  t.kind === "service" ? `service ${t.name} in cluster ${t.cluster} (${t.state})` : `scheduled task ${t.name} (${t.state})`

/** The one stderr line when some targets were not read; undefined when all were. */
export const unreadSummary = (report: StatusReport): string | undefined => {
  const unread = unreadTargets(report)
  if (unread.length === 0) return undefined
  const total = report.services.length + report.scheduledTasks.length
  return `${unread.length} of ${total} target${total === 1 ? "" : "s"} could not be read: ${unread.map(labelOf).join(", ")}`
}

/**
 * `gehen status`: what runs now, read-only. Its answer is the command's result, so it
 * goes to stdout (text or JSON), every target in it whatever happened to the others;
 * errors go to stderr. Exit 0 when every target was read and found; 1 when any is
 * missing or unreadable (after the full report, with a one-line summary on stderr), or
 * on a config error or a missing region (before any AWS call).
 */
export const statusHandler = (args: StatusArgs) =>
  Effect.gen(function*() {
    const env = yield* CliEnvironment
    // Each stream is coloured by what it is connected to.
    const style = makeStyle(colorWanted(env.env, env.stdoutIsTTY))
    const errorStyle = makeStyle(colorWanted(env.env, env.isTTY))
    const fail = (...messages: ReadonlyArray<string>) =>
      Effect.forEach(messages, (message) => Console.error(errorStyle.red(`gehen: ${message}`))).pipe(
        Effect.zipRight(Effect.fail(new CliExit({ code: 1 })))
      )
    const config = yield* Effect.either(loadConfig(Option.getOrElse(args.path, () => "gehen.yml"), { defaulted: Option.isNone(args.path) }))
    if (Either.isLeft(config)) return yield* fail(...messagesOf(config.left))
    const report = yield* Effect.either(status(config.right).pipe(Effect.provide(env.aws(config.right, "status"))))
    if (Either.isLeft(report)) return yield* fail(report.left.message)
    yield* Console.log(args.output === "json" ? JSON.stringify(report.right, null, 2) : formatStatus(style, report.right))
    const summary = unreadSummary(report.right)
    if (summary !== undefined) return yield* fail(summary)
  })
