import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type TargetId, targetKey, targetLabel } from "../domain/Targets.js"
import { type Phase, Progress, type ProgressEvent, type ProgressStatus } from "../ports/Progress.js"
import { phaseWording } from "../report/Phases.js"
import { formatEvent } from "./Render.js"
import type { Style } from "./Style.js"

/**
 * Progress for a terminal: one live line per service and scheduled task,
 * redrawn in place; failures and run-level events become permanent lines
 * above the live block. Redraws are throttled to one per `interval` so a
 * burst of events (10 services polled at once) costs one write.
 */
export interface LiveOptions {
  /** Where output goes, one call per redraw (the CLI passes `process.stderr.write`). */
  readonly write: (chunk: string) => void
  readonly style: Style
  /** Terminal width; read on every redraw so a resize is picked up. Default 80. */
  readonly columns?: number | (() => number | undefined)
  /** Terminal height; the block is shortened to fit, as cursor-up cannot go above the screen. */
  readonly rows?: number | (() => number | undefined)
  /** Least time between redraws (ms). Default 200 (5 per second). */
  readonly intervalMillis?: number
}

export interface LiveRenderer {
  readonly emit: (event: ProgressEvent) => Effect.Effect<void>
  /**
   * Draws the final state and leaves live mode: later events print as plain
   * lines. Call it before printing anything else to the same stream (the
   * scope's close calls it too; it is idempotent).
   */
  readonly stop: Effect.Effect<void>
}

interface Row {
  readonly target: TargetId
  phase: Phase
  status: ProgressStatus
  startedAt: number
  endedAt: number | undefined
  message: string
}

/** A phase after which nothing more happens to the target (barring a rollback). */
const isLast = (row: Row): boolean =>
  row.phase === "drain" || row.phase === "rollback-drain" ||
  (row.target.kind === "scheduled-task" && (row.phase === "update" || row.phase === "rollback"))

/** A scheduled task has no drain: its update ends its deploy as a drain does, its rollback as a rollback drain does. */
const wordedAs = (row: Row): Phase =>
  row.target.kind !== "scheduled-task"
    ? row.phase
    : row.phase === "update"
    ? "drain"
    : row.phase === "rollback"
    ? "rollback-drain"
    : row.phase

const succeededText = (row: Row): string => phaseWording[wordedAs(row)].succeeded

/** `12s`, `1m05s`, `1h02m`: short enough to keep the line steady. */
export const formatElapsed = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}

