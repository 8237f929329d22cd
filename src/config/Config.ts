/**
 * gehen.yml: the config types, and reading a file into them. The pieces live next door:
 * Schema.ts (what the file may contain), Issues.ts (decode failures as Problems), Resolve.ts
 * (file order, service names, rule ARNs, cross-entry checks), Salvage.ts (the entries of a file
 * that did not decode), Positions.ts (the line of a key), Names.ts (names and ARNs), Yaml.ts,
 * Defaults.ts. Every problem of a file is reported in one run, each with its line.
 */

import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Order from "effect/Order"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { basename, dirname, resolve } from "node:path"
import { ConfigError, ConfigErrors } from "./ConfigError.js"
import { problemsOf } from "./Issues.js"
import { positionOf } from "./Positions.js"
import { keyPath, type Problem, show } from "./Problem.js"
import { type KeyOrder, resolveEntries, toConfig } from "./Resolve.js"
import { salvage } from "./Salvage.js"
import { atLeastOneEntry, GehenFile, nothingToDeploy } from "./Schema.js"
import { nearest } from "./Suggest.js"
import type { GehenConfig } from "./Types.js"
import { keyOrder, type ParsedYaml, parseYaml } from "./Yaml.js"

export { ConfigError, ConfigErrors } from "./ConfigError.js"
export { configDefaults } from "./Defaults.js"
export { clusterName, regionOfCluster } from "./Names.js"
export { GehenFile } from "./Schema.js"

export type { GehenConfig, ScheduledTaskConfig, ServiceConfig, UpdateStrategy } from "./Types.js"

const decodeFile = Schema.decodeUnknownEither(GehenFile, { onExcessProperty: "error", errors: "all" })

const isMap = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * "Nothing to deploy", from the file as written: the schema checks it only once everything
 * else decodes, and the other problems should not hide it.
 */
const emptinessOf = (value: unknown): ReadonlyArray<Problem> => {
  if (!isMap(value)) return []
  const issue = nothingToDeploy(value)
  if (issue === undefined) return []
  // A misspelt `servces:` is already reported, with its "did you mean".
  const sections = ["services", "scheduledTasks"]
  if (Object.keys(value).some((k) => !sections.includes(k) && nearest(k, sections) !== undefined)) return []
  if (typeof issue === "string") return [{ path: [], expected: atLeastOneEntry, got: issue, at: "key" }]
  const [key] = issue.path
  return [{
    path: issue.path,
    expected: atLeastOneEntry,
    got: show(typeof key === "string" ? value[key] : undefined),
    problem: issue.message,
    at: "key"
  }]
}

/** Every problem of a file that did not decode: the decode's own, and those across the entries that did. */
const decodeProblems = (issue: ParseResult.ParseIssue, parsed: ParsedYaml, order: KeyOrder) => [
  ...problemsOf(issue),
  // The filter on the whole file ran only if the rest decoded.
  ...(issue._tag === "Refinement" && issue.kind === "From" ? emptinessOf(parsed.value) : []),
  ...resolveEntries(salvage(parsed.value, order)).problems
]

/** File order; problems of the whole file (no line) first. */
const byPlace = Order.mapInput(
  Order.tuple(Order.number, Order.number),
  (e: ConfigError) => [e.line ?? 0, e.column ?? 0] as const
)

const toErrors = (path: string, parsed: ParsedYaml, problems: Arr.NonEmptyReadonlyArray<Problem>): ConfigErrors => {
  const errors = Arr.map(problems, (p) => {
    const where = positionOf(parsed.doc, parsed.lines, p.at === "parent" ? p.path.slice(0, -1) : p.path)
    return new ConfigError({
      path,
      key: keyPath(p.path),
      expected: p.expected,
      got: p.got,
      hint: p.hint,
      problem: p.problem,
      ...where
    })
  })
  return new ConfigErrors({ errors: Arr.sort(errors, byPlace) })
}

/** Parses and validates the text of a gehen.yml; `path` is only used in messages and the result. */
export const decodeConfig = (path: string, text: string): Effect.Effect<GehenConfig, ConfigErrors> =>
  Either.flatMap(
    Either.mapLeft(parseYaml(path, text), (errors) => new ConfigErrors({ errors })),
    (parsed): Either.Either<GehenConfig, ConfigErrors> => {
      if (parsed.value === null || parsed.value === undefined) {
        return Either.left(
          new ConfigErrors({
            errors: [new ConfigError({ path, key: "", expected: atLeastOneEntry, got: "an empty file" })]
          })
        )
      }
      const order = {
        services: keyOrder(parsed.doc, "services"),
        scheduledTasks: keyOrder(parsed.doc, "scheduledTasks")
      }
      const result = Either.match(decodeFile(parsed.value), {
        onLeft: (e): Either.Either<GehenConfig, ReadonlyArray<Problem>> =>
          Either.left(decodeProblems(e.issue, parsed, order)),
        onRight: (file) => toConfig(path, file, order)
      })
      return Either.mapLeft(result, (problems) => {
        const [first, ...rest] = problems
        return first === undefined
          ? new ConfigErrors({ errors: [new ConfigError({ path, key: "", expected: "a valid gehen config" })] })
          : toErrors(path, parsed, [first, ...rest])
      })
    }
  )

export interface LoadConfigOptions {
  /**
   * The path is the default (`gehen.yml`), not one the user gave: when it is missing, the
   * error names the directory looked in and how to give another file.
   */
  readonly defaulted?: boolean | undefined
}

const readError = (path: string, e: PlatformError, options: LoadConfigOptions): ConfigError => {
  const missing = e._tag === "SystemError" && e.reason === "NotFound"
  return new ConfigError({
    path,
    key: "",
    expected: "a readable gehen config file",
    got: missing
      ? "no such file"
      : e._tag === "SystemError" && e.reason === "PermissionDenied"
      ? "a file it may not read (permission denied)"
      : e.message,
    ...(missing && options.defaulted === true
      ? { problem: `no ${basename(path)} in ${resolve(dirname(path))} (pass --path <file>)` }
      : {})
  })
}

const one = (error: ConfigError): ConfigErrors => new ConfigErrors({ errors: [error] })

/** Reads and validates a gehen.yml. */
export const loadConfig = (
  path: string,
  options: LoadConfigOptions = {}
): Effect.Effect<GehenConfig, ConfigErrors, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* Effect.mapError(fs.stat(path), (e) => one(readError(path, e, options)))
    if (info.type === "Directory") {
      return yield* one(new ConfigError({ path, key: "", expected: "a gehen config file", got: "a directory" }))
    }
    const text = yield* Effect.mapError(fs.readFileString(path), (e) => one(readError(path, e, options)))
    return yield* decodeConfig(path, text)
  })
