import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import {
  clusterName,
  ConfigError,
  ConfigErrors,
  type GehenConfig,
  loadConfig,
  regionOfCluster
} from "../../src/config/Config.js"
import { decode, decodeError } from "../support/config.js"

const examplePath = fileURLToPath(new URL("../../gehen.example.yml", import.meta.url))

const oneService = "services:\n  api:\n    cluster: prod\n"

describe("decodeConfig: valid files", () => {
  it.effect("applies the defaults", () =>
    Effect.gen(function*() {
      const config = yield* decode(oneService)
      expect(config).toStrictEqual<GehenConfig>({
        path: "gehen.yml",
        services: [{ key: "api", name: "api", cluster: "prod" }],
        scheduledTasks: [],
        timeoutMinutes: 5,
        checkIntervalSeconds: 15,
        updateStrategy: "current",
        concurrency: 10
      })
    }))

  it.effect("takes every setting", () =>
    Effect.gen(function*() {
      const config = yield* decode(`
services:
  api:
    cluster: prod
    url: https://api.example.com/version
    containers: [app, sidecar]
scheduledTasks:
  nightly:
  hourly: {}
role:
  arn: arn:aws:iam::123456789012:role/deploy
timeoutMinutes: 2.5
checkIntervalSeconds: 0.5
updateStrategy: redeploy
concurrency: 3
`)
      expect(config).toStrictEqual<GehenConfig>({
        path: "gehen.yml",
        services: [{
          key: "api",
          name: "api",
          cluster: "prod",
          url: "https://api.example.com/version",
          containers: ["app", "sidecar"]
        }],
        scheduledTasks: [{ key: "nightly", rule: "nightly" }, { key: "hourly", rule: "hourly" }],
        role: { arn: "arn:aws:iam::123456789012:role/deploy" },
        timeoutMinutes: 2.5,
        checkIntervalSeconds: 0.5,
        updateStrategy: "redeploy",
        concurrency: 3
      })
    }))

  it.effect.each(["LATEST", "Latest", "latest", "NONE", "ReDeploy", "current"])(
    "reads updateStrategy %s case-insensitively",
    (strategy) =>
      Effect.gen(function*() {
        const config = yield* decode(`${oneService}updateStrategy: ${strategy}\n`)
        expect(config.updateStrategy).toBe(strategy.toLowerCase())
      })
  )

  it.effect("accepts cluster ARNs in every partition", () =>
    Effect.gen(function*() {
      const config = yield* decode(`
services:
  a: {cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"}
  b: {cluster: "arn:aws-cn:ecs:cn-north-1:123456789012:cluster/prod_2"}
  c: {cluster: "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/gov-cluster"}
`)
      expect(config.services.map((s) => s.cluster)).toStrictEqual([
        "arn:aws:ecs:eu-west-1:123456789012:cluster/prod",
        "arn:aws-cn:ecs:cn-north-1:123456789012:cluster/prod_2",
        "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/gov-cluster"
      ])
    }))

  it.effect("accepts only scheduled tasks, and role ARNs with paths and other partitions", () =>
    Effect.gen(function*() {
      const config = yield* decode(`
scheduledTasks: {nightly-report: null}
role: {arn: "arn:aws-us-gov:iam::123456789012:role/service-role/deploy.bot@ci"}
`)
      expect(config.services).toStrictEqual([])
      expect(config.scheduledTasks).toStrictEqual([{ key: "nightly-report", rule: "nightly-report" }])
      expect(config.role).toStrictEqual({ arn: "arn:aws-us-gov:iam::123456789012:role/service-role/deploy.bot@ci" })
    }))

  it.effect("keeps the file order, even for names that look like numbers", () =>
    Effect.gen(function*() {
      const config = yield* decode(`
services:
  web: {cluster: c}
  "10": {cluster: c}
  2: {cluster: c}
  api: {cluster: c}
scheduledTasks:
  zeta:
  "7":
  alpha:
`)
      expect(config.services.map((s) => s.key)).toStrictEqual(["web", "10", "2", "api"])
      expect(config.services.map((s) => s.name)).toStrictEqual(["web", "10", "2", "api"])
      expect(config.scheduledTasks.map((t) => t.rule)).toStrictEqual(["zeta", "7", "alpha"])
    }))

  it.effect("decodes gehen.example.yml, which sets every key", () =>
    Effect.gen(function*() {
      const config = yield* loadConfig(examplePath)
      expect(config.path).toBe(examplePath)
      expect(config.services.map((s) => s.key)).toStrictEqual(["api", "api-eu", "worker"])
      expect(config.services.map((s) => s.name)).toStrictEqual(["api", "api", "worker"])
      const [api, , worker] = config.services
      expect(api?.url).toMatch(/^https:\/\//)
      expect(api?.testUrl).toMatch(/^https:\/\//)
      expect(worker?.containers?.length).toBeGreaterThan(0)
      expect(Option.isSome(regionOfCluster(worker?.cluster ?? ""))).toBe(true)
      // Every form of scheduled task: empty, `{}`, with options, a rule ARN key.
      expect(config.scheduledTasks.map((t) => Object.keys(t).sort().join())).toStrictEqual([
        "key,rule",
        "key,rule",
        "containers,eventBusName,key,region,rule",
        "eventBusName,key,region,rule"
      ])
      expect(config.scheduledTasks[3]?.key).toMatch(/^arn:aws:events:/)
      expect(config.role?.arn).toMatch(/^arn:aws:iam::/)
      // Not the defaults, so the example shows each key having an effect.
      expect(config.timeoutMinutes).not.toBe(5)
      expect(config.checkIntervalSeconds).not.toBe(15)
      expect(config.concurrency).not.toBe(10)
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})

/** [case, YAML, key path, text the "expected" part must contain] */
const badFiles: ReadonlyArray<readonly [string, string, string, string]> = [
  [
    "malformed YAML",
    "services:\n  api: {cluster: prod\n",
    "",
    "gehen.yml:3:1: expected valid YAML, got a syntax error: "
  ],
  ["compact nested map", "services: api: {}\n", "", "gehen.yml:1:11: expected valid YAML, got a syntax error: "],
  ["tab indentation", "services:\n\tapi: {cluster: x}\n", "", "gehen.yml:2:1: expected valid YAML"],
  [
    "duplicate key",
    `${oneService}services: {}\n`,
    "",
    "gehen.yml:4:1: expected valid YAML, got a syntax error: Map keys must be unique"
  ],
  [
    "two documents",
    `${oneService}---\n${oneService}`,
    "",
    "gehen.yml:4:1: expected valid YAML, got a second YAML document (---)"
  ],
  [
    "unresolved alias",
    "services: *nope\n",
    "",
    "gehen.yml:1:11: expected valid YAML, got a syntax error: Unresolved alias"
  ],
  ["empty file", "", "", "at least one service under services or rule under scheduledTasks, got an empty file"],
  ["only comments", "# nothing yet\n", "", "got an empty file"],
  ["top-level list", "- services\n", "", "a map of gehen settings"],
  ["top-level scalar", "services\n", "", "a map of gehen settings"],
  [
    "no services or tasks",
    "timeoutMinutes: 3\n",
    "",
    "at least one service under services or rule under scheduledTasks"
  ],
  ["empty maps", "services: {}\nscheduledTasks: {}\n", "services", "is empty: list at least one service under it"],
  ["services as a list", "services:\n  - api\n  - web\n", "services", "a map keyed by service name"],
  ["services as a list of maps", "services:\n  - api: {cluster: prod}\n", "services", "not a list, got a list"],
  ["services as a string", "services: api\n", "services", "a map keyed by service name"],
  [
    "scheduledTasks as a list",
    "scheduledTasks:\n  - nightly\n",
    "scheduledTasks",
    "a map keyed by EventBridge rule name or ARN"
  ],
  [
    "scheduled task with a value",
    "scheduledTasks:\n  nightly: 5\n",
    "scheduledTasks.nightly",
    "`{}` or a map with region"
  ],
  ["scheduled task as a list", "scheduledTasks:\n  nightly: [a]\n", "scheduledTasks.nightly", "nothing (`<rule>:`)"],
  [
    "unknown scheduled-task key",
    "scheduledTasks:\n  nightly: {cron: x}\n",
    "scheduledTasks.nightly.cron",
    `one of the keys region, eventBusName, containers, got the unknown key "cron"`
  ],
  ["unknown top-level key", `${oneService}timeout: 5\n`, "timeout", "one of the keys services, scheduledTasks"],
  ["misspelt top-level key", "servces:\n  api: {cluster: x}\n", "servces", `(did you mean "services"?)`],
  [
    "unknown service key",
    "services:\n  api: {cluster: x, clustr: y}\n",
    "services.api.clustr",
    "one of the keys cluster"
  ],
  [
    "unknown role key",
    `${oneService}role: {arn: "arn:aws:iam::123456789012:role/x", name: x}\n`,
    "role.name",
    "the key arn"
  ],
  ["service without a map", "services:\n  api:\n", "services.api", "a map with cluster"],
  ["service without cluster", "services:\n  api: {url: https://x}\n", "services.api.cluster", "key is missing"],
  ["cluster not a string", "services:\n  api: {cluster: 12}\n", "services.api.cluster", "a cluster name"],
  ["empty cluster", "services:\n  api: {cluster: ''}\n", "services.api.cluster", `a cluster name`],
  ["cluster name with a space", "services:\n  api: {cluster: my cluster}\n", "services.api.cluster", "letters, digits"],
  [
    "cluster ARN with a short account",
    "services:\n  api: {cluster: 'arn:aws:ecs:eu-west-1:1234:cluster/prod'}\n",
    "services.api.cluster",
    "an ECS cluster ARN like"
  ],
  [
    "service ARN as cluster",
    "services:\n  api: {cluster: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/api'}\n",
    "services.api.cluster",
    "an ECS cluster ARN"
  ],
  [
    "ARN of another service",
    "services:\n  api: {cluster: 'arn:aws:ec2:eu-west-1:123456789012:cluster/prod'}\n",
    "services.api.cluster",
    "an ECS cluster ARN"
  ],
  [
    "url with ftp scheme",
    "services:\n  api: {cluster: x, url: 'ftp://x'}\n",
    "services.api.url",
    `an http:// or https:// URL, got "ftp://x"`
  ],
  ["relative url", "services:\n  api: {cluster: x, url: /version}\n", "services.api.url", "an http:// or https:// URL"],
  [
    "url without slashes",
    "services:\n  api: {cluster: x, url: 'http:api.example.com'}\n",
    "services.api.url",
    "an http:// or https:// URL"
  ],
  [
    "url without host",
    "services:\n  api: {cluster: x, url: 'http://'}\n",
    "services.api.url",
    "an http:// or https:// URL"
  ],
  [
    "containers empty",
    "services:\n  api: {cluster: x, containers: []}\n",
    "services.api.containers",
    "a non-empty list"
  ],
  [
    "containers a string",
    "services:\n  api: {cluster: x, containers: app}\n",
    "services.api.containers",
    "a non-empty list"
  ],
  [
    "empty container name",
    "services:\n  api: {cluster: x, containers: [app, '']}\n",
    "services.api.containers[1]",
    "a non-empty container name"
  ],
  ["role as a string", `${oneService}role: arn:aws:iam::123456789012:role/x\n`, "role", "a map with arn"],
  ["role without arn", `${oneService}role: {}\n`, "role.arn", "an IAM role ARN"],
  [
    "role ARN of a user",
    `${oneService}role: {arn: 'arn:aws:iam::123456789012:user/x'}\n`,
    "role.arn",
    "an IAM role ARN"
  ],
  [
    "role ARN with a region",
    `${oneService}role: {arn: 'arn:aws:iam:eu-west-1:123456789012:role/x'}\n`,
    "role.arn",
    "an IAM role ARN"
  ],
  [
    "role ARN of another partition",
    `${oneService}role: {arn: 'arn:gcp:iam::123456789012:role/x'}\n`,
    "role.arn",
    "an IAM role ARN"
  ],
  [
    "unknown updateStrategy",
    `${oneService}updateStrategy: newest\n`,
    "updateStrategy",
    `one of current, latest, redeploy, none, got "newest"`
  ],
  ["empty updateStrategy", `${oneService}updateStrategy:\n`, "updateStrategy", "one of current, latest"],
  ["zero timeout", `${oneService}timeoutMinutes: 0\n`, "timeoutMinutes", "a positive number of minutes, got 0"],
  ["negative timeout", `${oneService}timeoutMinutes: -1.5\n`, "timeoutMinutes", "a positive number of minutes"],
  ["infinite timeout", `${oneService}timeoutMinutes: .inf\n`, "timeoutMinutes", "a positive number of minutes"],
  [
    "timeout as a string",
    `${oneService}timeoutMinutes: "5"\n`,
    "timeoutMinutes",
    `a positive number of minutes, got "5"`
  ],
  ["zero interval", `${oneService}checkIntervalSeconds: 0\n`, "checkIntervalSeconds", "a positive number of seconds"],
  [
    "negative interval",
    `${oneService}checkIntervalSeconds: -10\n`,
    "checkIntervalSeconds",
    "a positive number of seconds"
  ],
  ["zero concurrency", `${oneService}concurrency: 0\n`, "concurrency", "a positive whole number, got 0"],
  ["fractional concurrency", `${oneService}concurrency: 2.5\n`, "concurrency", "a positive whole number"],
  ["concurrency as text", `${oneService}concurrency: many\n`, "concurrency", "a positive whole number"]
]

describe("decodeConfig: bad files", () => {
  it.effect.each(badFiles)("%s", ([, text, key, expected]) =>
    Effect.gen(function*() {
      const error = yield* decodeError(text)
      expect(error).toBeInstanceOf(ConfigError)
      expect(error.key).toBe(key)
      // Every problem at a key has the line of that key.
      if (key !== "") expect(error.line).toBeGreaterThan(0)
      const prefix = key === "" ? `${error.location}: ` : `${error.location}: ${key}: `
      expect(error.message.startsWith(prefix), error.message).toBe(true)
      expect(error.message).toContain(expected)
    }))

  it.effect("reports the exact message for a bad URL", () =>
    Effect.gen(function*() {
      const error = yield* decodeError("services:\n  api: {cluster: x, url: 'ftp://x'}\n")
      expect(error.message).toBe(`gehen.yml:2:21: services.api.url: expected an http:// or https:// URL, got "ftp://x"`)
      expect(error.expected).toBe("an http:// or https:// URL")
      expect(error.path).toBe("gehen.yml")
      expect([error.line, error.column]).toStrictEqual([2, 21])
    }))

  it.effect("reports a misspelt required key once, as the unknown key, so the typo is named", () =>
    Effect.gen(function*() {
      const error = yield* decodeError("services:\n  api: {clustr: prod}\n")
      expect(error.message).toBe(
        `gehen.yml:2:9: services.api.clustr: expected one of the keys cluster, name, url, testUrl, containers, ` +
          `got the unknown key "clustr" (did you mean "cluster"?); the original Gehen ignored unknown keys, ` +
          `gehen refuses them so a typo cannot pass`
      )
    }))

  it.effect("reports a missing key at the map that lacks it", () =>
    Effect.gen(function*() {
      const error = yield* decodeError("services:\n  api:\n    url: https://x\n")
      expect(error.message).toBe(
        "gehen.yml:2:3: services.api.cluster: expected a cluster name (letters, digits, - and _, at most 255 " +
          "characters) or an ECS cluster ARN, got nothing: the key is missing"
      )
    }))
})

describe("loadConfig", () => {
  const inTempDir = <A, E>(f: (dir: string, fs: FileSystem.FileSystem) => Effect.Effect<A, E, FileSystem.FileSystem>) =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      return yield* f(dir, fs)
    }).pipe(Effect.provide(NodeFileSystem.layer))

  it.scoped("reads a file", () =>
    inTempDir((dir, fs) =>
      Effect.gen(function*() {
        const path = `${dir}/gehen.yml`
        yield* fs.writeFileString(path, oneService)
        const config = yield* loadConfig(path)
        expect(config.path).toBe(path)
        expect(config.services).toStrictEqual([{ key: "api", name: "api", cluster: "prod" }])
      })
    ))

  it.scoped("names the file in a validation error", () =>
    inTempDir((dir, fs) =>
      Effect.gen(function*() {
        const path = `${dir}/deploy.yml`
        yield* fs.writeFileString(path, `${oneService}concurrency: 0\n`)
        const error = yield* Effect.flip(loadConfig(path))
        expect(error.message).toBe(`${path}:4:1: concurrency: expected a positive whole number, got 0`)
      })
    ))

  it.scoped("fails clearly for a missing file", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const path = `${dir}/gehen.yml`
        const error = yield* Effect.flip(loadConfig(path))
        expect(error).toBeInstanceOf(ConfigErrors)
        expect(error.errors).toHaveLength(1)
        expect(error.errors[0]).toBeInstanceOf(ConfigError)
        expect(error.message).toBe(`${path}: expected a readable gehen config file, got no such file`)
      })
    ))

  it.scoped("names the directory it looked in when the default gehen.yml is missing", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(loadConfig(`${dir}/gehen.yml`, { defaulted: true }))
        expect(error.message).toBe(`no gehen.yml in ${dir} (pass --path <file>)`)
        expect(error.errors[0]).toMatchObject({ path: `${dir}/gehen.yml`, key: "", got: "no such file" })
      })
    ))

  it.scoped("names the absolute directory for a default path relative to the working directory", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(loadConfig("no-such-dir/gehen.yml", { defaulted: true }))
      expect(error.message).toBe(`no gehen.yml in ${resolve("no-such-dir")} (pass --path <file>)`)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("names the file as given when a given path is missing, even with defaulted: false", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(loadConfig(`${dir}/deploy.yml`, { defaulted: false }))
        expect(error.message).toBe(`${dir}/deploy.yml: expected a readable gehen config file, got no such file`)
      })
    ))

  it.scoped("fails clearly for a directory", () =>
    inTempDir((dir) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(loadConfig(dir))
        expect(error.message).toBe(`${dir}: expected a gehen config file, got a directory`)
      })
    ))

  it.scoped("fails clearly for an empty file", () =>
    inTempDir((dir, fs) =>
      Effect.gen(function*() {
        const path = `${dir}/gehen.yml`
        yield* fs.writeFileString(path, "")
        const error = yield* Effect.flip(loadConfig(path))
        expect(error.message).toBe(
          `${path}: expected at least one service under services or rule under scheduledTasks, got an empty file`
        )
      })
    ))
})

describe("cluster helpers", () => {
  it("regionOfCluster takes the region from an ARN only", () => {
    expect(regionOfCluster("arn:aws:ecs:eu-central-1:123456789012:cluster/prod")).toStrictEqual(
      Option.some("eu-central-1")
    )
    expect(regionOfCluster("arn:aws-us-gov:ecs:us-gov-east-1:123456789012:cluster/x")).toStrictEqual(
      Option.some("us-gov-east-1")
    )
    expect(regionOfCluster("prod")).toStrictEqual(Option.none())
    expect(regionOfCluster("arn:aws:ecs:eu-central-1:123:cluster/prod")).toStrictEqual(Option.none())
  })

  it("clusterName gives the name of an ARN or the name itself", () => {
    expect(clusterName("arn:aws:ecs:eu-central-1:123456789012:cluster/prod-1")).toBe("prod-1")
    expect(clusterName("prod_2")).toBe("prod_2")
  })
})
