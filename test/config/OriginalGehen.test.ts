// gehen.yml files written for the original Gehen (Go, TouchBistro/gehen) to its documented
// keys: services (cluster, url, containers), scheduledTasks, role.arn, timeoutMinutes and
// updateStrategy decode to the same services and scheduled tasks here.
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { GehenConfig } from "../../src/config/Config.js"
import { decode, decodeErrors } from "../support/config.js"

/**
 * The schema block of the original README's "Configuration" section, verbatim
 * (../shared/reference/000_d3be1a2752ed055b.txt has its text; the indentation is the README's).
 */
const readmeSchema = `updateStrategy: current | latest | none # Which task definition revision should be used
services: # A map of services
  <service-name>: # The name of the ECS service
    cluster: string # The ECS cluster the service is in
    url: string # The URL to use to check that the new version has been deployed
scheduledTasks: # A map of ECS scheduled tasks
  <scheduled-task-name>: # The name of the ECS scheduled task
timeoutMinutes: int # How many minutes to wait for the deploy check and drain check
`

/** The README's block with its placeholders filled in, comments and layout kept. */
const fromReadme = (strategy: string) =>
  readmeSchema
    .replace("current | latest | none", strategy)
    .replace("<service-name>", "example-production")
    .replace("cluster: string", "cluster: arn:aws:ecs:us-east-1:123456789012:cluster/prod-cluster")
    .replace("url: string", "url: https://example.com/ping")
    .replace("<scheduled-task-name>", "example-job")
    .replace("timeoutMinutes: int", "timeoutMinutes: 5")

describe("the original README's gehen.yml schema", () => {
  // The README lists current, latest and none; its code also took redeploy, in any case.
  const strategies: ReadonlyArray<readonly [string, GehenConfig["updateStrategy"]]> = [
    ["current", "current"],
    ["latest", "latest"],
    ["none", "none"],
    ["redeploy", "redeploy"],
    ["Latest", "latest"],
    ["NONE", "none"]
  ]

  it.effect.each(strategies)(
    "decodes with updateStrategy %s to the same service and scheduled task",
    ([strategy, updateStrategy]) =>
      Effect.gen(function*() {
        const config = yield* decode(fromReadme(strategy))
        expect(config).toStrictEqual<GehenConfig>({
          path: "gehen.yml",
          services: [{
            key: "example-production",
            name: "example-production",
            cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/prod-cluster",
            url: "https://example.com/ping"
          }],
          scheduledTasks: [{ key: "example-job", rule: "example-job" }],
          timeoutMinutes: 5,
          checkIntervalSeconds: 15,
          updateStrategy,
          concurrency: 10
        })
      })
  )
})

describe("a gehen.yml in the shape of the original's example", () => {
  // Every key the original read, in the layout of its gehen.example.yml: role first, block
  // lists, scheduled tasks with nothing after the colon.
  const original = `role:
  arn: arn:aws:iam::123456789012:role/OrganizationAccountAccessRole
services:
  shop-production:
    cluster: arn:aws:ecs:us-east-1:123456789012:cluster/prod-cluster
    url: https://shop.example.com/ping
    containers:
      - sidecar
      - service
  shop-staging:
    cluster: arn:aws:ecs:us-east-1:123456789012:cluster/non-prod-cluster
    url: https://staging.shop.example.com/ping
  worker:
    cluster: plain-cluster-name
scheduledTasks:
  weekly-job:
  monthly-job:
timeoutMinutes: 10
updateStrategy: current
`

  it.effect("decodes to the same services and scheduled tasks, in file order", () =>
    Effect.gen(function*() {
      expect(yield* decode(original)).toStrictEqual<GehenConfig>({
        path: "gehen.yml",
        services: [
          {
            key: "shop-production",
            name: "shop-production",
            cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/prod-cluster",
            url: "https://shop.example.com/ping",
            containers: ["sidecar", "service"]
          },
          {
            key: "shop-staging",
            name: "shop-staging",
            cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/non-prod-cluster",
            url: "https://staging.shop.example.com/ping"
          },
          { key: "worker", name: "worker", cluster: "plain-cluster-name" }
        ],
        scheduledTasks: [{ key: "weekly-job", rule: "weekly-job" }, { key: "monthly-job", rule: "monthly-job" }],
        role: { arn: "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole" },
        timeoutMinutes: 10,
        checkIntervalSeconds: 15,
        updateStrategy: "current",
        concurrency: 10
      })
    }))

  it.effect("keeps an empty scheduledTasks: or services: beside the other, as the original did", () =>
    Effect.gen(function*() {
      const config = yield* decode(original.replace("  weekly-job:\n  monthly-job:\n", ""))
      expect(config.scheduledTasks).toStrictEqual([])
      expect(config.services).toHaveLength(3)
    }))

  it.effect("refuses an ARN whose account is not 12 digits (AWS has none such), saying so", () =>
    Effect.gen(function*() {
      // A placeholder account like 123456 reached AWS with the original and failed there.
      const errors = yield* decodeErrors(original.replaceAll("123456789012", "123456"))
      expect(errors.map((e) => [e.line, e.key])).toStrictEqual([
        [2, "role.arn"],
        [5, "services.shop-production.cluster"],
        [11, "services.shop-staging.cluster"]
      ])
      expect(errors.every((e) => e.expected.includes("<12-digit account>"))).toBe(true)
    }))
})
