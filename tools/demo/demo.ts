/**
 * `npm run demo`: the real CLI against the simulator over HTTP, no AWS account needed.
 * One deploy that succeeds, then one whose tasks turn UNHEALTHY and is rolled back.
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { existsSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import {
  type Behaviour,
  byImageTag,
  imageTag,
  Simulator,
  type SimulatorApi,
  startSimServerPromise
} from "../../src/testing/index.js"
import { simulatorEnv, tempDir } from "./cli.js"

export interface DemoOptions {
  /** Where the demo's own narration goes (the CLI's output is separate, see `stdio`). */
  readonly log: (line: string) => void
  /** The bundled CLI, `dist/cli/gehen.cjs`. */
  readonly cliPath: string
  /** "inherit" (default) shows the CLI's output as it runs; "capture" keeps it in the result instead. */
  readonly stdio?: "inherit" | "capture" | undefined
  /** Seconds between gehen's checks; 1 by default. */
  readonly checkIntervalSeconds?: number | undefined
}

export interface DemoRun {
  readonly title: string
  readonly gitsha: string
  readonly expectedCode: number
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly seconds: number
}

export interface DemoResult {
  /** Both runs exited as expected and the simulator ended where it should. */
  readonly ok: boolean
  readonly runs: ReadonlyArray<DemoRun>
  /** Every expectation that did not hold, in words. */
  readonly problems: ReadonlyArray<string>
  /** The CLI's output with `stdio: "capture"`, else "". */
  readonly output: string
}

const ACCOUNT = "123456789012"
const OLD = "1e9ac7e"
const SHA_A = "5eed0a1b2c3d4e5f"
const SHA_B = "bad0c0de9f8e7d6c"
const EU = "eu-west-1"

// Rollouts of a few seconds: tasks run after 0.5 s and report health at 1.5 s; old tasks take 1 s to go.
const HEALTHY: Behaviour = { kind: "healthy", startAfter: 0.5, healthyAfter: 1.5, drainAfter: 1 }
// ECS replaces an UNHEALTHY task 1 s later (the default 10 s would only slow the demo down).
const UNHEALTHY: Behaviour = { kind: "unhealthy", startAfter: 0.5, healthyAfter: 1.5, replaceAfter: 1 }
// A hung CLI must not hang the demo.
const RUN_LIMIT_MS = 90_000

interface World {
  readonly euCluster: string
  /** Where each service lives, for inspection. */
  readonly services: ReadonlyArray<
    { readonly name: string; readonly cluster: string; readonly region: string; readonly url: boolean }
  >
  readonly rule: { readonly name: string; readonly region: string }
}

/** Cluster `shop` (us-east-1, by name): web, api; cluster `workers` (eu-west-1, by ARN): mailer; rule `nightly-report`. */
const seed = (sim: SimulatorApi) =>
  Effect.gen(function*() {
    yield* sim.addCluster("shop", "us-east-1")
    const euCluster = yield* sim.addCluster("workers", EU)
    const ecr = (region: string, repo: string) => `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${repo}:${OLD}`
    for (const name of ["web", "api"]) {
      const td = yield* sim.seedTaskDefinition("us-east-1", {
        family: name,
        containerDefinitions: [{ name, image: ecr("us-east-1", name), memory: 256 }]
      })
      yield* sim.addService({ cluster: "shop", name, taskDefinition: td, region: "us-east-1", desiredCount: 2 })
    }
    const mailer = yield* sim.seedTaskDefinition(EU, {
      family: "mailer",
      containerDefinitions: [
        { name: "mailer", image: ecr(EU, "mailer"), memory: 256 },
        // A sidecar keeps its own tag: gehen.yml lists only `mailer` under containers.
        { name: "log-router", image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.31.0", memory: 64 }
      ]
    })
    yield* sim.addService({ cluster: euCluster, name: "mailer", taskDefinition: mailer, region: EU, desiredCount: 3 })
    const report = yield* sim.seedTaskDefinition("us-east-1", {
      family: "report",
      containerDefinitions: [{ name: "report", image: ecr("us-east-1", "report"), memory: 128 }]
    })
    yield* sim.addRule({
      name: "nightly-report",
      region: "us-east-1",
      target: {
        Id: "report",
        Arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/shop`,
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsEventsRole`,
        EcsParameters: { TaskDefinitionArn: report, TaskCount: 1 }
      }
    })
    const world: World = {
      euCluster,
      services: [
        { name: "web", cluster: "shop", region: "us-east-1", url: true },
        { name: "api", cluster: "shop", region: "us-east-1", url: true },
        { name: "mailer", cluster: "workers", region: EU, url: true }
      ],
      rule: { name: "nightly-report", region: "us-east-1" }
    }
    return world
  })

const configText = (endpoint: string, world: World, interval: number) =>
  `# written by gehen's demo
services:
  web:
    cluster: shop
    url: ${endpoint}/version/shop/web
  api:
    cluster: shop
    url: ${endpoint}/version/shop/api
  mailer:
    cluster: ${world.euCluster}
    url: ${endpoint}/version/${EU}/workers/mailer
    containers: [mailer]
scheduledTasks:
  nightly-report:
timeoutMinutes: 1
checkIntervalSeconds: ${interval}
`

interface ServiceSnapshot {
  readonly taskDefinition: string
  /** The first container's image tag. */
  readonly tag: string
  readonly settled: boolean
  /** What its version url serves. */
  readonly served: string | undefined
}

/** Where every target stands now. */
interface Snapshot {
  readonly services: ReadonlyMap<string, ServiceSnapshot>
  readonly rule: { readonly taskDefinition: string; readonly tag: string } | undefined
}

const snapshot = (sim: SimulatorApi, world: World) =>
  Effect.gen(function*() {
    const tagOf = (arn: string) =>
      Effect.map(sim.taskDefinition(arn), (td) => imageTag(td?.input.containerDefinitions?.[0]?.image ?? ""))
    const services = new Map<string, ServiceSnapshot>()
    for (const s of world.services) {
      const svc = yield* sim.service(s.cluster, s.name, s.region)
      const taskDefinition = svc?.taskDefinition ?? ""
      const deployments = svc?.deployments ?? []
      services.set(s.name, {
        taskDefinition,
        tag: yield* tagOf(taskDefinition),
        // Settled: one deployment left, completed, every desired task running.
        settled: deployments.length === 1 && deployments[0]?.rolloutState === "COMPLETED" &&
          svc?.runningCount === svc?.desiredCount,
        served: yield* sim.servedVersion(s.cluster, s.name, s.region)
      })
    }
    const rule = yield* sim.rule(world.rule.region, world.rule.name)
    const ruleTd = rule?.targets[0]?.EcsParameters?.TaskDefinitionArn
    const snap: Snapshot = {
      services,
      rule: ruleTd === undefined ? undefined : { taskDefinition: ruleTd, tag: yield* tagOf(ruleTd) }
    }
    return snap
  })

const short = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1)

