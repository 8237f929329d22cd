import * as JSONSchema from "effect/JSONSchema"
import { GehenFile } from "./Schema.js"

/**
 * Where the schema of the latest published package is served: the package ships it as
 * gehen.schema.json at its root, and unpkg serves a package's files by name.
 */
export const SCHEMA_ID = "https://unpkg.com/gehen/gehen.schema.json"

/**
 * The JSON Schema of gehen.yml (its encoded, as-written side), for editors.
 * The committed gehen.schema.json is checked against this by test/ConfigJsonSchema.test.ts.
 */
export const configJsonSchema = (): object => ({
  // $id right after $schema, where readers look for it.
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: SCHEMA_ID,
  ...JSONSchema.make(GehenFile),
  // "At least one service or scheduled task" is a filter over the whole struct, which
  // JSONSchema.make cannot express; say it here so editors flag an empty config too
  // (`services:` with nothing under it is null, which minProperties alone would let pass).
  anyOf: [
    { required: ["services"], properties: { services: { type: "object", minProperties: 1 } } },
    { required: ["scheduledTasks"], properties: { scheduledTasks: { type: "object", minProperties: 1 } } }
  ]
})
