import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ConfigError, type ScheduledTaskConfig } from "../../src/config/Config.js"
import { decode, decodeError, decodeErrors } from "../support/config.js"

const tasks = (yaml: string) => Effect.map(decode(`scheduledTasks:\n${yaml}`), (c) => c.scheduledTasks)
const taskError = (yaml: string) => decodeError(`scheduledTasks:\n${yaml}`)

const arn = "arn:aws:events:eu-west-1:123456789012:rule"
const unknownKeyNote = "the original Gehen ignored unknown keys, gehen refuses them so a typo cannot pass"

describe("scheduledTasks keyed by rule name", () => {
  it.effect("take nothing, `{}` or a map of options", () =>
    Effect.gen(function*() {
      expect(
        yield* tasks(`
  a:
  b: ~
  c: {}
  d: {region: us-east-1}
  e: {eventBusName: jobs}
  f: {eventBusName: "arn:aws:events:us-east-1:123456789012:event-bus/jobs"}
  g: {containers: [app, sidecar]}
  h:
    region: ap-southeast-2
    eventBusName: aws.partner/example.com/123/orders
    containers: [app]
`)
      ).toStrictEqual<ReadonlyArray<ScheduledTaskConfig>>([
        { key: "a", rule: "a" },
        { key: "b", rule: "b" },
        { key: "c", rule: "c" },
        { key: "d", rule: "d", region: "us-east-1" },
        { key: "e", rule: "e", eventBusName: "jobs" },
        { key: "f", rule: "f", eventBusName: "arn:aws:events:us-east-1:123456789012:event-bus/jobs" },
        { key: "g", rule: "g", containers: ["app", "sidecar"] },
        {
          key: "h",
          rule: "h",
          region: "ap-southeast-2",
          eventBusName: "aws.partner/example.com/123/orders",
          containers: ["app"]
        }
      ])
    }))

  it.effect("accept every character of a rule name, up to 64", () =>
    Effect.gen(function*() {
      const long = "r".repeat(64)
      expect((yield* tasks(`  Nightly_report-2.v1:\n  ${long}:\n`)).map((t) => t.rule)).toStrictEqual([
        "Nightly_report-2.v1",
        long
      ])
    }))

  const badNames: ReadonlyArray<readonly [string, string]> = [
    ["a space", "nightly report"],
    ["a slash", "jobs/nightly"],
    ["a colon", "nightly:v1"],
    ["65 characters", "r".repeat(65)],
    ["nothing", ""]
  ]

  it.effect.each(badNames)("reject a rule name with %s", ([, name]) =>
    Effect.gen(function*() {
      const error = yield* taskError(`  ${JSON.stringify(name)}:\n`)
      expect(error).toBeInstanceOf(ConfigError)
      expect(error.key).toBe(`scheduledTasks.${name}`)
      expect(error.expected).toBe(
        "an EventBridge rule name (letters, digits, ., - and _, at most 64 characters) or rule ARN"
      )
      expect(error.got).toBe(
        JSON.stringify(name).length > 80 ? `${JSON.stringify(name).slice(0, 77)}…"` : JSON.stringify(name)
      )
    }))
})

