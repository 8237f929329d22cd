// gehen.schema.json is generated from the Effect Schema in src/config/Schema.ts. After changing
// that schema, regenerate it with:
//
//   GEHEN_WRITE_SCHEMA=1 npx vitest run test/ConfigJsonSchema.test.ts
//
// and commit the result; without the variable this test only compares.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"
import { decodeConfig } from "../../src/config/Config.js"
import { configJsonSchema } from "../../src/config/JsonSchema.js"

const schemaPath = fileURLToPath(new URL("../../gehen.schema.json", import.meta.url))
const examplePath = fileURLToPath(new URL("../../gehen.example.yml", import.meta.url))
const regenerate = "GEHEN_WRITE_SCHEMA=1 npx vitest run test/ConfigJsonSchema.test.ts"

const generated = JSON.stringify(configJsonSchema(), null, 2) + "\n"

describe("gehen.schema.json", () => {
  it("is up to date with the Effect Schema", () => {
    if (process.env["GEHEN_WRITE_SCHEMA"] === "1") {
      writeFileSync(schemaPath, generated)
    }
    const committed = existsSync(schemaPath) ? readFileSync(schemaPath, "utf8") : ""
    expect(committed, `gehen.schema.json is missing or out of date; regenerate it with: ${regenerate}`).toBe(
      generated
    )
  })

  it("is what gehen.example.yml points editors at", () => {
    const firstLine = readFileSync(examplePath, "utf8").split("\n")[0]
    expect(firstLine).toBe("# yaml-language-server: $schema=./gehen.schema.json")
  })
})

// ---------------------------------------------------------------------------
// A small validator for the keywords the generated schema uses (no JSON Schema
// library is a dependency). It throws on any other keyword, so a schema change
// that needs more is noticed here instead of silently passing.
// ---------------------------------------------------------------------------

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }
type JsonObject = { readonly [key: string]: Json }

const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

const ignored = new Set(["$schema", "$defs", "$id", "title", "description", "default", "examples", "format"])

const typeOf = (value: Json): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "object" ? "object" : typeof value

const validate = (schema: Json, value: Json, root: JsonObject, at: string): ReadonlyArray<string> => {
  if (schema === true) return []
  if (schema === false) return [`${at}: not allowed`]
  if (!isObject(schema)) throw new Error(`${at}: unexpected schema ${JSON.stringify(schema)}`)
  const errors: Array<string> = []
  const sub = (s: Json, v: Json, where: string) => errors.push(...validate(s, v, root, where))
  for (const [keyword, arg] of Object.entries(schema)) {
    if (ignored.has(keyword)) continue
    switch (keyword) {
      case "$ref": {
        const name = String(arg).replace("#/$defs/", "")
        const defs = root["$defs"]
        if (!isObject(defs) || defs[name] === undefined) throw new Error(`unresolved $ref ${String(arg)}`)
        sub(defs[name], value, at)
        break
      }
      case "type": {
        const actual = typeOf(value)
        const ok = arg === actual || (arg === "integer" && Number.isInteger(value))
        if (!ok) errors.push(`${at}: expected ${String(arg)}, got ${actual}`)
        break
      }
      case "enum":
        if (!Array.isArray(arg) || !arg.includes(value)) errors.push(`${at}: not one of ${JSON.stringify(arg)}`)
        break
      case "pattern":
        // The "u" flag, as ajv and the YAML language server compile patterns.
        if (typeof value === "string" && !new RegExp(String(arg), "u").test(value)) {
          errors.push(`${at}: does not match ${String(arg)}`)
        }
        break
      case "minLength":
        if (typeof value === "string" && value.length < Number(arg)) errors.push(`${at}: too short`)
        break
      case "exclusiveMinimum":
        if (typeof value === "number" && !(value > Number(arg))) errors.push(`${at}: not > ${String(arg)}`)
        break
      case "minimum":
        if (typeof value === "number" && !(value >= Number(arg))) errors.push(`${at}: not >= ${String(arg)}`)
        break
      case "minItems":
        if (Array.isArray(value) && value.length < Number(arg)) errors.push(`${at}: too few items`)
        break
      case "items":
        if (!isObject(arg)) throw new Error(`${at}: tuple "items" is not supported here`)
        if (Array.isArray(value)) value.forEach((item: Json, i) => sub(arg, item, `${at}[${i}]`))
        break
      case "minProperties":
        if (isObject(value) && Object.keys(value).length < Number(arg)) errors.push(`${at}: too few keys`)
        break
      case "maxProperties":
        if (isObject(value) && Object.keys(value).length > Number(arg)) errors.push(`${at}: too many keys`)
        break
      case "required":
        if (isObject(value) && Array.isArray(arg)) {
          for (const key of arg) if (!(String(key) in value)) errors.push(`${at}.${String(key)}: missing`)
        }
        break
      case "properties":
        if (isObject(value) && isObject(arg)) {
          for (const [key, s] of Object.entries(arg)) {
            const v = value[key]
            if (v !== undefined) sub(s, v, `${at}.${key}`)
          }
        }
        break
      case "additionalProperties":
        if (isObject(value)) {
          if (schema["patternProperties"] !== undefined) {
            throw new Error(`${at}: additionalProperties with patternProperties`)
          }
          const known = isObject(schema["properties"]) ? schema["properties"] : {}
          for (const [key, v] of Object.entries(value)) if (!(key in known)) sub(arg, v, `${at}.${key}`)
        }
        break
      case "patternProperties":
        if (isObject(value) && isObject(arg)) {
          for (const [pattern, s] of Object.entries(arg)) {
            for (const [key, v] of Object.entries(value)) {
              if (new RegExp(pattern, "u").test(key)) sub(s, v, `${at}.${key}`)
            }
          }
        }
        break
      case "propertyNames":
        if (isObject(value)) { for (const key of Object.keys(value)) sub(arg, key, `${at}[${JSON.stringify(key)}]`) }
        break
      case "anyOf":
        if (Array.isArray(arg) && !arg.some((s: Json) => validate(s, value, root, at).length === 0)) {
          errors.push(`${at}: matches none of anyOf`)
        }
        break
      case "allOf":
        if (Array.isArray(arg)) arg.forEach((s: Json) => sub(s, value, at))
        break
      default:
        throw new Error(`${at}: the test's validator does not know the keyword "${keyword}"`)
    }
  }
  return errors
}

