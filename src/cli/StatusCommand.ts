import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { loadConfig } from "../config/Config.js"
import { status } from "../status/Status.js"
import { CliExit } from "./CliExit.js"
import { CliEnvironment } from "./Environment.js"
import { formatStatus } from "./StatusFormat.js"
import { colorWanted, makeStyle } from "./Style.js"

export interface StatusArgs {
  readonly path: string
  readonly output: "text" | "json"
}

/**
 * `gehen status`: what runs now, read-only. Its answer is the command's result, so it
 * goes to stdout (text or JSON); errors go to stderr.
 */
export const statusHandler = (args: StatusArgs) =>
  Effect.gen(function*() {
    const env = yield* CliEnvironment
    // Each stream is coloured by what it is connected to.
    const style = makeStyle(colorWanted(env.env, env.stdoutIsTTY))
    const errorStyle = makeStyle(colorWanted(env.env, env.isTTY))
    const fail = (message: string) =>
      Console.error(errorStyle.red(`gehen: ${message}`)).pipe(Effect.zipRight(Effect.fail(new CliExit({ code: 1 }))))
    const config = yield* Effect.either(loadConfig(args.path))
    if (Either.isLeft(config)) return yield* fail(config.left.message)
    const report = yield* Effect.either(status(config.right).pipe(Effect.provide(env.aws(config.right, "status"))))
    if (Either.isLeft(report)) return yield* fail(report.left.message)
    yield* Console.log(args.output === "json" ? JSON.stringify(report.right, null, 2) : formatStatus(style, report.right))
  })