describe("scheduledTasks keyed by rule ARN", () => {
  it.effect("take the rule and region from an ARN of the default bus", () =>
    Effect.gen(function*() {
      expect(yield* tasks(`  "${arn}/nightly":\n`)).toStrictEqual<ReadonlyArray<ScheduledTaskConfig>>([
        { key: `${arn}/nightly`, rule: "nightly", region: "eu-west-1" }
      ])
    }))

  it.effect("take the event bus too from an ARN of a custom bus", () =>
    Effect.gen(function*() {
      expect(yield* tasks(`  "${arn}/jobs/nightly": {}\n`)).toStrictEqual<ReadonlyArray<ScheduledTaskConfig>>([
        { key: `${arn}/jobs/nightly`, rule: "nightly", region: "eu-west-1", eventBusName: "jobs" }
      ])
    }))

  it.effect("take partner buses (with slashes), other partitions, and the default bus spelt out", () =>
    Effect.gen(function*() {
      expect(
        yield* tasks(`
  "arn:aws-cn:events:cn-north-1:123456789012:rule/aws.partner/example.com/123/orders/sync":
  "arn:aws-us-gov:events:us-gov-west-1:123456789012:rule/default/nightly":
`)
      ).toStrictEqual<ReadonlyArray<ScheduledTaskConfig>>([
        {
          key: "arn:aws-cn:events:cn-north-1:123456789012:rule/aws.partner/example.com/123/orders/sync",
          rule: "sync",
          region: "cn-north-1",
          eventBusName: "aws.partner/example.com/123/orders"
        },
        {
          key: "arn:aws-us-gov:events:us-gov-west-1:123456789012:rule/default/nightly",
          rule: "nightly",
          region: "us-gov-west-1"
        }
      ])
    }))

  it.effect("take containers, and a region and event bus that agree with the ARN", () =>
    Effect.gen(function*() {
      expect(
        yield* tasks(`
  "${arn}/jobs/a": {containers: [app]}
  "${arn}/jobs/b": {region: eu-west-1, eventBusName: jobs}
  "${arn}/jobs/c": {eventBusName: "arn:aws:events:eu-west-1:123456789012:event-bus/jobs"}
  "${arn}/d": {eventBusName: default, containers: [app, log]}
`)
      ).toStrictEqual<ReadonlyArray<ScheduledTaskConfig>>([
        { key: `${arn}/jobs/a`, rule: "a", region: "eu-west-1", eventBusName: "jobs", containers: ["app"] },
        { key: `${arn}/jobs/b`, rule: "b", region: "eu-west-1", eventBusName: "jobs" },
        { key: `${arn}/jobs/c`, rule: "c", region: "eu-west-1", eventBusName: "jobs" },
        { key: `${arn}/d`, rule: "d", region: "eu-west-1", containers: ["app", "log"] }
      ])
    }))

  it.effect("keep the file order among rule names", () =>
    Effect.gen(function*() {
      expect((yield* tasks(`  zeta:\n  "${arn}/alpha":\n  "7":\n`)).map((t) => t.key)).toStrictEqual([
        "zeta",
        `${arn}/alpha`,
        "7"
      ])
    }))

  const badArns: ReadonlyArray<readonly [string, string]> = [
    ["a short account", "arn:aws:events:eu-west-1:1234:rule/nightly"],
    ["no region", "arn:aws:events::123456789012:rule/nightly"],
    ["another service", "arn:aws:ecs:eu-west-1:123456789012:rule/nightly"],
    ["an event bus", "arn:aws:events:eu-west-1:123456789012:event-bus/jobs"],
    ["no rule name", "arn:aws:events:eu-west-1:123456789012:rule/"],
    ["a bad rule name", "arn:aws:events:eu-west-1:123456789012:rule/jobs/night ly"],
    ["another partition", "arn:gcp:events:eu-west-1:123456789012:rule/nightly"]
  ]

  it.effect.each(badArns)("reject an ARN with %s", ([, key]) =>
    Effect.gen(function*() {
      const error = yield* taskError(`  "${key}":\n`)
      expect(error.key).toBe(`scheduledTasks.${key}`)
      expect(error.message).toBe(
        `gehen.yml:2:3: scheduledTasks.${key}: expected an EventBridge rule ARN like ` +
          "arn:aws:events:<region>:<12-digit account>:rule/<name> or …:rule/<event-bus>/<name>, " +
          `got ${JSON.stringify(key)}`
      )
    }))
})