/** Runs the CLI to its end; output passed through or captured. */
const runCli = (
  cliPath: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  capture: Array<string> | undefined
): Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number }> =>
  new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn(process.execPath, [cliPath, ...args], {
      env,
      stdio: capture === undefined ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"]
    })
    child.stdout?.on("data", (d: Buffer) => capture?.push(d.toString()))
    child.stderr?.on("data", (d: Buffer) => capture?.push(d.toString()))
    const limit = setTimeout(() => child.kill("SIGKILL"), RUN_LIMIT_MS)
    child.on("error", (e) => {
      clearTimeout(limit)
      reject(e)
    })
    child.on("close", (code, signal) => {
      clearTimeout(limit)
      resolve({ code, signal, seconds: (Date.now() - started) / 1000 })
    })
  })

export const runDemo = async (options: DemoOptions): Promise<DemoResult> => {
  const { cliPath, log } = options
  const interval = options.checkIntervalSeconds ?? 1
  const capture: Array<string> | undefined = options.stdio === "capture" ? [] : undefined
  const problems: Array<string> = []
  const expect = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem)
  }

  if (!existsSync(cliPath)) {
    const problem = `the bundled CLI ${cliPath} is missing: run \`npm run build\` first`
    log(`gehen demo: ${problem}`)
    return { ok: false, runs: [], problems: [problem], output: "" }
  }
  const sim = await Effect.runPromise(Simulator.make({ behaviour: byImageTag({ [SHA_B]: UNHEALTHY }, HEALTHY) }))
  const world = await Effect.runPromise(seed(sim))
  const server = await startSimServerPromise(sim, { host: "127.0.0.1" })
  const runs: Array<DemoRun> = []
  const dir = tempDir("gehen-demo-")
  try {
    const path = join(dir, "gehen.yml")
    const config = configText(server.url, world, interval)
    writeFileSync(path, config)
    const env = simulatorEnv(server.url, dir)
    const look = () => Effect.runPromise(snapshot(sim, world))

    log(`gehen demo: a local ECS/EventBridge simulator is listening on ${server.url} (no AWS account, no network).`)
    log(`  cluster shop (us-east-1, by name): services web and api, 2 tasks each`)
    log(`  cluster ${world.euCluster} (by ARN): service mailer, 3 tasks, 2 containers (only mailer gets new tags)`)
    log(`  EventBridge rule nightly-report (us-east-1) runs task definition report`)
    log(`  everything runs image tag ${OLD}. The gehen.yml used (removed at the end):`)
    for (const line of config.trimEnd().split("\n")) log(`    ${line}`)
    const before = await look()

    const deployOnce = async (title: string, gitsha: string, expectedCode: number, lines: ReadonlyArray<string>) => {
      log("")
      log(`=== ${title} ===`)
      for (const l of lines) log(`  ${l}`)
      log(`  $ gehen deploy --gitsha ${gitsha} --path ${path}`)
      log("")
      const r = await runCli(cliPath, ["deploy", "--gitsha", gitsha, "--path", path], env, capture)
      const run: DemoRun = { title, gitsha, expectedCode, ...r }
      runs.push(run)
      log("")
      log(`  -> exit ${r.code ?? `signal ${r.signal}`} after ${r.seconds.toFixed(1)} s (expected ${expectedCode})`)
      expect(r.code === expectedCode, `${title}: exit ${r.code ?? r.signal}, expected ${expectedCode}`)
      return run
    }

    await deployOnce(`1/2: deploy ${SHA_A} (healthy)`, SHA_A, 0, [
      `gehen registers a copy of each task definition with tag ${SHA_A}, points the rule at the new`,
      `report revision, updates the three services, waits until each url serves ${SHA_A},`,
      `then until the old tasks have drained. The simulated rollouts take about 2.5 s. Expect exit 0.`
    ])
    const afterA = await look()
    if (runs[0]?.code !== 0) {
      // Run 2's expectations build on run 1's end state.
      throw new Error("run 1 did not deploy, so run 2 was skipped")
    }
    for (const [name, s] of afterA.services) {
      expect(
        s.tag === SHA_A,
        `after run 1, ${name} runs ${short(s.taskDefinition)} with tag ${s.tag}, expected ${SHA_A}`
      )
      expect(s.settled, `after run 1, ${name} has not settled on one deployment`)
      expect(
        s.taskDefinition !== before.services.get(name)?.taskDefinition,
        `after run 1, ${name} still runs its old revision`
      )
    }
    expect(afterA.rule?.tag === SHA_A, `after run 1, the rule runs tag ${afterA.rule?.tag}, expected ${SHA_A}`)

    await deployOnce(`2/2: deploy ${SHA_B} (its tasks turn UNHEALTHY)`, SHA_B, 1, [
      `The simulator makes every task of image tag ${SHA_B} fail its health check 1.5 s after launch.`,
      `gehen's watch sees it while waiting for the urls, fails the run and rolls every change back:`,
      `services to their ${SHA_A} revisions (confirmed: served and drained), the rule to its previous target. Expect exit 1.`
    ])
    const afterB = await look()
    for (const [name, s] of afterB.services) {
      const a = afterA.services.get(name)
      expect(
        s.taskDefinition === a?.taskDefinition,
        `after run 2, ${name} runs ${short(s.taskDefinition)}, expected ${short(a?.taskDefinition ?? "?")}`
      )
      expect(s.settled, `after run 2, ${name} has not settled on one deployment`)
      expect(s.served === SHA_A, `after run 2, ${name}'s url serves ${s.served ?? "nothing"}, expected ${SHA_A}`)
    }
    expect(
      afterB.rule?.taskDefinition === afterA.rule?.taskDefinition,
      `after run 2, the rule targets ${afterB.rule?.taskDefinition ?? "nothing"}, expected ${
        afterA.rule?.taskDefinition ?? "?"
      }`
    )
    const registered = (await Effect.runPromise(sim.calls("RegisterTaskDefinition"))).length
    const updates = (await Effect.runPromise(sim.calls("UpdateService"))).length
    const putTargets = (await Effect.runPromise(sim.calls("PutTargets"))).length

    log("")
    log("=== what happened ===")
    for (const r of runs) {
      log(`  ${r.title}: exit ${r.code ?? r.signal} in ${r.seconds.toFixed(1)} s (expected ${r.expectedCode})`)
    }
    if (problems.length === 0) {
      log(
        `  run 1 moved every target from ${OLD} to ${SHA_A}; run 2 moved them to ${SHA_B}, saw UNHEALTHY tasks and moved them back.`
      )
    }
    log(
      `  The simulator recorded ${registered} RegisterTaskDefinition, ${updates} UpdateService and ${putTargets} PutTargets calls.`
    )
    log("  End state, read from the simulator:")
    for (const [name, s] of afterB.services) {
      log(
        `    service ${name}: ${short(s.taskDefinition)} (tag ${s.tag}), url serves ${s.served ?? "nothing"}, ${
          s.settled ? "settled" : "NOT settled"
        }`
      )
    }
    log(`    rule nightly-report: ${short(afterB.rule?.taskDefinition ?? "none")} (tag ${afterB.rule?.tag ?? "?"})`)
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e))
  } finally {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const ok = problems.length === 0 && runs.length === 2
  if (ok) {
    log(`  OK: both runs behaved as described; everything is back on ${SHA_A}.`)
  } else {
    log("  NOT OK:")
    for (const p of problems) log(`    - ${p}`)
  }
  return { ok, runs, problems, output: capture?.join("") ?? "" }
}
