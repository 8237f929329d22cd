import * as Console from "effect/Console"
import * as Layer from "effect/Layer"
import { targetLabel } from "../domain/Targets.js"
import { Progress, type ProgressEvent } from "../ports/Progress.js"
import { phaseWording } from "../report/Phases.js"
import type { Style } from "./Style.js"

const clock = (at: number) => new Date(at).toISOString().slice(11, 19)

/** One line per state change: `12:00:01 api (prod) drain: 2/3 new running`. */
export const formatEvent = (style: Style, event: ProgressEvent): string => {
  const who = event.target === undefined ? "gehen" : targetLabel(event.target)
  const phase = phaseWording[event.phase].title
  const mark = event.status === "succeeded"
    ? style.green("✓")
    : event.status === "failed"
    ? style.red("✗")
    : event.status === "skipped"
    ? style.dim("-")
    : event.status === "started"
    ? style.bold("›")
    : style.dim("·")
  const text = event.status === "failed" ? style.red(event.message) : event.message
  return `${style.dim(clock(event.at))} ${mark} ${style.bold(who)} ${style.dim(`${phase}:`)} ${text}`
}

/** Human progress on stderr, a plain line per state change. */
export const PlainProgress = (style: Style): Layer.Layer<Progress> =>
  Layer.succeed(Progress, { emit: (event) => Console.error(formatEvent(style, event)) })
