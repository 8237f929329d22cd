import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { loadConfig } from "../config/Config.js"
import { onlyKeys, selectTargets } from "../config/Only.js"
import { shortName } from "../domain/TaskDefinitionArn.js"
import { history, historyErrorReport, type HistoryReport, type TargetHistory } from "../history/History.js"
import type { DeployedAs } from "../report/Report.js"
import { errorAnnotation } from "./CiProgress.js"
import { CliExit } from "./CliExit.js"
import { CliEnvironment } from "./Environment.js"
import { colorWanted, makeStyle, type Style } from "./Style.js"
import { whoAmI } from "./WhoAmI.js"

export interface HistoryArgs {
  readonly path: Option.Option<string>
  readonly only: Option.Option<string>
  readonly output: "text" | "json"
}

const targetLine = (t: TargetHistory): string =>
  t.kind === "service"
    ? `service ${t.name} (cluster ${t.cluster}, ${t.region})`
    : `scheduled task ${t.name} (${t.region})`

/** The history as text: per target, its releases newest first, the running one marked with `*`. */
export const formatHistory = (style: Style, report: HistoryReport): string => {
  const lines = [
    style.bold(`gehen history at ${report.at}${report.deployedAs === null ? "" : ` as ${report.deployedAs.arn}`}`)
  ]
  for (const t of [...report.services, ...report.scheduledTasks]) {
    lines.push(
      `  ${style.bold(targetLine(t))}${t.taskDefinition === null ? "" : `: runs ${shortName(t.taskDefinition)}`}`
    )
    if (t.problem !== null) lines.push(`    ${style.red(t.problem)}`)
    else if (t.releases.length === 0) {
      lines.push(style.dim("    no release recorded yet (gehen records one when a deploy is confirmed)"))
    }
    for (const r of t.releases) {
      const mark = r.current ? style.green("*") : " "
      lines.push(
        `  ${mark} ${(r.sha ?? "?").padEnd(12)} ${shortName(r.taskDefinition).padEnd(16)} released ${r.releasedAt}` +
          `${r.by === null ? "" : ` by ${r.by}`}${r.current ? style.green(" (running now)") : ""}`
      )
    }
  }
  return lines.join("\n")
}

/**
 * `gehen history`: per target, its releases newest first (read-only). Its answer goes to
 * stdout (text or JSON); exit 1 when a target could not be read or the input is bad.
 */
export const historyHandler = (args: HistoryArgs) =>
  Effect.gen(function*() {
    const env = yield* CliEnvironment
    const style = makeStyle(colorWanted(env.env, env.stdoutIsTTY))
    const errorStyle = makeStyle(colorWanted(env.env, env.isTTY))
    const json = args.output === "json"
    const refuse = (problems: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        for (const p of problems) {
          yield* Console.error(errorStyle.red(`gehen: ${p}`))
          if (env.env["GITHUB_ACTIONS"] === "true") yield* Console.error(errorAnnotation("gehen", p))
        }
        if (json) {
          const at = new Date(yield* Clock.currentTimeMillis).toISOString()
          const report = historyErrorReport(at, problems.map((problem) => ({ target: null, problem })))
          yield* Console.log(JSON.stringify(report, null, 2))
        }
        return yield* Effect.fail(new CliExit({ code: 1 }))
      })
    const file = yield* Effect.either(
      loadConfig(Option.getOrElse(args.path, () => "gehen.yml"), { defaulted: Option.isNone(args.path) })
    )
    if (Either.isLeft(file)) return yield* refuse(file.left.errors?.map((e) => e.message) ?? [file.left.message])
    const config = selectTargets(file.right, onlyKeys(Option.toArray(args.only)))
    if (Either.isLeft(config)) return yield* refuse([`${config.left.message}; see gehen history --help`])
    const aws = yield* Layer.build(env.aws(config.right, "history"))
    const who = yield* Effect.either(whoAmI(config.right).pipe(Effect.provide(aws)))
    if (Either.isLeft(who)) return yield* refuse([who.left.message])
    const deployedAs: DeployedAs = { account: who.right.account, arn: who.right.arn }
    const read = yield* Effect.either(history(config.right, deployedAs).pipe(Effect.provide(aws)))
    if (Either.isLeft(read)) return yield* refuse([read.left.message])
    yield* Console.log(json ? JSON.stringify(read.right, null, 2) : formatHistory(style, read.right))
    const unread = [...read.right.services, ...read.right.scheduledTasks].filter((t) => t.problem !== null)
    if (unread.length > 0) {
      yield* Console.error(
        errorStyle.red(`gehen: ${unread.length} target(s) could not be read: ${unread.map(targetLine).join(", ")}`)
      )
      return yield* Effect.fail(new CliExit({ code: 1 }))
    }
  }).pipe(Effect.scoped)
