/**
 * gehen.yml: the config types, and reading a file into them. The pieces live next door:
 * Schema.ts (what the file may contain), Issues.ts (decode failures as ConfigErrors),
 * Resolve.ts (file order, service names, rule ARNs, cross-entry checks), Names.ts
 * (names and ARNs), Yaml.ts, Defaults.ts.
 */

import * as FileSystem from "@effect/platform/FileSystem"
import type { PlatformError } from "@effect/platform/Error"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { ConfigError } from "./ConfigError.js"
import type { GehenConfig } from "./Types.js"
import { fromIssue } from "./Issues.js"
import { toConfig } from "./Resolve.js"
import { GehenFile } from "./Schema.js"
import { keyOrder, parseYaml } from "./Yaml.js"

export { ConfigError } from "./ConfigError.js"
export { configDefaults } from "./Defaults.js"
export { clusterName, regionOfCluster } from "./Names.js"
export { GehenFile } from "./Schema.js"

export type { GehenConfig, ScheduledTaskConfig, ServiceConfig, UpdateStrategy } from "./Types.js"

const decodeFile = Schema.decodeUnknownEither(GehenFile, { onExcessProperty: "error", errors: "first" })

/** Parses and validates the text of a gehen.yml; `path` is only used in messages and the result. */
export const decodeConfig = (path: string, text: string): Effect.Effect<GehenConfig, ConfigError> =>
  Either.flatMap(parseYaml(path, text), ({ doc, value }) => {
    if (value === null || value === undefined) {
      return Either.left(
        new ConfigError({
          path,
          key: "",
          expected: "at least one service under services or rule under scheduledTasks",
          got: "an empty file"
        })
      )
    }
    return decodeFile(value).pipe(
      Either.mapLeft((e) => fromIssue(path, e.issue)),
      Either.flatMap((file) =>
        toConfig(path, file, {
          services: keyOrder(doc, "services"),
          scheduledTasks: keyOrder(doc, "scheduledTasks")
        })
      )
    )
  })

const readError = (path: string, e: PlatformError): ConfigError =>
  new ConfigError({
    path,
    key: "",
    expected: "a readable gehen config file",
    got: e._tag === "SystemError" && e.reason === "NotFound"
      ? "no such file"
      : e._tag === "SystemError" && e.reason === "PermissionDenied"
      ? "a file it may not read (permission denied)"
      : e.message
  })

/** Reads and validates a gehen.yml. */
export const loadConfig = (path: string): Effect.Effect<GehenConfig, ConfigError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* Effect.mapError(fs.stat(path), (e) => readError(path, e))
    if (info.type === "Directory") {
      return yield* new ConfigError({ path, key: "", expected: "a gehen config file", got: "a directory" })
    }
    const text = yield* Effect.mapError(fs.readFileString(path), (e) => readError(path, e))
    return yield* decodeConfig(path, text)
  })
