import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Layer, Schema } from "effect"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runCli, VERSION } from "../src/cli/Cli.js"
import { CliEnvironment } from "../src/cli/Environment.js"
import type { GehenConfig } from "../src/config/Config.js"
import { RunReport } from "../src/report/Report.js"
import { StatusReport } from "../src/status/Status.js"
import { Simulator } from "../src/testing/index.js"
import { VersionProbe } from "../src/ports/VersionProbe.js"
import { makeCapture } from "./support/capture.js"
import { behaviours, OLD, runWithClock, seedWorld, SHA } from "./support/world.js"

const writeConfig = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), "gehen-cli-"))
  const path = join(dir, "gehen.yml")
  writeFileSync(path, text)
  return path
}

const configText = (clusterB: string, extra = "") => `
services:
  api:
    cluster: prod-a
    url: http://api.test/version/prod-a/api
  worker:
    cluster: ${clusterB}
    containers: [worker]
scheduledTasks:
  nightly:
timeoutMinutes: 1
checkIntervalSeconds: 5
${extra}`

/** Runs `gehen <args>` in-process against a fresh simulated world. */
const cli = (
  args: ReadonlyArray<string>,
  options: {
    byTag?: Record<string, "unhealthy" | "never-drain" | "stuck">
    config?: (clusterB: string) => string
    env?: Record<string, string>
    /** What the standard chain answers for the region; null: none. */
    region?: string | null
    isTTY?: boolean
    stdoutIsTTY?: boolean
  } = {}
) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.make({ behaviour: behaviours(options.byTag ?? {}) })
    const world = yield* seedWorld(sim)
    const path = writeConfig((options.config ?? configText)(world.clusterB))
    const roles: Array<string | undefined> = []
    const progress: Array<string> = []
    const env = Layer.succeed(CliEnvironment, {
      aws: (config: GehenConfig) => {
        roles.push(config.role?.arn)
        return Simulator.layer(sim, { region: options.region === undefined ? "us-east-1" : options.region })
      },
      // Only the probe: the AWS ports come from `aws` above.
      probe: Layer.effect(VersionProbe, VersionProbe).pipe(Layer.provide(Simulator.layer(sim))),
      isTTY: options.isTTY ?? false,
      stdoutIsTTY: options.stdoutIsTTY ?? false,
      writeStderr: (chunk: string) => void progress.push(chunk),
      columns: () => 100,
      rows: () => 40,
      env: options.env ?? {}
    })
    const capture = yield* makeCapture
    const argv = ["node", "gehen", ...args.map((a) => a.replace("$PATH", path))]
    const { exit } = yield* runWithClock(
      runCli(argv).pipe(
        Effect.provide(Layer.merge(NodeContext.layer, env)),
        Effect.withConsole(capture.console),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(options.env ?? {}))))
      ),
      "5 seconds"
    )
    if (!Exit.isSuccess(exit)) throw new Error(`runCli failed: ${String(exit.cause)}`)
    return { code: exit.value, sim, world, path, roles, stdout: capture.stdout(), stderr: progress.join("") + capture.stderr() }
  })

describe("gehen deploy (in-process)", () => {
  it.effect("exit 0 when deployed and drained, with a summary on stderr", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH"])
      expect(r.code).toBe(0)
      expect(r.stderr).toContain("deployed and drained")
      expect(r.stderr).toMatch(/api \(cluster prod-a, us-east-1\): api:1 -> api:2 \(0ld0ld0ld0ld -> abcdef1234567890\)/)
      expect(r.stdout).toBe("")
    }))

  it.effect("takes the sha from GEHEN_GITSHA", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--path", "$PATH"], { env: { GEHEN_GITSHA: SHA } })
      expect(r.code).toBe(0)
      const [update] = yield* r.sim.calls("RegisterTaskDefinition")
      expect(JSON.stringify(update?.params)).toContain(SHA)
    }))

  it.effect("exit 1 when the new tasks turn unhealthy and everything is rolled back", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH"], { byTag: { [SHA]: "unhealthy" } })
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("deploy FAILED")
      expect(r.stderr).toContain("rolled back")
    }))

  it.effect("exit 2 when old tasks do not drain in time", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH"], { byTag: { [SHA]: "never-drain" } })
      expect(r.code).toBe(2)
      expect(r.stderr).toContain("timed out waiting for old tasks to drain")
    }))

  it.effect("--output json prints one decodable report on stdout, also on failure", () =>
    Effect.gen(function*() {
      const ok = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--output", "json"])
      const report = Schema.decodeUnknownSync(RunReport)(JSON.parse(ok.stdout))
      expect(report.outcome).toBe("deployed")
      expect(report.services.map((s) => s.name)).toEqual(["api", "worker"])
      const bad = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--output", "json"], { byTag: { [SHA]: "unhealthy" } })
      expect(bad.code).toBe(1)
      expect(Schema.decodeUnknownSync(RunReport)(JSON.parse(bad.stdout)).exitCode).toBe(1)
    }))

  it.effect("--dry-run reads only and prints the plan", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--dry-run"])
      expect(r.code).toBe(0)
      expect(yield* r.sim.mutatingCalls()).toEqual([])
      expect(r.stderr).toContain(`app: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:${OLD} -> 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:${SHA}`)
      expect(r.stderr).toContain("scheduled task nightly")
    }))

  it.effect("passes role.arn to the AWS layer", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--dry-run"], {
        config: (b) => configText(b, "role:\n  arn: arn:aws:iam::123456789012:role/deployer\n")
      })
      expect(r.code).toBe(0)
      expect(r.roles).toEqual(["arn:aws:iam::123456789012:role/deployer"])
    }))
})

