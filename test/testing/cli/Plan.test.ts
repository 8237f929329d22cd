// gehen-sim's seeding from a gehen.yml (the plan, then the simulator it makes), its
// behaviours, the rehearsal copy of the file and the exports.
import * as Effect from "effect/Effect"
import { describe, expect, it } from "vitest"
import { decodeConfig } from "../../../src/config/Config.js"
import {
  type BehaviourRule,
  parseBehaviourFlag,
  rehearsalPicker,
  resolveBehaviours,
  rolloutBehaviour,
  type Scriptable
} from "../../../src/testing/cli/Behaviours.js"
import { envExports, readExports, shellQuote } from "../../../src/testing/cli/Output.js"
import { seedPlanOf } from "../../../src/testing/cli/Plan.js"
import { rewriteUrls } from "../../../src/testing/cli/Rewrite.js"
import { seedFromPlan } from "../../../src/testing/cli/Seed.js"
import type { BehaviourContext } from "../../../src/testing/model/Behaviour.js"
import { makeSimulator } from "../../../src/testing/Simulator.js"

const EU_CLUSTER = "arn:aws:ecs:eu-west-1:210987654321:cluster/prod-eu"

const FILE = `# the team's file
services:
  api:
    cluster: prod
    url: https://api.example.com/version   # the real host
  api-eu:
    name: api
    cluster: ${EU_CLUSTER}
    url: https://eu.api.example.com/version
    containers: [api, migrate]
  worker:
    cluster: prod
scheduledTasks:
  nightly-report:
    containers: [report]
  invoices:
    region: ap-southeast-2
    eventBusName: billing
  arn:aws:events:eu-west-1:210987654321:rule/audit/sweep.run:
timeoutMinutes: 1
`

const config = Effect.runSync(decodeConfig("gehen.yml", FILE))
const plan = seedPlanOf(config, { region: "us-east-1", tag: "0000000" })
const scriptable: Scriptable = { path: "gehen.yml", services: plan.services, rules: plan.rules }

describe("the seed plan of a gehen.yml", () => {
  it("one service per cluster and region, the account of the file's ARNs, version paths with the region outside the default one", () => {
    expect(plan.accountId).toBe("210987654321")
    expect(plan.services.map((s) => [s.keys, s.region, s.cluster, s.name, s.family, s.versionPath])).toEqual([
      [["api"], "us-east-1", "prod", "api", "api", "/version/prod/api"],
      [["api-eu"], "eu-west-1", "prod-eu", "api", "api", "/version/eu-west-1/prod-eu/api"],
      [["worker"], "us-east-1", "prod", "worker", "worker", "/version/prod/worker"]
    ])
  })

  it("a containers: list gets its containers on the current tag and a sidecar on another; without one every container runs the current tag", () => {
    const images = (i: number) => plan.services[i]?.containers.map((c) => [c.name, c.image, c.sidecar])
    expect(images(0)).toEqual([["api", "210987654321.dkr.ecr.us-east-1.amazonaws.com/api:0000000", false]])
    expect(images(1)).toEqual([
      ["api", "210987654321.dkr.ecr.eu-west-1.amazonaws.com/api:0000000", false],
      ["migrate", "210987654321.dkr.ecr.eu-west-1.amazonaws.com/migrate:0000000", false],
      ["log-router", "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0", true]
    ])
  })

  it("scheduled tasks in their region and on their event bus, from options or the rule ARN, with families fit for ECS", () => {
    expect(
      plan.rules.map((r) => [
        r.key,
        r.region,
        r.eventBusName,
        r.name,
        r.family,
        r.cluster,
        r.containers.map((c) => c.name)
      ])
    ).toEqual([
      ["nightly-report", "us-east-1", "default", "nightly-report", "nightly-report", "prod", ["report", "log-router"]],
      ["invoices", "ap-southeast-2", "billing", "invoices", "invoices", "default", ["invoices"]],
      [
        "arn:aws:events:eu-west-1:210987654321:rule/audit/sweep.run",
        "eu-west-1",
        "audit",
        "sweep.run",
        "sweep-run",
        "prod-eu",
        ["sweep-run"]
      ]
    ])
  })

  it("two keys for one service share it; a key without containers: keeps every container on the current tag (no sidecar)", () => {
    const c = Effect.runSync(decodeConfig(
      "gehen.yml",
      `services:
  web:
    cluster: shop
    containers: [web]
  web-again:
    name: web
    cluster: arn:aws:ecs:us-east-1:123456789012:cluster/shop
  shop-web:
    name: web
    cluster: other
`
    ))
    const p = seedPlanOf(c, { region: "us-east-1", tag: "abc" })
    expect(p.services.map((s) => [s.keys, s.cluster, s.family, s.containers.map((x) => x.name)])).toEqual([
      [["web", "web-again"], "shop", "web", ["web"]],
      // Two services named web in one region: the second family names its cluster.
      [["shop-web"], "other", "other-web", ["web"]]
    ])
  })

  it("no file: an empty simulator", () => {
    expect(seedPlanOf(undefined, { region: "eu-central-1", tag: "x" })).toEqual({
      accountId: "123456789012",
      region: "eu-central-1",
      tag: "x",
      services: [],
      rules: []
    })
  })
})

