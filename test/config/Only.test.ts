import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { onlyKeys, selectTargets } from "../../src/config/Only.js"
import { editDistance, nearest } from "../../src/config/Suggest.js"
import { decode } from "../support/config.js"

const file = `
services:
  api:
    cluster: prod
  api-eu:
    name: api
    cluster: arn:aws:ecs:eu-west-1:123456789012:cluster/prod-eu
  worker:
    cluster: prod
    containers: [worker]
scheduledTasks:
  nightly:
  arn:aws:events:eu-west-1:123456789012:rule/hourly:
role:
  arn: arn:aws:iam::123456789012:role/deployer
timeoutMinutes: 3
`

describe("onlyKeys", () => {
  it.each(
    [
      [[], []],
      [["api"], ["api"]],
      [["api,worker"], ["api", "worker"]],
      [["api", "worker"], ["api", "worker"]],
      [[" api , worker ,", "api"], ["api", "worker"]],
      [[",,"], []]
    ] as const
  )("%j -> %j", (values, keys) => {
    expect(onlyKeys(values)).toEqual(keys)
  })
})

describe("selectTargets: --only by gehen.yml keys", () => {
  it.effect("keeps the named services and scheduled tasks, in file order, and the rest of the file", () =>
    Effect.gen(function*() {
      const config = yield* decode(file)
      const only = Either.getOrThrow(selectTargets(config, ["nightly", "api-eu"]))
      expect(only.services.map((s) => s.key)).toEqual(["api-eu"])
      expect(only.services[0]).toEqual(config.services[1])
      expect(only.scheduledTasks.map((t) => t.key)).toEqual(["nightly"])
      expect(only.role).toEqual(config.role)
      expect(only.timeoutMinutes).toBe(3)
      expect(only.path).toBe("gehen.yml")
    }))

  it.effect("a rule ARN key is named as written; no keys keeps everything", () =>
    Effect.gen(function*() {
      const config = yield* decode(file)
      const arn = "arn:aws:events:eu-west-1:123456789012:rule/hourly"
      const only = Either.getOrThrow(selectTargets(config, [arn]))
      expect(only.services).toEqual([])
      expect(only.scheduledTasks.map((t) => t.rule)).toEqual(["hourly"])
      expect(selectTargets(config, [])).toEqual(Either.right(config))
    }))

  it.effect("an unknown key fails, naming the nearest key, or the key of the entry it names by service or rule name", () =>
    Effect.gen(function*() {
      const config = yield* decode(file)
      const error = yield* Either.flip(selectTargets(config, ["api", "wroker", "hourly", "frobnicate"]))
      expect(error._tag).toBe("UnknownTargetKeys")
      expect(error.unknown).toEqual([
        { key: "wroker", meant: "worker" },
        { key: "hourly", meant: "arn:aws:events:eu-west-1:123456789012:rule/hourly" },
        { key: "frobnicate", meant: undefined }
      ])
      expect(error.message).toBe(
        `--only: no services or scheduled tasks "wroker" (did you mean "worker"?), ` +
          `"hourly" (did you mean "arn:aws:events:eu-west-1:123456789012:rule/hourly"?), "frobnicate" in gehen.yml; ` +
          "its keys: api, api-eu, worker, nightly, arn:aws:events:eu-west-1:123456789012:rule/hourly"
      )
      const one = yield* Either.flip(selectTargets(config, ["apii"]))
      expect(one.message).toMatch(
        /^--only: no service or scheduled task "apii" \(did you mean "api"\?\) in gehen\.yml;/
      )
    }))

  it("a long file's keys are not all listed", () => {
    const services = Array.from({ length: 25 }, (_, i) => ({ key: `svc${i}`, name: `svc${i}`, cluster: "c" }))
    const config = {
      path: "g.yml",
      services,
      scheduledTasks: [],
      timeoutMinutes: 5,
      checkIntervalSeconds: 15,
      updateStrategy: "current" as const,
      concurrency: 10
    }
    const error = Either.getOrThrow(Either.flip(selectTargets(config, ["nope"])))
    expect(error.message).toMatch(/its keys: svc0, svc1, .*, svc9, and 15 more$/)
    expect(error.known).toHaveLength(25)
  })
})

describe("nearest: one did-you-mean for keys, flags, commands and --only", () => {
  it.each(
    [
      // Flags and commands (the command line's cases).
      ["dryrun", ["dry-run", "path"], "dry-run"],
      ["PATH", ["path"], "path"],
      ["x", ["dry-run", "path"], undefined],
      ["deplyo", ["deploy", "rollback", "status", "version", "help"], "deploy"],
      ["stats", ["deploy", "rollback", "status", "version", "help"], "status"],
      ["frobnicate", ["deploy", "rollback", "status", "version", "help"], undefined],
      // gehen.yml keys (config's cases): case and separators never count.
      ["servics", ["services", "scheduledTasks"], "services"],
      ["timeoutMinute", ["timeoutMinutes", "checkIntervalSeconds"], "timeoutMinutes"],
      ["scheduled_tasks", ["services", "scheduledTasks"], "scheduledTasks"],
      ["TIMEOUTMINUTES", ["timeoutMinutes"], "timeoutMinutes"],
      ["regoin", ["region", "eventBusName", "containers"], "region"],
      ["role", ["services", "scheduledTasks"], undefined],
      // The closest wins; on a tie, the first known.
      ["pat", ["path", "pot"], "path"],
      ["cat", ["bat", "hat"], "bat"],
      ["olny", ["gitsha", "path", "only", "dry-run"], "only"]
    ] as const
  )("%s among %j -> %s", (word, known, expected) => {
    expect(nearest(word, known)).toBe(expected)
  })

  it.each(
    [
      ["", "", 0],
      ["abc", "", 3],
      ["kitten", "sitting", 3],
      ["flaw", "lawn", 2],
      // A swap of neighbours is one edit.
      ["olny", "only", 1],
      ["deplyo", "deploy", 1],
      ["ca", "abc", 3]
    ] as const
  )("editDistance(%j, %j) = %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d)
    expect(editDistance(b, a)).toBe(d)
  })
})
