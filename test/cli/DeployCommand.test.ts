import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Schema } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { VERSION } from "../../src/cli/Cli.js"
import { VersionProbe } from "../../src/ports/VersionProbe.js"
import { PlanReport, RunReport } from "../../src/report/Report.js"
import { StatusReport } from "../../src/status/Status.js"
import { cli, configText } from "../support/inProcess.js"
import { OLD, SHA } from "../support/world.js"

describe("gehen deploy (in-process)", () => {
  it.effect("exit 0 when deployed and drained, with a summary on stderr", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH"])
      expect(r.code).toBe(0)
      expect(r.stderr).toContain("deployed and drained")
      expect(r.stderr).toMatch(/api \(cluster prod-a, us-east-1\): api:1 -> api:2 \(0ld0ld0ld0ld -> abcdef1234567890\)/)
      expect(r.stdout).toBe("")
    }))

  it.effect("a defect is a defect: its report (--output json) and summary are printed, then the command ends with it (exit 1 in the CLI)", () =>
    Effect.gen(function*() {
      const broken = Layer.succeed(VersionProbe, {
        probe: () => Effect.die(new TypeError("cannot read properties of undefined"))
      })
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--output", "json"], { probe: broken })
      expect("exit" in r && Exit.isFailure(r.exit) && Cause.isDie(r.exit.cause)).toBe(true)
      const report = Schema.decodeUnknownSync(RunReport)(JSON.parse(r.stdout))
      expect(report).toMatchObject({ outcome: "failed", exitCode: 1 })
      expect(report.error).toMatch(/^unexpected failure: TypeError: cannot read properties of undefined/)
      expect(r.stderr).toContain("unexpected failure")
      expect(yield* r.sim.mutatingCalls()).toEqual([])
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
      const bad = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--output", "json"], {
        byTag: { [SHA]: "unhealthy" }
      })
      expect(bad.code).toBe(1)
      expect(Schema.decodeUnknownSync(RunReport)(JSON.parse(bad.stdout)).exitCode).toBe(1)
    }))

  it.effect("--dry-run reads only and prints the plan", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--dry-run"])
      expect(r.code).toBe(0)
      expect(yield* r.sim.mutatingCalls()).toEqual([])
      // The plan is the command's answer: on stdout.
      expect(r.stdout).toContain(
        `app: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:${OLD} -> 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:${SHA}`
      )
      expect(r.stdout).toContain("scheduled task nightly")
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
    [
      "a sha that is no Docker tag",
      ["deploy", "--gitsha", "feature/x", "--path", "$PATH"],
      undefined,
      /--gitsha "feature\/x"/
    ],
    [
      "a sha starting with a dot",
      ["deploy", "--gitsha", ".abc", "--path", "$PATH"],
      undefined,
      /expected a Docker image tag/
    ],
    ["a sha longer than 128 characters", ["deploy", "--gitsha", "a".repeat(129), "--path", "$PATH"], undefined, /128/],
    [
      "an unknown key",
      ["deploy", "--gitsha", SHA, "--path", "$PATH"],
      (b) => configText(b, "timeoutMinute: 3\n"),
      /gehen\.yml:\d+(:\d+)?: timeoutMinute/
    ],
    [
      "an unknown updateStrategy",
      ["deploy", "--gitsha", SHA, "--path", "$PATH"],
      (b) => configText(b, "updateStrategy: fastest\n"),
      /updateStrategy/
    ],
    [
      "a list instead of a map",
      ["deploy", "--gitsha", SHA, "--path", "$PATH"],
      () => "services:\n  - api\n",
      /services: expected a map/
    ],
    [
      "a missing config file",
      ["deploy", "--gitsha", SHA, "--path", "/nonexistent/gehen.yml"],
      undefined,
      /\/nonexistent\/gehen\.yml/
    ]
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
  it.effect("prints what runs now, as text and as JSON, exits 0 when every target was found, and changes nothing", () =>
    Effect.gen(function*() {
      const text = yield* cli(["status", "--path", "$PATH"])
      expect(text.code).toBe(0)
      expect(text.stderr).toBe("")
      expect(text.stdout).toContain("api")
      expect(text.stdout).toContain(OLD)
      expect(text.stdout).toContain("nightly")
      const json = yield* cli(["status", "--path", "$PATH", "--output", "json"])
      expect(json.code).toBe(0)
      expect(json.stderr).toBe("")
      const report = Schema.decodeUnknownSync(StatusReport)(JSON.parse(json.stdout))
      expect(report.schemaVersion).toBe(2)
      expect(report.services.map((s) => [s.kind, s.name, s.cluster, s.region, s.state])).toEqual([
        ["service", "api", "prod-a", "us-east-1", "found"],
        ["service", "worker", "prod-b", "us-west-2", "found"]
      ])
      // A scheduled task is `name`, with a null cluster, as in the run report.
      expect(report.scheduledTasks.map((t) => [t.kind, t.name, t.cluster, t.region, t.state])).toEqual([
        ["scheduled-task", "nightly", null, "us-east-1", "found"]
      ])
      expect(yield* json.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("a missing cluster, service or rule is its target's entry: the others are read, exit 1, a summary on stderr", () =>
    Effect.gen(function*() {
      const config = (b: string) => `
services:
  api-gone:
    name: api
    cluster: no-such-cluster
  api:
    cluster: prod-a
  ghost:
    cluster: prod-a
  worker:
    cluster: ${b}
    containers: [worker]
scheduledTasks:
  vanished:
  nightly:
`
      const text = yield* cli(["status", "--path", "$PATH"], { config })
      expect(text.code).toBe(1)
      expect(text.stdout).toContain("service api (cluster no-such-cluster, us-east-1): MISSING: cluster not found")
      expect(text.stdout).toContain(`service api (cluster prod-a, us-east-1): steady, 2/2 running, runs ${OLD}`)
      expect(text.stdout).toContain("service ghost (cluster prod-a, us-east-1): MISSING: service not found")
      expect(text.stdout).toContain("service worker (cluster prod-b, us-west-2): steady")
      expect(text.stdout).toContain("scheduled task vanished (us-east-1): MISSING: rule not found")
      expect(text.stdout).toContain(`scheduled task nightly (us-east-1): runs report:1, ${OLD}`)
      expect(text.stderr).toBe(
        "gehen: 3 of 6 targets could not be read: scheduled task vanished (missing), " +
          "service api in cluster no-such-cluster (missing), service ghost in cluster prod-a (missing)"
      )
      const json = yield* cli(["status", "--path", "$PATH", "--output", "json"], { config })
      expect(json.code).toBe(1)
      expect(json.stderr).toContain("gehen: 3 of 6 targets could not be read")
      const report = Schema.decodeUnknownSync(StatusReport)(JSON.parse(json.stdout))
      expect(report.services.map((s) => `${s.name}@${s.cluster}: ${s.state}`)).toEqual([
        "api@no-such-cluster: missing",
        "api@prod-a: found",
        "ghost@prod-a: missing",
        "worker@prod-b: found"
      ])
      expect(report.scheduledTasks.map((t) => `${t.name}: ${t.state}`)).toEqual(["vanished: missing", "nightly: found"])
      expect(yield* json.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("a config error or a missing region: exit 1 with its message, before any AWS call", () =>
    Effect.gen(function*() {
      const bad = yield* cli(["status", "--path", "$PATH"], { config: (b) => configText(b, "timeoutMinute: 3\n") })
      expect(bad.code).toBe(1)
      expect(bad.stdout).toBe("")
      expect(bad.stderr).toMatch(/^gehen: .*gehen\.yml.*timeoutMinute/)
      expect(yield* bad.sim.calls()).toEqual([])
      const noRegion = yield* cli(["status", "--path", "$PATH"], { region: null })
      expect(noRegion.code).toBe(1)
      expect(noRegion.stdout).toBe("")
      expect(noRegion.stderr).toContain("no AWS region")
      expect(yield* noRegion.sim.calls()).toEqual([])
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

describe("--only key[,key...]: the other targets are neither read nor changed", () => {
  it.effect("deploy --only api: only api is planned, updated and reported; worker and nightly are never described", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--only", "api", "--output", "json"])
      expect(r.code).toBe(0)
      const report = Schema.decodeUnknownSync(RunReport)(JSON.parse(r.stdout))
      expect(report.services.map((s) => s.name)).toEqual(["api"])
      expect(report.scheduledTasks).toEqual([])
      const calls = yield* r.sim.calls()
      expect(calls.filter((c) => c.operation === "UpdateService").map((c) => c.params["service"])).toEqual(["api"])
      expect(calls.map((c) => c.operation)).not.toContain("ListTargetsByRule")
      expect(calls.map((c) => c.operation)).not.toContain("PutTargets")
      // Not a read names them.
      expect(JSON.stringify(calls)).not.toMatch(/worker|nightly|report|prod-b/)
    }))

  it.effect("deploy --only nightly,worker --dry-run: the plan describes those two only, in file order", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--only", "nightly,worker", "--dry-run"])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain("scheduled task nightly")
      expect(r.stdout).toMatch(/worker/)
      expect(r.stdout).not.toMatch(/\bapi\b/)
      expect(yield* r.sim.mutatingCalls()).toEqual([])
      expect(JSON.stringify(yield* r.sim.calls())).not.toMatch(/"api"|prod-a"|api:1/)
    }))

  it.effect("rollback --only nightly reads nightly alone", () =>
    Effect.gen(function*() {
      const r = yield* cli(["rollback", "--path", "$PATH", "--only", "nightly", "--dry-run", "--output", "json"])
      // Nothing earlier to go back to in this world: the plan stops, about nightly only.
      expect(r.code).toBe(1)
      const plan = Schema.decodeUnknownSync(PlanReport)(JSON.parse(r.stdout))
      expect(plan.problems.map((p) => p.target)).toEqual(["scheduled task nightly"])
      const calls = yield* r.sim.calls()
      expect(calls.map((c) => c.operation)).not.toContain("DescribeServices")
      expect(JSON.stringify(calls)).not.toMatch(/"api"|worker/)
    }))

  it.effect("an unknown key is a usage error naming the nearest key: exit 1, no AWS call, an error report", () =>
    Effect.gen(function*() {
      const summary = join(mkdtempSync(join(tmpdir(), "gehen-only-")), "summary.md")
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--only", "api,wroker", "--output", "json"], {
        env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary }
      })
      expect(r.code).toBe(1)
      const message =
        /gehen: --only: no service or scheduled task "wroker" \(did you mean "worker"\?\) in .*gehen\.yml; its keys: api, worker, nightly; see gehen deploy --help/
      expect(r.stderr).toMatch(message)
      expect(r.stderr).toMatch(/::error title=gehen::--only: no service or scheduled task "wroker"/)
      const report = Schema.decodeUnknownSync(RunReport)(JSON.parse(r.stdout))
      expect(report).toMatchObject({ outcome: "error", exitCode: 1, gitsha: SHA, services: [], scheduledTasks: [] })
      expect(report.problems).toHaveLength(1)
      expect(readFileSync(summary, "utf8")).toContain("the command line was refused")
      expect(yield* r.sim.calls()).toEqual([])
      // The same with --dry-run: a usage error is not a plan.
      const dry = yield* cli(["rollback", "--path", "$PATH", "--only", "nigthly", "--dry-run", "--output", "json"])
      expect(dry.code).toBe(1)
      expect(dry.stderr).toContain(`(did you mean "nightly"?)`)
      expect(Schema.decodeUnknownSync(RunReport)(JSON.parse(dry.stdout)).outcome).toBe("error")
    }))
})

describe("the command line's gaps", () => {
  it.effect("Go's --dry-run=false deploys; --dry-run=true only plans", () =>
    Effect.gen(function*() {
      const real = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--dry-run=false"])
      expect(real.code).toBe(0)
      expect(real.stderr).toContain("deployed and drained")
      const planned = yield* cli(["-gitsha", SHA, "-path", "$PATH", "-dry-run=true"])
      expect(planned.code).toBe(0)
      expect(planned.stdout).toContain(`gehen plan for ${SHA}`)
      expect(yield* planned.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("gehen version prints what gehen --version prints", () =>
    Effect.gen(function*() {
      const word = yield* cli(["version"])
      const flag = yield* cli(["--version"])
      expect(word.code).toBe(0)
      expect(word.stdout).toBe(flag.stdout)
      expect(word.stdout).toBe(VERSION)
    }))

  it.effect("--help names GEHEN_GITSHA, the version command and --only", () =>
    Effect.gen(function*() {
      const top = yield* cli(["--help"])
      expect(top.stdout).toMatch(/GEHEN_GITSHA +The version to deploy when --gitsha is not given/)
      expect(top.stdout).toMatch(/^ {2}version +Print the version$/m)
      for (const command of ["deploy", "rollback", "status"]) {
        expect((yield* cli([command, "--help"])).stdout).toMatch(
          /--only <key>\[,<key>\.\.\.\] +Only these services and scheduled tasks/
        )
      }
    }))

  it.effect("--completions: a script for a shell; a missing or unknown shell is a gehen: usage error, with a report under --output json", () =>
    Effect.gen(function*() {
      const bash = yield* cli(["--completions", "bash"])
      expect(bash.code).toBe(0)
      expect(bash.stdout).toContain("_gehen_bash_completions")
      const none = yield* cli(["--completions"])
      expect(none.code).toBe(1)
      expect(none.stderr).toBe("gehen: --completions needs a shell: bash, zsh, fish or sh; see gehen --help")
      expect(none.stdout).toBe("")
      const json = yield* cli(["--completions", "pwsh", "--output", "json"])
      expect(json.code).toBe(1)
      expect(json.stderr).toMatch(/^gehen: --completions "pwsh": expected bash, zsh, fish or sh/)
      expect(Schema.decodeUnknownSync(RunReport)(JSON.parse(json.stdout)).outcome).toBe("error")
    }))

  it.effect("--gitsha -bad gets the tag rule, not \"no version to deploy\"", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", "-bad", "--path", "$PATH", "--output", "json"])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(
        /^gehen: --gitsha "-bad": expected a Docker image tag: .*not starting with \. or -; see gehen deploy --help$/
      )
      const report = Schema.decodeUnknownSync(RunReport)(JSON.parse(r.stdout))
      expect(report).toMatchObject({ outcome: "error", gitsha: "-bad" })
      expect(yield* r.sim.calls()).toEqual([])
    }))

  it.effect("--output json prints a report for a missing --gitsha, a flag typo and a missing --path file", () =>
    Effect.gen(function*() {
      const noSha = yield* cli(["deploy", "--path", "$PATH", "--output", "json"])
      expect(noSha.code).toBe(1)
      expect(Schema.decodeUnknownSync(RunReport)(JSON.parse(noSha.stdout))).toMatchObject({
        outcome: "error",
        exitCode: 1,
        command: "deploy",
        gitsha: null,
        error: "no version to deploy: pass --gitsha <sha> or set GEHEN_GITSHA; see gehen deploy --help"
      })
      const typo = yield* cli(["rollback", "--pth", "$PATH", "--output", "json"])
      expect(typo.code).toBe(1)
      expect(Schema.decodeUnknownSync(RunReport)(JSON.parse(typo.stdout))).toMatchObject({
        outcome: "error",
        command: "rollback",
        gitsha: null,
        problems: [{
          target: null,
          problem: "unknown option --pth for gehen rollback (did you mean --path?); see gehen rollback --help"
        }]
      })
      const noFile = yield* cli(["deploy", "--gitsha", SHA, "--path", "/nonexistent/gehen.yml", "--output", "json"])
      expect(noFile.code).toBe(1)
      expect(Schema.decodeUnknownSync(RunReport)(JSON.parse(noFile.stdout)).problems[0]?.problem).toContain(
        "/nonexistent/gehen.yml"
      )
    }))
})
