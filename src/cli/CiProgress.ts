import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { targetLabel } from "../domain/Targets.js"
import { Progress, type ProgressEvent } from "../ports/Progress.js"
import { phaseWording } from "../report/Phases.js"
import { formatEvent } from "./Render.js"
import type { Style } from "./Style.js"

/**
 * Progress for logs: one timestamped line per state change (`formatEvent`).
 * With `githubActions`, the lines of each stage of the run sit in a collapsible
 * `::group::` and every failure is also an `::error` annotation, so it shows
 * on the run's summary page.
 *
 * Grouping: a group is a stage of the run (`phaseWording[phase].stage`), not a
 * single phase, because phases of different targets interleave (service A
 * registers, A updates, B registers, …) and one group per phase would open and
 * close at every line. The stages follow each other in a deploy, so each
 * normally appears once. A group opens with the first event of its stage and
 * closes when an event of another stage arrives or the layer's scope closes.
 */
export interface CiOptions {
  /** Where output goes, one call per line (the CLI passes `process.stderr.write`). */
  readonly write: (chunk: string) => void
  readonly style: Style
  /** GitHub Actions workflow commands (groups, error annotations). */
  readonly githubActions: boolean
}

export interface CiRenderer {
  readonly emit: (event: ProgressEvent) => Effect.Effect<void>
  /** Closes the open group; call it before printing the summary (the scope's close calls it too). */
  readonly finish: Effect.Effect<void>
}

/** Escaping of a workflow command's message, as the Actions runner's toolkit does it. */
export const escapeData = (s: string): string => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A")

/** Escaping of a workflow command's property value (`title=…`): also `:` and `,`. */
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C")

/** Where in a file an annotation points (GitHub shows it on that line of the file). */
export interface AnnotationPlace {
  readonly file: string
  readonly line?: number | undefined
  readonly col?: number | undefined
}

/** `::error title=api (prod)::task … is UNHEALTHY`, or `::error file=gehen.yml,line=4,col=5,title=…::…` */
export const errorAnnotation = (title: string, message: string, place?: AnnotationPlace): string => {
  const props = [
    ...(place === undefined ? [] : [`file=${escapeProperty(place.file)}`]),
    ...(place?.line === undefined ? [] : [`line=${place.line}`]),
    ...(place?.col === undefined ? [] : [`col=${place.col}`]),
    `title=${escapeProperty(title)}`
  ]
  return `::error ${props.join(",")}::${escapeData(message)}`
}

/**
 * The runner reads a log line whose first non-blank characters are `::` (or the
 * old `##[`) as a command; a line of a multi-line message (an AWS error text,
 * say) must not smuggle one in, so such lines get a visible mark in front.
 */
const defuse = (text: string): string => text.replace(/(^|\n)([ \t]*)(?=::|##\[)/g, "$1$2· ")

export const make = (options: CiOptions): Effect.Effect<CiRenderer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { githubActions, style, write } = options
    let group: string | undefined

    const finish = Effect.sync(() => {
      if (group !== undefined) write("::endgroup::\n")
      group = undefined
    })

    const emit = (event: ProgressEvent) =>
      Effect.sync(() => {
        if (!githubActions) return write(`${formatEvent(style, event)}\n`)
        const stage = phaseWording[event.phase].stage
        if (stage !== group) {
          if (group !== undefined) write("::endgroup::\n")
          write(`::group::${escapeData(stage)}\n`)
          group = stage
        }
        write(`${defuse(formatEvent(style, event))}\n`)
        // A plan that stops is annotated problem by problem where the problems are known
        // (the deploy command); its run-level line here would only say "found problems".
        if (event.status === "failed" && !(event.target === undefined && event.phase === "plan")) {
          write(`${errorAnnotation(event.target === undefined ? "gehen" : targetLabel(event.target), event.message)}\n`)
        }
      })

    yield* Effect.addFinalizer(() => finish)
    return { emit, finish }
  })

/** The `Progress` layer; an open group is closed when the layer's scope closes. */
export const layer = (options: CiOptions): Layer.Layer<Progress> =>
  Layer.scoped(Progress, Effect.map(make(options), (r) => ({ emit: r.emit })))

/** Whether GitHub Actions runs us (it sets `GITHUB_ACTIONS=true`). */
export const isGithubActions = (env: Readonly<Record<string, string | undefined>>): boolean =>
  env["GITHUB_ACTIONS"] === "true"

/**
 * Which progress output fits: GitHub Actions commands there; plain lines in
 * other CI (`CI` set to anything but "" / "false" / "0") and when stderr is
 * not a terminal; the live block otherwise.
 */
export const progressMode = (
  env: Readonly<Record<string, string | undefined>>,
  isTTY: boolean
): "github" | "ci" | "live" => {
  if (isGithubActions(env)) return "github"
  const ci = env["CI"]
  if (ci !== undefined && ci !== "" && ci !== "false" && ci !== "0") return "ci"
  return isTTY && env["TERM"] !== "dumb" ? "live" : "ci"
}
