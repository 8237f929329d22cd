import * as JSONSchema from "effect/JSONSchema"
import { GehenFile } from "./Schema.js"

/**
 * The JSON Schema of gehen.yml (its encoded, as-written side), for editors.
 * The committed gehen.schema.json is checked against this by test/ConfigJsonSchema.test.ts.
 */
export const configJsonSchema = (): object => ({
  ...JSONSchema.make(GehenFile),
  // "At least one service or scheduled task" is a filter over the whole struct, which
  // JSONSchema.make cannot express; say it here so editors flag an empty config too
  // (`services:` with nothing under it is null, which minProperties alone would let pass).
  anyOf: [
    { required: ["services"], properties: { services: { type: "object", minProperties: 1 } } },
    { required: ["scheduledTasks"], properties: { scheduledTasks: { type: "object", minProperties: 1 } } }
  ]
})
