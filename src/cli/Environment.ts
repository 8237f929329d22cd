import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { GehenConfig } from "../config/Config.js"
import type { Ecs } from "../ports/Ecs.js"
import type { Identity } from "../ports/Identity.js"
import type { Images } from "../ports/Images.js"
import type { DefaultRegion } from "../ports/Region.js"
import type { ScheduledTasks } from "../ports/ScheduledTasks.js"
import type { VersionProbe } from "../ports/VersionProbe.js"
import type { Signals } from "./Signals.js"

export type AwsServices = Ecs | ScheduledTasks | DefaultRegion | Identity | Images

/**
 * What the CLI runs against. The AWS layer depends on the config (its role),
 * so it is made per run; tests swap the whole environment for the simulator.
 */
export class CliEnvironment extends Context.Tag("gehen/CliEnvironment")<CliEnvironment, {
  readonly aws: (config: GehenConfig, gitsha: string) => Layer.Layer<AwsServices>
  readonly probe: Layer.Layer<VersionProbe>
  /** Whether stderr is a terminal. */
  readonly isTTY: boolean
  /** Whether stdout is a terminal (help and `status` colour only there). */
  readonly stdoutIsTTY: boolean
  /** Writes to stderr without a newline (live progress redraws in place). */
  readonly writeStderr: (chunk: string) => void
  /** Writes out what `writeStderr` still holds (it may batch): before a summary goes to stderr another way. */
  readonly flushStderr?: (() => void) | undefined
  /** The terminal's size, read at each redraw. */
  readonly columns: () => number | undefined
  readonly rows: () => number | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  /** The process's signals (the installed CLI); absent where nothing sends any (tests in process). */
  readonly signals?: Signals | undefined
}>() {}