const schema = configJsonSchema() as JsonObject
const check = (yaml: string) => validate(schema, parse(yaml) as Json, schema, "$")

describe("the JSON Schema agrees with decodeConfig", () => {
  const example = readFileSync(examplePath, "utf8")

  it("accepts gehen.example.yml", () => {
    expect(check(example)).toStrictEqual([])
  })

  const minimal = "services:\n  api: {cluster: prod}\n"
  const ruleArn = "arn:aws:events:eu-west-1:123456789012:rule"
  const cases: ReadonlyArray<readonly [string, string, boolean]> = [
    ["minimal", minimal, true],
    ["only a scheduled task", "scheduledTasks:\n  nightly:\n", true],
    ["upper-case strategy", `${minimal}updateStrategy: LATEST\n`, true],
    ["cluster ARN", "services:\n  api: {cluster: 'arn:aws-cn:ecs:cn-north-1:123456789012:cluster/c'}\n", true],
    ["decimal timeout", `${minimal}timeoutMinutes: 0.5\n`, true],
    ["role", `${minimal}role: {arn: 'arn:aws:iam::123456789012:role/a/b'}\n`, true],
    ["no services or tasks", "timeoutMinutes: 3\n", false],
    ["empty services only", "services: {}\n", false],
    ["services left empty", "services:\n", false],
    ["services and scheduledTasks left empty", "services:\nscheduledTasks:\n", false],
    ["services left empty beside a scheduled task", "services:\nscheduledTasks:\n  nightly:\n", true],
    ["scheduledTasks left empty beside a service", `${minimal}scheduledTasks:\n`, true],
    ["unknown top-level key", `${minimal}timeout: 3\n`, false],
    ["unknown service key", "services:\n  api: {cluster: prod, clustr: x}\n", false],
    ["unknown role key", `${minimal}role: {arn: 'arn:aws:iam::123456789012:role/a', x: 1}\n`, false],
    ["services as a list", "services:\n  - api\n", false],
    ["bad strategy", `${minimal}updateStrategy: newest\n`, false],
    ["ftp url", "services:\n  api: {cluster: prod, url: 'ftp://x'}\n", false],
    ["bad cluster ARN", "services:\n  api: {cluster: 'arn:aws:ecs:eu-west-1:1:cluster/c'}\n", false],
    ["bad role ARN", `${minimal}role: {arn: 'arn:aws:iam::123456789012:user/a'}\n`, false],
    ["zero timeout", `${minimal}timeoutMinutes: 0\n`, false],
    ["zero interval", `${minimal}checkIntervalSeconds: 0\n`, false],
    ["fractional concurrency", `${minimal}concurrency: 1.5\n`, false],
    ["empty containers", "services:\n  api: {cluster: prod, containers: []}\n", false],
    ["unknown scheduled-task key", "scheduledTasks:\n  nightly: {a: 1}\n", false],
    ["service name", "services:\n  api-eu: {cluster: prod, name: api}\n", true],
    ["bad service name", "services:\n  api: {cluster: prod, name: 'my api'}\n", false],
    ["long service name", `services:\n  api: {cluster: prod, name: ${"a".repeat(256)}}\n`, false],
    ["empty scheduled task map", "scheduledTasks:\n  nightly: {}\n", true],
    [
      "scheduled task options",
      "scheduledTasks:\n  nightly: {region: eu-west-1, eventBusName: jobs, containers: [app]}\n",
      true
    ],
    [
      "event bus ARN",
      "scheduledTasks:\n  nightly: {eventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/j'}\n",
      true
    ],
    ["rule ARN key, default bus", `scheduledTasks:\n  "${ruleArn}/nightly":\n`, true],
    ["rule ARN key, custom bus", `scheduledTasks:\n  "${ruleArn}/jobs/nightly": {containers: [app]}\n`, true],
    ["rule ARN key, partner bus", `scheduledTasks:\n  "${ruleArn}/aws.partner/x.com/1/orders/sync":\n`, true],
    ["bad rule name", "scheduledTasks:\n  nightly report:\n", false],
    ["long rule name", `scheduledTasks:\n  ${"r".repeat(65)}:\n`, false],
    ["bad rule ARN", "scheduledTasks:\n  'arn:aws:events:eu-west-1:1234:rule/nightly':\n", false],
    ["event bus ARN as key", "scheduledTasks:\n  'arn:aws:events:eu-west-1:123456789012:event-bus/jobs':\n", false],
    ["bad region", "scheduledTasks:\n  nightly: {region: europe}\n", false],
    ["bad event bus", "scheduledTasks:\n  nightly: {eventBusName: 'my bus'}\n", false],
    ["empty scheduled task containers", "scheduledTasks:\n  nightly: {containers: []}\n", false],
    ["scheduled task as a number", "scheduledTasks:\n  nightly: 5\n", false]
  ]

  it.effect.each(cases)("%s", ([, yaml, valid]) =>
    Effect.gen(function*() {
      const decoded = yield* Effect.either(decodeConfig("gehen.yml", yaml))
      expect(Either.isRight(decoded)).toBe(valid)
      expect(check(yaml).length === 0).toBe(valid)
    }))
})

