import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ConfigError, ConfigErrors } from "../../src/config/Config.js"
import { decode, decodeError, decodeErrors } from "../support/config.js"

const unknownKeyNote = "the original Gehen ignored unknown keys, gehen refuses them so a typo cannot pass"

describe("every config error in one run", () => {
  const fiveMistakes = `services:
  api:
    cluster: prod
    url: ftp://api.example.com/version
  web:
    clustr: prod
  api-again:
    name: api
    cluster: prod
scheduledTasks:
  "arn:aws:events:eu-west-1:123456789012:rule/nightly":
    region: us-east-1
timeoutMinute: 10
`

  it.effect("five mistakes in one file are five errors, each with its line and key path", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(decode(fiveMistakes))
      expect(error).toBeInstanceOf(ConfigErrors)
      expect(error._tag).toBe("ConfigErrors")
      expect(error.errors.map((e) => [e.line, e.column, e.key])).toStrictEqual([
        [4, 5, "services.api.url"],
        [6, 5, "services.web.clustr"],
        [8, 5, "services.api-again.name"],
        [12, 5, "scheduledTasks.arn:aws:events:eu-west-1:123456789012:rule/nightly.region"],
        [13, 1, "timeoutMinute"]
      ])
      expect(error.errors.every((e) => e instanceof ConfigError && e.path === "gehen.yml")).toBe(true)
      // One a line, in file order.
      expect(error.message.split("\n")).toStrictEqual([
        `gehen.yml:4:5: services.api.url: expected an http:// or https:// URL, got "ftp://api.example.com/version"`,
        `gehen.yml:6:5: services.web.clustr: expected one of the keys cluster, name, url, testUrl, containers, ` +
        `got the unknown key "clustr" (did you mean "cluster"?); ${unknownKeyNote}`,
        `gehen.yml:8:5: services.api-again.name: expected a service that no other key deploys to cluster "prod", ` +
        `got "api", which services.api already deploys there`,
        `gehen.yml:12:5: scheduledTasks.arn:aws:events:eu-west-1:123456789012:rule/nightly.region: expected no ` +
        `region, or the rule ARN's region "eu-west-1", got "us-east-1", which contradicts the rule ARN`,
        `gehen.yml:13:1: timeoutMinute: expected one of the keys services, scheduledTasks, role, timeoutMinutes, ` +
        `checkIntervalSeconds, updateStrategy, concurrency, keepRevisions, preflight, got the unknown key "timeoutMinute" ` +
        `(did you mean "timeoutMinutes"?); ${unknownKeyNote}`
      ])
    }))

  it.effect("a one-problem file is a list of one", () =>
    Effect.gen(function*() {
      const errors = yield* decodeErrors("services:\n  api: {cluster: prod}\nconcurrency: 0\n")
      expect(errors.map((e) => e.message)).toStrictEqual([
        "gehen.yml:3:1: concurrency: expected a positive whole number, got 0"
      ])
    }))

  it.effect("several errors in one value's siblings and in a list are all reported", () =>
    Effect.gen(function*() {
      const errors = yield* decodeErrors(`services:
  api:
    cluster: "arn:aws:ecs:eu-west-1:1:cluster/x"
    name: "my api"
    containers: [app, "", ""]
role: {arn: "arn:aws:iam::123456789012:user/x"}
timeoutMinutes: 0
checkIntervalSeconds: -1
updateStrategy: newest
`)
      expect(errors.map((e) => [e.line, e.key])).toStrictEqual([
        [3, "services.api.cluster"],
        [4, "services.api.name"],
        [5, "services.api.containers[1]"],
        [5, "services.api.containers[2]"],
        [6, "role.arn"],
        [7, "timeoutMinutes"],
        [8, "checkIntervalSeconds"],
        [9, "updateStrategy"]
      ])
    }))

  it.effect("a value reached through an alias is placed where it is written", () =>
    Effect.gen(function*() {
      const errors = yield* decodeErrors("services:\n  api: &svc {cluster: prod, url: x}\n  web: *svc\n")
      expect(errors.map((e) => [e.location, e.key])).toStrictEqual([
        ["gehen.yml:2:29", "services.api.url"],
        ["gehen.yml:2:29", "services.web.url"]
      ])
    }))
})

describe("YAML syntax errors", () => {
  it.effect("show the offending line with a caret under the column", () =>
    Effect.gen(function*() {
      const error = yield* decodeError("services:\n  api:\n    cluster: prod\n  url http://x\n")
      expect([error.line, error.column]).toStrictEqual([4, 3])
      expect(error.lineText).toBe("  url http://x")
      expect(error.message).toBe(
        "gehen.yml:4:3: expected valid YAML, got a syntax error: Implicit map keys need to be followed by map values\n" +
          "    4 |   url http://x\n" +
          "      |   ^"
      )
    }))

  it.effect("line up the caret under a tab and past line 9", () =>
    Effect.gen(function*() {
      const padding = "# comment\n".repeat(9)
      const error = yield* decodeError(`${padding}services:\n\tapi: {cluster: x}\n`)
      expect(error.message).toBe(
        "gehen.yml:11:1: expected valid YAML, got a syntax error: Tabs are not allowed as indentation\n" +
          "    11 | \tapi: {cluster: x}\n" +
          "       | ^"
      )
    }))

  it.effect("are all reported, one a line", () =>
    Effect.gen(function*() {
      const errors = yield* decodeErrors("services:\n  api:\n    cluster: prod\n   url: x\n  web: [\n")
      expect(errors.map((e) => e.location)).toStrictEqual(["gehen.yml:4:1", "gehen.yml:6:1"])
      expect(errors.every((e) => e.expected === "valid YAML")).toBe(true)
    }))

  it.effect("an unresolved alias points at the alias", () =>
    Effect.gen(function*() {
      const error = yield* decodeError("services:\n  api: *nope\n")
      expect(error.location).toBe("gehen.yml:2:8")
      expect(error.message).toContain("    2 |   api: *nope\n      |        ^")
    }))
})

