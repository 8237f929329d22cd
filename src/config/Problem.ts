/**
 * A problem found in a decoded (or partly decoded) gehen.yml, before it is placed in the file:
 * the key path it is at, and how to say it. Config.ts turns each into a ConfigError with its line.
 */

export interface Problem {
  readonly path: ReadonlyArray<PropertyKey>
  /** What a valid value looks like. */
  readonly expected: string
  /** What was found instead, already rendered. */
  readonly got?: string | undefined
  readonly hint?: string | undefined
  /** The problem in plain words, shown instead of "expected …, got …". */
  readonly problem?: string | undefined
  /** Where it shows in the file: at the key (or list item) of `path`, or at the map that lacks it. */
  readonly at: "key" | "parent"
}

/** A found value as a message shows it: strings quoted, maps and lists by kind. */
export const show = (u: unknown): string => {
  if (u === undefined) return "nothing"
  if (u === null) return "an empty value"
  if (Array.isArray(u)) return u.length === 0 ? "an empty list" : "a list"
  if (typeof u === "string") {
    const s = JSON.stringify(u)
    return s.length > 80 ? `${s.slice(0, 77)}…"` : s
  }
  if (typeof u === "object") return Object.keys(u).length === 0 ? "an empty map" : "a map"
  return String(u)
}

/** `services.api.containers[1]` */
export const keyPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc === "" ? String(k) : `${acc}.${String(k)}`),
    ""
  )