describe("a region or event bus that contradicts the rule ARN", () => {
  it.effect("is an error at region", () =>
    Effect.gen(function*() {
      const error = yield* taskError(`  "${arn}/nightly": {region: us-east-1}\n`)
      expect(error.message).toBe(
        `gehen.yml:2:58: scheduledTasks.${arn}/nightly.region: expected no region, or the rule ARN's region ` +
          `"eu-west-1", got "us-east-1", which contradicts the rule ARN`
      )
    }))

  it.effect("is an error at eventBusName, for another custom bus", () =>
    Effect.gen(function*() {
      const error = yield* taskError(`  "${arn}/jobs/nightly": {eventBusName: reports}\n`)
      expect(error.message).toBe(
        `gehen.yml:2:63: scheduledTasks.${arn}/jobs/nightly.eventBusName: expected no eventBusName, or the rule ARN's ` +
          `event bus "jobs", got "reports", which contradicts the rule ARN`
      )
    }))

  it.effect("is an error at eventBusName, for a custom bus when the ARN is of the default bus", () =>
    Effect.gen(function*() {
      const error = yield* taskError(`  "${arn}/nightly": {eventBusName: jobs}\n`)
      expect(error.key).toBe(`scheduledTasks.${arn}/nightly.eventBusName`)
      expect(error.expected).toBe(`no eventBusName, or the rule ARN's event bus "default"`)
      expect(error.got).toBe(`"jobs", which contradicts the rule ARN`)
    }))

  it.effect("is an error at eventBusName, for the default bus when the ARN is of a custom bus", () =>
    Effect.gen(function*() {
      const error = yield* taskError(`  "${arn}/jobs/nightly": {eventBusName: default}\n`)
      expect(error.got).toBe(`"default", which contradicts the rule ARN`)
    }))

  const busArns: ReadonlyArray<readonly [string, string]> = [
    ["another bus", "arn:aws:events:eu-west-1:123456789012:event-bus/reports"],
    ["another region", "arn:aws:events:us-east-1:123456789012:event-bus/jobs"],
    ["another account", "arn:aws:events:eu-west-1:210987654321:event-bus/jobs"],
    ["another partition", "arn:aws-cn:events:eu-west-1:123456789012:event-bus/jobs"]
  ]

  it.effect.each(busArns)("is an error for an event bus ARN of %s", ([, bus]) =>
    Effect.gen(function*() {
      const error = yield* taskError(`  "${arn}/jobs/nightly": {eventBusName: "${bus}"}\n`)
      expect(error.key).toBe(`scheduledTasks.${arn}/jobs/nightly.eventBusName`)
      expect(error.got).toBe(`"${bus}", which contradicts the rule ARN`)
    }))

  it.effect("is reported with the errors of the values themselves, in file order", () =>
    Effect.gen(function*() {
      const errors = yield* decodeErrors(`scheduledTasks:\n  "${arn}/a": {region: us-east-1}\n  b: {region: nowhere}\n`)
      expect(errors.map((e) => [e.line, e.key])).toStrictEqual([
        [2, `scheduledTasks.${arn}/a.region`],
        [3, "scheduledTasks.b.region"]
      ])
      const both = yield* decodeErrors(
        `scheduledTasks:\n  "${arn}/a": {region: us-east-1}\n  "${arn}/b": {region: us-east-2}\n`
      )
      expect(both.map((e) => [e.line, e.key])).toStrictEqual([
        [2, `scheduledTasks.${arn}/a.region`],
        [3, `scheduledTasks.${arn}/b.region`]
      ])
    }))

  it.effect("is reported even when the entry has other errors", () =>
    Effect.gen(function*() {
      const errors = yield* decodeErrors(`scheduledTasks:\n  "${arn}/a": {region: us-east-1, containers: []}\n`)
      expect(errors.map((e) => e.key)).toStrictEqual([
        `scheduledTasks.${arn}/a.region`,
        `scheduledTasks.${arn}/a.containers`
      ])
    }))
})