describe("seeding a simulator", () => {
  it("what gehen plans against: steady services, their task definitions, rules with one ECS target", async () => {
    const sim = await Effect.runPromise(makeSimulator({ accountId: plan.accountId, defaultRegion: plan.region }))
    await Effect.runPromise(seedFromPlan(sim, plan))
    const eu = await Effect.runPromise(sim.service("prod-eu", "api", "eu-west-1"))
    expect(eu?.status).toBe("ACTIVE")
    expect(eu?.runningCount).toBe(2)
    expect(eu?.deployments?.map((d) => d.rolloutState)).toEqual(["COMPLETED"])
    expect(eu?.taskDefinition).toBe("arn:aws:ecs:eu-west-1:210987654321:task-definition/api:1")
    const td = await Effect.runPromise(sim.taskDefinition(eu?.taskDefinition ?? ""))
    expect(td?.taskDefinition.containerDefinitions?.map((c) => [c.name, c.essential])).toEqual([
      ["api", true],
      ["migrate", true],
      ["log-router", false]
    ])
    expect(await Effect.runPromise(sim.servedVersion("prod", "api"))).toBe("0000000")
    expect(await Effect.runPromise(sim.servedVersion("prod-eu", "api", "eu-west-1"))).toBe("0000000")

    const invoices = await Effect.runPromise(sim.rule("ap-southeast-2", "invoices", "billing"))
    expect(invoices?.targets).toHaveLength(1)
    expect(invoices?.targets[0]?.Arn).toBe("arn:aws:ecs:ap-southeast-2:210987654321:cluster/default")
    expect(invoices?.targets[0]?.EcsParameters?.TaskDefinitionArn).toBe(
      "arn:aws:ecs:ap-southeast-2:210987654321:task-definition/invoices:1"
    )
    // Only on its own bus, as in EventBridge.
    expect(await Effect.runPromise(sim.rule("ap-southeast-2", "invoices"))).toBeUndefined()
    const sweep = await Effect.runPromise(sim.rule("eu-west-1", "sweep.run", "audit"))
    expect(sweep?.rule.Arn).toBe("arn:aws:events:eu-west-1:210987654321:rule/audit/sweep.run")
    expect(await Effect.runPromise(sim.calls())).toEqual([])
  })
})

const ctx = (over: Partial<BehaviourContext>): BehaviourContext => ({
  region: "us-east-1",
  cluster: "prod",
  service: "api",
  taskDefinitionArn: "arn:aws:ecs:us-east-1:210987654321:task-definition/api:2",
  imageTags: ["bad1234"],
  rollback: false,
  ...over
})

/** The flags resolved against the file (`null`: no file). */
const resolved = (flags: ReadonlyArray<string>, on: Scriptable | null = scriptable): ReadonlyArray<BehaviourRule> => {
  const r = resolveBehaviours(
    flags.map((text) => {
      const parsed = parseBehaviourFlag(text)
      if (parsed._tag === "Invalid") throw new Error(parsed.reason)
      return parsed.flag
    }),
    on ?? undefined
  )
  if (r._tag === "Invalid") throw new Error(r.reason)
  return r.rules
}