// CSI sequences (colour, cursor); they take no columns.
/* eslint-disable no-control-regex -- these match the terminal's escape sequences */
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/y
const ANSI_ALL = /\u001b\[[0-9;?]*[A-Za-z]/g
/* eslint-enable no-control-regex */

const visibleLength = (s: string): number => [...s.replace(ANSI_ALL, "")].length

/**
 * Cuts `line` to `width` visible columns, ending in `…`, keeping escape
 * sequences intact (a colour is reset if the cut may have left one open).
 * A wrapped line would break the cursor-up count of the next redraw.
 */
export const truncate = (line: string, width: number): string => {
  if (visibleLength(line) <= width) return line
  if (width <= 0) return ""
  let out = ""
  let visible = 0
  let escaped = false
  let i = 0
  while (i < line.length && visible < width - 1) {
    ANSI.lastIndex = i
    const m = ANSI.exec(line)
    if (m !== null) {
      out += m[0]
      escaped = true
      i += m[0].length
      continue
    }
    const ch = String.fromCodePoint(line.codePointAt(i) ?? 0)
    out += ch
    visible += 1
    i += ch.length
  }
  return `${out}…${escaped ? "\u001b[0m" : ""}`
}

const ERASE_LINE = "\u001b[2K"
const ERASE_BELOW = "\u001b[0J"
const up = (n: number) => (n > 0 ? `\u001b[${n}A\r` : "\r")

const read = (v: number | (() => number | undefined) | undefined): number | undefined =>
  typeof v === "function" ? v() : v

export const make = (options: LiveOptions): Effect.Effect<LiveRenderer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { style, write } = options
    const rows = new Map<string, Row>()
    let permanent: Array<string> = []
    /** Lines of the live block as last drawn. */
    let drawn: ReadonlyArray<string> = []
    let stopped = false

    const rowText = (row: Row, now: number, labelWidth: number, phaseWidth: number): string => {
      const finished = row.status === "succeeded" || row.status === "failed" || row.status === "skipped"
      const mark = row.status === "failed"
        ? style.red("✗")
        : row.status === "skipped"
        ? style.dim("-")
        : row.status === "succeeded"
        ? (isLast(row) ? style.green("✓") : style.dim("·"))
        : style.bold("›")
      const phase = phaseText(row)
      const paint = row.status === "failed"
        ? style.red
        : row.status === "succeeded" && isLast(row)
        ? style.green
        : (s: string) => s
      const elapsed = formatElapsed((finished ? row.endedAt ?? now : now) - row.startedAt)
      const message = row.status === "failed" ? style.red(row.message) : row.message
      return `${mark} ${style.bold(targetLabel(row.target).padEnd(labelWidth))}  ${paint(phase.padEnd(phaseWidth))}  ${
        style.dim(elapsed.padStart(5))
      }  ${message}`
    }

    const phaseText = (row: Row): string =>
      row.status === "failed"
        ? `${phaseWording[row.phase].title} failed`
        : row.status === "skipped"
        ? `${phaseWording[row.phase].title} skipped`
        : row.status === "succeeded"
        ? succeededText(row)
        : phaseWording[row.phase].active

    /** The rows to show: all, or as many as fit with the finished ones folded into a count. */
    const visibleRows = (): { shown: ReadonlyArray<Row>; note: string | undefined } => {
      const all = [...rows.values()]
      const height = read(options.rows)
      // Keep one screen line spare for the cursor, one for the note.
      const room = height === undefined ? Infinity : Math.max(1, height - 2)
      if (all.length <= room) return { shown: all, note: undefined }
      const open = all.filter((r) => r.status !== "succeeded" || !isLast(r))
      const shown = open.slice(0, room)
      const done = all.length - open.length
      const more = open.length - shown.length
      const parts = [...(done > 0 ? [`${done} done`] : []), ...(more > 0 ? [`${more} more`] : [])]
      return { shown, note: style.dim(`  … ${parts.join(", ")}`) }
    }

    const frame = (now: number): ReadonlyArray<string> => {
      const { note, shown } = visibleRows()
      const labelWidth = Math.min(40, Math.max(0, ...shown.map((r) => targetLabel(r.target).length)))
      const phaseWidth = Math.max(0, ...shown.map((r) => phaseText(r).length))
      const width = Math.max(10, (read(options.columns) ?? 80) - 1)
      const lines = shown.map((r) => rowText(r, now, labelWidth, phaseWidth))
      return [...lines, ...(note === undefined ? [] : [note])].map((l) => truncate(l, width))
    }

    /** Writes what changed since the last redraw, in one chunk; nothing when nothing did. */
    const redraw = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => {
        if (stopped) return
        const next = frame(now)
        if (permanent.length === 0 && next.join("\n") === drawn.join("\n")) return
        const above = permanent.map((l) => `${ERASE_LINE}${l}\n`).join("")
        const block = next.map((l) => `${ERASE_LINE}${l}\n`).join("")
        write(`${up(drawn.length)}${above}${block}${ERASE_BELOW}`)
        permanent = []
        drawn = next
      }))

    const apply = (event: ProgressEvent) => {
      if (stopped) return write(`${formatEvent(style, event)}\n`)
      if (event.target === undefined) return void permanent.push(formatEvent(style, event))
      if (event.status === "failed") permanent.push(formatEvent(style, event))
      const key = targetKey(event.target)
      const row = rows.get(key)
      const fresh = row === undefined || event.status === "started" || row.phase !== event.phase
      const ended = event.status === "succeeded" || event.status === "failed" || event.status === "skipped"
      rows.set(key, {
        target: event.target,
        phase: event.phase,
        status: event.status,
        startedAt: fresh || row === undefined ? event.at : row.startedAt,
        endedAt: ended ? event.at : undefined,
        message: event.message
      })
    }

    const stop = Effect.zipRight(redraw, Effect.sync(() => void (stopped = true)))
    // Added before the ticker is forked, so it runs after the ticker is interrupted.
    yield* Effect.addFinalizer(() => stop)
    yield* Effect.forkScoped(Effect.schedule(redraw, Schedule.spaced(options.intervalMillis ?? 200)))
    return { emit: (event) => Effect.sync(() => apply(event)), stop }
  })

/** The `Progress` layer; the final state is drawn when the layer's scope closes. */
export const layer = (options: LiveOptions): Layer.Layer<Progress> =>
  Layer.scoped(Progress, Effect.map(make(options), (r) => ({ emit: r.emit })))
