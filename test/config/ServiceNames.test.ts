import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ConfigError, type ServiceConfig } from "../../src/config/Config.js"
import { decode, decodeError, decodeErrors } from "../support/config.js"

describe("services.<key>.name", () => {
  it.effect("is the key when absent", () =>
    Effect.gen(function*() {
      const config = yield* decode("services:\n  api: {cluster: prod}\n")
      expect(config.services).toStrictEqual<ReadonlyArray<ServiceConfig>>([{
        key: "api",
        name: "api",
        cluster: "prod"
      }])
    }))

  it.effect("names the ECS service, so one service can be deployed in two clusters under two keys", () =>
    Effect.gen(function*() {
      const config = yield* decode(`
services:
  api-us:
    name: api
    cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/prod"
    url: https://us.example.com/version
  api-eu:
    name: api
    cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"
    containers: [app]
`)
      expect(config.services).toStrictEqual<ReadonlyArray<ServiceConfig>>([
        {
          key: "api-us",
          name: "api",
          cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
          url: "https://us.example.com/version"
        },
        { key: "api-eu", name: "api", cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", containers: ["app"] }
      ])
    }))

  it.effect("may equal the key", () =>
    Effect.gen(function*() {
      const config = yield* decode("services:\n  api: {cluster: prod, name: api}\n")
      expect(config.services).toStrictEqual<ReadonlyArray<ServiceConfig>>([{
        key: "api",
        name: "api",
        cluster: "prod"
      }])
    }))

  it.effect("accepts every allowed character and 255 characters", () =>
    Effect.gen(function*() {
      const long = "a".repeat(255)
      const config = yield* decode(
        `services:\n  a: {cluster: prod, name: Api_2-x}\n  b: {cluster: prod, name: ${long}}\n`
      )
      expect(config.services.map((s) => s.name)).toStrictEqual(["Api_2-x", long])
    }))

  const badNames: ReadonlyArray<readonly [string, string, string]> = [
    ["a space", "'my api'", `"my api"`],
    ["a dot", "api.v2", `"api.v2"`],
    ["a slash", "prod/api", `"prod/api"`],
    ["nothing", "''", `""`],
    ["256 characters", "a".repeat(256), `"${"a".repeat(76)}…"`],
    ["a number", "12", "12"],
    ["a list", "[api]", "a list"]
  ]

  it.effect.each(badNames)("must be an ECS service name, not %s", ([, yaml, got]) =>
    Effect.gen(function*() {
      const error = yield* decodeError(`services:\n  api: {cluster: prod, name: ${yaml}}\n`)
      expect(error).toBeInstanceOf(ConfigError)
      expect(error.message).toBe(
        "gehen.yml:2:24: services.api.name: expected an ECS service name " +
          `(letters, digits, - and _, at most 255 characters), got ${got}`
      )
    }))
})

describe("two keys for the same service in the same cluster", () => {
  it.effect("is an error naming both keys, at the later key's name", () =>
    Effect.gen(function*() {
      const error = yield* decodeError(`
services:
  api: {cluster: prod}
  web: {cluster: prod}
  api-again: {cluster: prod, name: api}
`)
      expect(error.key).toBe("services.api-again.name")
      expect(error.message).toBe(
        `gehen.yml:5:30: services.api-again.name: expected a service that no other key deploys to cluster "prod", ` +
          `got "api", which services.api already deploys there`
      )
    }))

  it.effect("is an error when the later key is itself the name", () =>
    Effect.gen(function*() {
      const error = yield* decodeError("services:\n  api-1: {cluster: prod, name: api}\n  api: {cluster: prod}\n")
      expect(error.message).toBe(
        `gehen.yml:3:3: services.api: expected a service that no other key deploys to cluster "prod", ` +
          `got "api", which services.api-1 already deploys there`
      )
    }))

  it.effect("is an error when both use name:", () =>
    Effect.gen(function*() {
      const error = yield* decodeError(
        "services:\n  a: {cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod', name: api}\n" +
          "  b: {cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod', name: api}\n"
      )
      expect(error.key).toBe("services.b.name")
      expect(error.got).toBe(`"api", which services.a already deploys there`)
    }))

  it.effect("follows the file order, also for keys that look like numbers", () =>
    Effect.gen(function*() {
      const error = yield* decodeError("services:\n  x: {cluster: prod, name: api}\n  2: {cluster: prod, name: api}\n")
      expect(error.key).toBe("services.2.name")
      expect(error.got).toBe(`"api", which services.x already deploys there`)
    }))

  it.effect("is not an error in different clusters, or in clusters written differently", () =>
    Effect.gen(function*() {
      // The cluster is compared as written: a name and the ARN of the same cluster are two strings.
      const config = yield* decode(`
services:
  a: {cluster: prod, name: api}
  b: {cluster: staging, name: api}
  c: {cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", name: api}
`)
      expect(config.services.map((s) => [s.key, s.name])).toStrictEqual([["a", "api"], ["b", "api"], ["c", "api"]])
    }))

  it.effect("is reported with the errors of the values themselves, in file order", () =>
    Effect.gen(function*() {
      const errors = yield* decodeErrors(
        "services:\n  a: {cluster: prod, name: api}\n  api: {cluster: prod, url: x}\n  b: {cluster: 1}\n"
      )
      expect(errors.map((e) => [e.line, e.column, e.key])).toStrictEqual([
        [3, 3, "services.api"],
        [3, 24, "services.api.url"],
        [4, 7, "services.b.cluster"]
      ])
    }))
})
