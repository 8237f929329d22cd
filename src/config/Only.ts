/**
 * `--only key[,key...]`: a gehen.yml narrowed to some of its services and scheduled tasks,
 * named by their keys. What is left out is neither read nor changed: the commands get a
 * config that does not hold it. Shared by every command that takes `--only`.
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import { nearest } from "./Suggest.js"
import type { GehenConfig } from "./Types.js"

// A file of 200 services is not listed in full.
const LISTED = 10

/** One `--only` key that names nothing in the file, with the key it most likely means. */
export interface UnknownKey {
  readonly key: string
  readonly meant: string | undefined
}

/** `--only` named keys the file does not have. A usage error: nothing was read. */
export class UnknownTargetKeys extends Data.TaggedError("UnknownTargetKeys")<{
  /** The config file, for the message. */
  readonly path: string
  readonly unknown: ReadonlyArray<UnknownKey>
  /** Every key of the file, services first, in file order. */
  readonly known: ReadonlyArray<string>
}> {
  override get message() {
    const each = this.unknown.map((u) => `"${u.key}"${u.meant === undefined ? "" : ` (did you mean "${u.meant}"?)`}`)
    const what = this.unknown.length === 1 ? "no service or scheduled task" : "no services or scheduled tasks"
    const listed = this.known.slice(0, LISTED).join(", ") +
      (this.known.length > LISTED ? `, and ${this.known.length - LISTED} more` : "")
    return `--only: ${what} ${each.join(", ")} in ${this.path}; its keys: ${listed}`
  }
}

/**
 * The keys of `--only` values: comma-separated, repeatable, blanks around a key ignored,
 * each key once in the order first given. Empty when none was given.
 */
export const onlyKeys = (values: ReadonlyArray<string>): ReadonlyArray<string> => [
  ...new Set(values.flatMap((v) => v.split(",")).map((k) => k.trim()).filter((k) => k !== ""))
]

/**
 * The config with only the services and scheduled tasks whose gehen.yml keys are in
 * `keys` (services' and scheduledTasks' keys alike), in file order; the rest of the file
 * (role, timeouts, strategy) as it is. An empty `keys` keeps everything. A key the file
 * does not have fails, naming the nearest key, or the key of an entry whose service name
 * or rule name it is.
 */
export const selectTargets = (
  config: GehenConfig,
  keys: ReadonlyArray<string>
): Either.Either<GehenConfig, UnknownTargetKeys> => {
  if (keys.length === 0) return Either.right(config)
  const known = [...config.services.map((s) => s.key), ...config.scheduledTasks.map((t) => t.key)]
  const names = [
    ...config.services.map((s) => ({ name: s.name, key: s.key })),
    ...config.scheduledTasks.map((t) => ({ name: t.rule, key: t.key }))
  ]
  const unknown = keys.filter((k) => !known.includes(k)).map((key): UnknownKey => ({
    key,
    // A rule ARN key is long: its rule name is what people type.
    meant: names.find((n) => n.name === key)?.key ?? nearest(key, known)
  }))
  if (unknown.length > 0) return Either.left(new UnknownTargetKeys({ path: config.path, unknown, known }))
  return Either.right({
    ...config,
    services: config.services.filter((s) => keys.includes(s.key)),
    scheduledTasks: config.scheduledTasks.filter((t) => keys.includes(t.key))
  })
}