describe("nothing to deploy", () => {
  const servicesEmpty =
    "gehen.yml:1:1: services: is empty: list at least one service under it (or a rule under scheduledTasks)"

  const emptyFiles: ReadonlyArray<readonly [string, string]> = [
    ["services: left empty", "services:\n"],
    ["services: {}", "services: {}\n"],
    ["services: ~", "services: ~\n"],
    ["both left empty", "services:\nscheduledTasks:\n"],
    ["both {}", "services: {}\nscheduledTasks: {}\n"]
  ]

  it.effect.each(emptyFiles)("%s says services is empty", ([, text]) =>
    Effect.gen(function*() {
      const error = yield* decodeError(text)
      expect(error.message).toBe(servicesEmpty)
      expect(error.key).toBe("services")
      expect(error.problem).toBe("is empty: list at least one service under it (or a rule under scheduledTasks)")
    }))

  it.effect("scheduledTasks left empty with no services says scheduledTasks is empty, at its line", () =>
    Effect.gen(function*() {
      const error = yield* decodeError("# deploy nothing yet\ntimeoutMinutes: 3\nscheduledTasks:\n")
      expect(error.message).toBe(
        "gehen.yml:3:1: scheduledTasks: is empty: list at least one rule under it (or a service under services)"
      )
    }))

  it.effect("is said beside the other errors of the file", () =>
    Effect.gen(function*() {
      const errors = yield* decodeErrors("services:\ntimeoutMinutes: 0\n")
      expect(errors.map((e) => e.message)).toStrictEqual([
        servicesEmpty,
        "gehen.yml:2:1: timeoutMinutes: expected a positive number of minutes, got 0"
      ])
    }))

  it.effect("is not said for a misspelt services key, which is named instead", () =>
    Effect.gen(function*() {
      const errors = yield* decodeErrors("servics:\n  api: {cluster: prod}\n")
      expect(errors.map((e) => e.key)).toStrictEqual(["servics"])
      expect(errors[0].got).toBe(`the unknown key "servics" (did you mean "services"?)`)
    }))

  it.effect("without either key, is an error of the whole file", () =>
    Effect.gen(function*() {
      const error = yield* decodeError("timeoutMinutes: 3\n")
      expect(error.message).toBe(
        "gehen.yml: expected at least one service under services or rule under scheduledTasks, " +
          "got no services and no scheduled tasks"
      )
    }))

  it.effect("an empty services or scheduledTasks beside the other is fine, as in the original", () =>
    Effect.gen(function*() {
      const onlyTasks = yield* decode("services:\nscheduledTasks:\n  nightly:\n")
      expect(onlyTasks.services).toStrictEqual([])
      expect(onlyTasks.scheduledTasks).toStrictEqual([{ key: "nightly", rule: "nightly" }])
      const onlyServices = yield* decode("services:\n  api: {cluster: prod}\nscheduledTasks:\n")
      expect(onlyServices.services).toStrictEqual([{ key: "api", name: "api", cluster: "prod" }])
      expect(onlyServices.scheduledTasks).toStrictEqual([])
    }))
})

describe("unknown keys", () => {
  it.effect("stay errors, and say the original Gehen ignored them", () =>
    Effect.gen(function*() {
      const error = yield* decodeError("services:\n  api: {cluster: prod}\ntimeoutMinute: 10\n")
      expect(error.message).toBe(
        "gehen.yml:3:1: timeoutMinute: expected one of the keys services, scheduledTasks, role, timeoutMinutes, " +
          `checkIntervalSeconds, updateStrategy, concurrency, keepRevisions, preflight, got the unknown key "timeoutMinute" ` +
          `(did you mean "timeoutMinutes"?); ${unknownKeyNote}`
      )
      expect(error.got).toBe(`the unknown key "timeoutMinute" (did you mean "timeoutMinutes"?)`)
      expect(error.hint).toBe(unknownKeyNote)
    }))

  it.effect("say so at every level, with or without a suggestion", () =>
    Effect.gen(function*() {
      const errors = yield* decodeErrors(
        "services:\n  api: {cluster: prod, healthcheck: /x}\nscheduledTasks:\n  nightly: {cron: x}\nrole: {arn: 'arn:aws:iam::123456789012:role/r', session: x}\n"
      )
      expect(errors.map((e) => [e.key, e.hint])).toStrictEqual([
        ["services.api.healthcheck", unknownKeyNote],
        ["scheduledTasks.nightly.cron", unknownKeyNote],
        ["role.session", unknownKeyNote]
      ])
    }))
})