describe("behaviours", () => {
  it("a flag names a service by name, key or cluster/name; its new deployments roll out so, the current tag always healthy", () => {
    const byName = resolved(["api=unhealthy"])
    expect(byName[0]?.targets).toEqual([
      { region: "us-east-1", cluster: "prod", service: "api" },
      { region: "eu-west-1", cluster: "prod-eu", service: "api" }
    ])
    expect(resolved(["api-eu=stuck"])[0]?.targets).toEqual([{
      region: "eu-west-1",
      cluster: "prod-eu",
      service: "api"
    }])
    expect(resolved(["prod/api=stuck"])[0]?.targets).toEqual([{ region: "us-east-1", cluster: "prod", service: "api" }])

    const pick = rehearsalPicker(
      resolved(["api-eu=unhealthy", "api-eu@good1234=healthy", "worker=circuit-breaker"]),
      "0000000",
      2
    )
    const eu = { region: "eu-west-1", cluster: "prod-eu" }
    expect(pick(ctx({ ...eu, imageTags: ["bad1234", "bad1234", "2.32.0"] }))).toEqual(rolloutBehaviour("unhealthy", 2))
    expect(pick(ctx({ ...eu, imageTags: ["good1234", "good1234", "2.32.0"] }))).toEqual(rolloutBehaviour("healthy", 2))
    // The rollback to the seeded revision comes back.
    expect(pick(ctx({ ...eu, imageTags: ["0000000", "0000000", "2.32.0"] }))).toEqual(rolloutBehaviour("healthy", 2))
    // api in prod is not api-eu.
    expect(pick(ctx({ imageTags: ["bad1234"] }))).toEqual(rolloutBehaviour("healthy", 2))
    expect(pick(ctx({ service: "worker", imageTags: ["bad1234"] }))).toEqual(rolloutBehaviour("circuit-breaker", 2))
    // ECS's own rollback after the breaker trips.
    expect(pick(ctx({ service: "worker", imageTags: ["0000000"], rollback: true }))).toEqual(
      rolloutBehaviour("healthy", 2)
    )
  })

  it("a rollout of N seconds: running at N/4, health at N/2, drained N/2 later; the breaker trips at N", () => {
    expect(rolloutBehaviour("circuit-breaker", 4)).toEqual({
      kind: "circuit-breaker",
      startAfter: 1,
      healthyAfter: 2,
      drainAfter: 2,
      replaceAfter: 2,
      crashAfter: 2,
      failAfter: 4
    })
  })

  it("without a file a flag applies to every service of that name", () => {
    const pick = rehearsalPicker(resolved(["api=stuck"], null), "0000000", 1)
    expect(pick(ctx({ cluster: "anything", region: "eu-north-1" }))).toEqual(rolloutBehaviour("stuck", 1))
  })

  it("a flag that names nothing, a rule, or what another flag scripts, says so", () => {
    const reason = (flags: ReadonlyArray<string>) => {
      try {
        resolved(flags)
        return ""
      } catch (e) {
        return e instanceof Error ? e.message : String(e)
      }
    }
    expect(reason(["apii=stuck"])).toBe(
      "--behaviour apii=stuck: no service apii in gehen.yml (did you mean api?); its services: prod/api, prod-eu/api, prod/worker"
    )
    expect(reason(["nightly-report=stuck"])).toContain(
      "nightly-report is a scheduled task of gehen.yml: a rule has no rollout to script"
    )
    expect(reason(["staging/api=stuck"])).toContain("no service staging/api in gehen.yml")
    expect(reason(["api=stuck", "prod-eu/api=healthy"])).toBe(
      "--behaviour prod-eu/api=healthy: scripts the same deployments as --behaviour api=stuck"
    )
    expect(reason(["api=stuck", "prod-eu/api@abc=healthy"])).toBe("")
  })
})

describe("the rehearsal copy and the exports", () => {
  it("only the urls change, comments and the rest of the file stay", () => {
    const urls = new Map([
      ["api", "http://127.0.0.1:4566/version/prod/api"],
      ["api-eu", "http://127.0.0.1:4566/version/eu-west-1/prod-eu/api"],
      ["worker", "http://127.0.0.1:4566/version/prod/worker"]
    ])
    const copy = rewriteUrls(FILE, urls, "A rehearsal copy of gehen.yml.")
    expect(copy.startsWith("# A rehearsal copy of gehen.yml.\n# the team's file\n")).toBe(true)
    expect(copy).toContain("url: http://127.0.0.1:4566/version/prod/api # the real host")
    const reread = Effect.runSync(decodeConfig("rehearsal.yml", copy))
    expect(reread.services.map((s) => [s.key, s.url])).toEqual([
      ["api", "http://127.0.0.1:4566/version/prod/api"],
      ["api-eu", "http://127.0.0.1:4566/version/eu-west-1/prod-eu/api"],
      // No url in the file: none in the copy, as in the real deploy.
      ["worker", undefined]
    ])
    const original = Effect.runSync(decodeConfig("rehearsal.yml", FILE))
    const withoutUrls = (c: typeof original) => ({ ...c, services: c.services.map(({ url: _, ...rest }) => rest) })
    expect(withoutUrls(reread)).toEqual(withoutUrls(original))
  })

  it("exports a shell reads back, with nothing left to a real profile", () => {
    const text = envExports("http://127.0.0.1:4566", "eu-west-1", "/dev/null", { GEHEN_SIM_PID: "42" })
    expect(text.trimEnd().split("\n").at(-1)).toBe("export GEHEN_SIM_URL=http://127.0.0.1:4566")
    const { set, unset } = readExports(text)
    expect(set).toEqual({
      AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
      AWS_REGION: "eu-west-1",
      AWS_DEFAULT_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "AKIDGEHENSIMULATOR",
      AWS_SECRET_ACCESS_KEY: "gehen-sim-not-a-secret",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      GEHEN_SIM_PID: "42",
      GEHEN_SIM_URL: "http://127.0.0.1:4566"
    })
    // Every service gehen calls (the pre-flight's ECR included) goes to the simulator.
    expect(unset).toEqual(
      expect.arrayContaining([
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL_ECS",
        "AWS_ENDPOINT_URL_EVENTBRIDGE",
        "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL_ECR"
      ])
    )
    expect(shellQuote("C:\\it's here")).toBe(`'C:\\it'\\''s here'`)
    expect(readExports(`export X=${shellQuote("it's")}\n`).set).toEqual({ X: "it's" })
  })
})