describe("bad input: exit 1, a clear message, no AWS call", () => {
  const cases: ReadonlyArray<[string, ReadonlyArray<string>, ((b: string) => string) | undefined, RegExp]> = [
    ["a sha that is no Docker tag", ["deploy", "--gitsha", "feature/x", "--path", "$PATH"], undefined, /--gitsha "feature\/x"/],
    ["a sha starting with a dot", ["deploy", "--gitsha", ".abc", "--path", "$PATH"], undefined, /expected a Docker image tag/],
    ["a sha longer than 128 characters", ["deploy", "--gitsha", "a".repeat(129), "--path", "$PATH"], undefined, /128/],
    ["an unknown key", ["deploy", "--gitsha", SHA, "--path", "$PATH"], (b) => configText(b, "timeoutMinute: 3\n"), /gehen\.yml: timeoutMinute/],
    ["an unknown updateStrategy", ["deploy", "--gitsha", SHA, "--path", "$PATH"], (b) => configText(b, "updateStrategy: fastest\n"), /updateStrategy/],
    ["a list instead of a map", ["deploy", "--gitsha", SHA, "--path", "$PATH"], () => "services:\n  - api\n", /services: expected a map/],
    ["a missing config file", ["deploy", "--gitsha", SHA, "--path", "/nonexistent/gehen.yml"], undefined, /\/nonexistent\/gehen\.yml/]
  ]
  for (const [name, args, config, message] of cases) {
    it.effect(name, () =>
      Effect.gen(function*() {
        const r = yield* cli(args, config ? { config } : {})
        expect(r.code).toBe(1)
        expect(r.stderr).toMatch(message)
        expect(yield* r.sim.calls()).toEqual([])
      }))
  }

  it.effect("no region for a cluster given by name", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH"], {
        region: null,
        config: () => "services:\n  api:\n    cluster: prod-a\n"
      })
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/no AWS region/)
      expect(yield* r.sim.calls()).toEqual([])
    }))

  it.effect("--gitsha wins over GEHEN_GITSHA", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", "fedcba9876", "--path", "$PATH", "--dry-run", "--output", "json"], {
        env: { GEHEN_GITSHA: SHA }
      })
      expect(r.code).toBe(0)
      expect(r.stdout).toContain("fedcba9876")
      expect(r.stdout).not.toContain(SHA)
    }))

  it.effect("a missing --gitsha", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--path", "$PATH"])
      expect(r.code).toBe(1)
      expect(yield* r.sim.calls()).toEqual([])
    }))

  it.effect("--help is plain on a pipe and with NO_COLOR, coloured on a terminal", () =>
    Effect.gen(function*() {
      const piped = yield* cli(["--help"])
      expect(piped.code).toBe(0)
      expect(piped.stdout).toContain("deploy")
      expect(piped.stdout).not.toContain("\u001b[")
      const terminal = yield* cli(["--help"], { stdoutIsTTY: true })
      expect(terminal.stdout).toContain("\u001b[")
      const noColor = yield* cli(["--help"], { stdoutIsTTY: true, env: { NO_COLOR: "1" } })
      expect(noColor.stdout).not.toContain("\u001b[")
      expect(noColor.stdout).toBe(piped.stdout)
    }))

  it.effect("--version prints the version", () =>
    Effect.gen(function*() {
      const r = yield* cli(["--version"])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(VERSION)
    }))
})

describe("gehen status (in-process)", () => {
  it.effect("prints what runs now, as text and as JSON, and changes nothing", () =>
    Effect.gen(function*() {
      const text = yield* cli(["status", "--path", "$PATH"])
      expect(text.code).toBe(0)
      expect(text.stdout).toContain("api")
      expect(text.stdout).toContain(OLD)
      expect(text.stdout).toContain("nightly")
      const json = yield* cli(["status", "--path", "$PATH", "--output", "json"])
      expect(json.code).toBe(0)
      const report = Schema.decodeUnknownSync(StatusReport)(JSON.parse(json.stdout))
      expect(report.services.map((s) => s.name)).toEqual(["api", "worker"])
      expect(yield* json.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("colours its answer by where stdout goes, not stderr", () =>
    Effect.gen(function*() {
      const piped = yield* cli(["status", "--path", "$PATH"], { isTTY: true })
      expect(piped.stdout).toContain("api")
      expect(piped.stdout).not.toContain("\u001b[")
      const terminal = yield* cli(["status", "--path", "$PATH"], { stdoutIsTTY: true })
      expect(terminal.stdout).toContain("\u001b[")
    }))
})

describe("GitHub Actions", () => {
  it.effect("groups phases, annotates failures and appends an outcome table and a gantt chart to the step summary", () =>
    Effect.gen(function*() {
      const summary = join(mkdtempSync(join(tmpdir(), "gehen-gha-")), "summary.md")
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH"], {
        byTag: { [SHA]: "unhealthy" },
        env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary }
      })
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("::group::")
      expect(r.stderr).toContain("::endgroup::")
      expect(r.stderr).toMatch(/::error title=.*::.*UNHEALTHY/)
      const md = readFileSync(summary, "utf8")
      expect(md).toMatch(/\| service api \| prod-a \| us-east-1 \|.*rolled back/)
      expect(md).toContain("```mermaid")
      expect(md).toContain("gantt")
    }))
})