describe("the JSON Schema describes", () => {
  const at = (path: ReadonlyArray<string>): Json => {
    let node: Json = schema
    for (const key of path) {
      const next: Json | undefined = Array.isArray(node) ? node[Number(key)] : isObject(node) ? node[key] : undefined
      if (next === undefined) throw new Error(`no ${path.join(".")}`)
      node = next
    }
    return node
  }
  const text = (path: ReadonlyArray<string>): string => String(at(path))

  it("services.<key>.name as an ECS service name, in the service's keys", () => {
    // `services:` may be left empty (null); its map is the first alternative.
    const name = ["properties", "services", "anyOf", "0", "additionalProperties", "properties", "name"]
    expect(text([...name, "pattern"])).toBe("^[A-Za-z0-9_-]{1,255}$")
    expect(text([...name, "description"])).toContain("ECS service name")
    expect(at(["properties", "services", "anyOf", "0", "additionalProperties", "required"])).toStrictEqual(["cluster"])
  })

  it("scheduled-task keys as a rule name or rule ARN", () => {
    const names = ["properties", "scheduledTasks", "anyOf", "0", "propertyNames"]
    expect(text([...names, "pattern"])).toContain(":events:")
    expect(text([...names, "description"])).toContain("rule ARN")
    expect(text(["properties", "scheduledTasks", "description"])).toContain("rule ARN")
  })

  it("scheduled-task values as nothing or a closed map of region, eventBusName and containers", () => {
    const value = at(["properties", "scheduledTasks", "anyOf", "0", "patternProperties", ""])
    expect(isObject(value) && value["anyOf"]).toStrictEqual([
      { type: "null" },
      expect.objectContaining({
        type: "object",
        required: [],
        properties: {
          region: expect.objectContaining({ title: "region", pattern: "^[a-z]{2}(?:-[a-z]+)+-\\d+$" }),
          eventBusName: expect.objectContaining({ title: "eventBusName", pattern: "^[A-Za-z0-9._/:-]{1,256}$" }),
          containers: expect.objectContaining({ type: "array", minItems: 1 })
        },
        additionalProperties: false
      })
    ])
  })
})

describe("what only decodeConfig catches (the JSON Schema cannot relate two values)", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["a service twice in a cluster", "services:\n  api: {cluster: prod}\n  api-2: {cluster: prod, name: api}\n"],
    [
      "a region contradicting the rule ARN",
      "scheduledTasks:\n  'arn:aws:events:eu-west-1:123456789012:rule/n': {region: us-east-1}\n"
    ],
    [
      "an event bus contradicting the rule ARN",
      "scheduledTasks:\n  'arn:aws:events:eu-west-1:123456789012:rule/jobs/n': {eventBusName: other}\n"
    ]
  ]

  it.effect.each(cases)("%s", ([, yaml]) =>
    Effect.gen(function*() {
      expect(check(yaml)).toStrictEqual([])
      expect(Either.isLeft(yield* Effect.either(decodeConfig("gehen.yml", yaml)))).toBe(true)
    }))
})