describe("scheduled-task values", () => {
  /** [case, value, key path under scheduledTasks.nightly, whole message after the key path] */
  const bad: ReadonlyArray<readonly [string, string, string, string]> = [
    [
      "a number",
      "5",
      "",
      "expected nothing (`<rule>:`), `{}` or a map with region, eventBusName and containers, got 5"
    ],
    [
      "a string",
      "daily",
      "",
      `expected nothing (\`<rule>:\`), \`{}\` or a map with region, eventBusName and containers, got "daily"`
    ],
    [
      "a list",
      "[app]",
      "",
      "expected nothing (`<rule>:`), `{}` or a map with region, eventBusName and containers, got a list"
    ],
    [
      "an unknown key",
      "{cron: 'rate(1 day)'}",
      ".cron",
      `expected one of the keys region, eventBusName, containers, got the unknown key "cron"; ${unknownKeyNote}`
    ],
    [
      "a misspelt key",
      "{regoin: eu-west-1}",
      ".regoin",
      `expected one of the keys region, eventBusName, containers, got the unknown key "regoin" (did you mean "region"?); ` +
      unknownKeyNote
    ],
    ["a region without number", "{region: eu-west}", ".region", `expected an AWS region like eu-west-1, got "eu-west"`],
    [
      "a region in capitals",
      "{region: EU-WEST-1}",
      ".region",
      `expected an AWS region like eu-west-1, got "EU-WEST-1"`
    ],
    [
      "an availability zone",
      "{region: eu-west-1a}",
      ".region",
      `expected an AWS region like eu-west-1, got "eu-west-1a"`
    ],
    ["a region that is a number", "{region: 1}", ".region", "expected an AWS region like eu-west-1, got 1"],
    [
      "an event bus name with a space",
      "{eventBusName: 'my bus'}",
      ".eventBusName",
      `expected an EventBridge event bus name or ARN (letters, digits, ., -, _, / and :, at most 256 characters), got "my bus"`
    ],
    [
      "an empty event bus name",
      "{eventBusName: ''}",
      ".eventBusName",
      `expected an EventBridge event bus name or ARN (letters, digits, ., -, _, / and :, at most 256 characters), got ""`
    ],
    [
      "an event bus name of 257 characters",
      `{eventBusName: ${"b".repeat(257)}}`,
      ".eventBusName",
      `expected an EventBridge event bus name or ARN (letters, digits, ., -, _, / and :, at most 256 characters), got "${
        "b".repeat(76)
      }…"`
    ],
    [
      "empty containers",
      "{containers: []}",
      ".containers",
      "expected a non-empty list of container names, got an empty list"
    ],
    [
      "containers as a string",
      "{containers: app}",
      ".containers",
      `expected a non-empty list of container names, got "app"`
    ],
    [
      "an empty container name",
      "{containers: [app, '']}",
      ".containers[1]",
      `expected a non-empty container name, got ""`
    ]
  ]

  it.effect.each(bad)("reject %s", ([, value, at, rest]) =>
    Effect.gen(function*() {
      const error = yield* taskError(`  nightly: ${value}\n`)
      expect(error.line).toBe(2)
      // At the rule's key, or at the option's key inside its map.
      expect(error.column).toBe(at === "" ? 3 : at === ".containers[1]" ? 31 : 13)
      expect(error.message).toBe(`gehen.yml:2:${error.column}: scheduledTasks.nightly${at}: ${rest}`)
    }))

  it.effect("are checked for rule ARN keys too", () =>
    Effect.gen(function*() {
      const error = yield* taskError(`  "${arn}/nightly": {cron: x}\n`)
      expect(error.key).toBe(`scheduledTasks.${arn}/nightly.cron`)
    }))

  it.effect("accept an event bus name of 256 characters", () =>
    Effect.gen(function*() {
      const bus = "b".repeat(256)
      expect(yield* tasks(`  nightly: {eventBusName: ${bus}}\n`)).toStrictEqual([{
        key: "nightly",
        rule: "nightly",
        eventBusName: bus
      }])
    }))
})
