// What a team swapping the Go Gehen for gehen in a CI script runs, and what a new user tries first.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { VERSION } from "../../src/cli/Cli.js"
import { PlanReport, RunReport } from "../../src/report/Report.js"
import { cli } from "../support/inProcess.js"
import { SHA } from "../support/world.js"

describe("the original's invocation, unchanged", () => {
  it.effect("gehen -gitsha <sha> -path <file> deploys, exit 0", () =>
    Effect.gen(function*() {
      const r = yield* cli(["-gitsha", SHA, "-path", "$PATH"])
      expect(r.code).toBe(0)
      expect(r.stderr).toContain("deployed and drained")
    }))

  it.effect("gehen -gitsha=<sha> -path=<file> and gehen deploy -gitsha <sha> too", () =>
    Effect.gen(function*() {
      expect((yield* cli([`-gitsha=${SHA}`, "-path=$PATH", "--dry-run"])).code).toBe(0)
      const r = yield* cli(["deploy", "-gitsha", SHA, "-path", "$PATH", "--dry-run"])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(`gehen plan for ${SHA}`)
    }))

  it.effect("gehen with no arguments prints the usage on stderr and exits 1, calling nothing", () =>
    Effect.gen(function*() {
      const r = yield* cli([])
      expect(r.code).toBe(1)
      expect(r.stdout).toBe("")
      expect(r.stderr).toContain("Usage: gehen deploy --gitsha <sha>")
      expect(yield* r.sim.calls()).toEqual([])
    }))

  it.effect("gehen -version prints the version alone", () =>
    Effect.gen(function*() {
      for (const flag of ["-version", "--version"]) {
        const r = yield* cli([flag])
        expect(r.code).toBe(0)
        expect(r.stdout.trim()).toBe(VERSION)
      }
    }))
})

describe("help and usage errors", () => {
  it.effect("gehen --help: real usage lines, each option with its default and variable, examples, exit codes, no dead options", () =>
    Effect.gen(function*() {
      const top = yield* cli(["--help"])
      expect(top.code).toBe(0)
      expect(top.stdout).toContain("Usage: gehen <command> [options]")
      expect(top.stdout).toContain("gehen -gitsha <sha> [-path gehen.yml]")
      const deploy = yield* cli(["deploy", "--help"])
      expect(deploy.stdout).toContain("Usage: gehen deploy --gitsha <sha>")
      expect(deploy.stdout).toMatch(/--gitsha <sha> .*Required\. Env: GEHEN_GITSHA/)
      expect(deploy.stdout).toMatch(/--path <file> .*Default: gehen\.yml/)
      expect(deploy.stdout).toMatch(/--on-interrupt rollback\|leave .*Default: rollback/)
      expect(deploy.stdout).toContain("Examples:")
      expect(deploy.stdout).toMatch(/ 3 {4}failed, and some restore did not hold/)
      for (const text of [top.stdout, deploy.stdout, (yield* cli(["status", "--help"])).stdout]) {
        expect(text).not.toMatch(/--wizard|--log-level|\$ deploy/)
        expect(text.split("\n").length).toBeLessThan(40)
      }
    }))

  it.effect("a usage error starts with gehen:, names the nearest option and points to --help; on GitHub Actions it is annotated and summarized", () =>
    Effect.gen(function*() {
      const summary = join(mkdtempSync(join(tmpdir(), "gehen-usage-")), "summary.md")
      const r = yield* cli(["deploy", "--dryrun", "--gitsha", SHA], {
        env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary }
      })
      expect(readFileSync(summary, "utf8")).toContain("the command line was refused")
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(
        "gehen: unknown option --dryrun for gehen deploy (did you mean --dry-run?); see gehen deploy --help"
      )
      expect(r.stderr).toContain("::error title=gehen::gehen: unknown option --dryrun")
      expect(yield* r.sim.calls()).toEqual([])
    }))

  it.effect("a missing --gitsha names GEHEN_GITSHA", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--path", "$PATH"])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain("gehen: no version to deploy: pass --gitsha <sha> or set GEHEN_GITSHA")
      expect(yield* r.sim.calls()).toEqual([])
    }))
})

describe("outputs that fit pipes and CI", () => {
  const twoProblems = (clusterB: string) => `
services:
  api:
    cluster: prod-a
  ghost:
    cluster: ${clusterB}
scheduledTasks:
  nope:
`

  it.effect("a plan that stops: every problem in the JSON report, on stderr and as its own GitHub annotation, and the step summary", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "gehen-summary-"))
      const summary = join(dir, "summary.md")
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--output", "json"], {
        config: twoProblems,
        env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary }
      })
      expect(r.code).toBe(1)
      const report = Schema.decodeUnknownSync(RunReport)(JSON.parse(r.stdout))
      expect(report.problems.map((p) => p.target)).toEqual([
        "scheduled task nope",
        `service ghost (cluster ${r.world.clusterB})`
      ])
      const annotations = r.stderr.split("\n").filter((l) => l.startsWith("::error"))
      expect(annotations).toHaveLength(2)
      expect(annotations.join("\n")).toContain("title=service ghost")
      expect(readFileSync(summary, "utf8")).toContain("service ghost")
      expect(yield* r.sim.mutatingCalls()).toEqual([])
    }))

  it.effect("--dry-run --output json prints a plan report on failure too", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH", "--output", "json", "--dry-run"], {
        config: twoProblems
      })
      expect(r.code).toBe(1)
      const plan = Schema.decodeUnknownSync(PlanReport)(JSON.parse(r.stdout))
      expect(plan.dryRun).toBe(true)
      expect(plan.exitCode).toBe(1)
      expect(plan.problems).toHaveLength(2)
      expect(plan.deployedAs?.account).toBe("123456789012")
    }))

  it.effect("config errors are annotated one by one", () =>
    Effect.gen(function*() {
      const r = yield* cli(["deploy", "--gitsha", SHA, "--path", "$PATH"], {
        config: () => "services:\n  api:\n    cluster: prod-a\n    url: ftp://x\ntimeoutMinute: 3\n",
        env: { GITHUB_ACTIONS: "true" }
      })
      expect(r.code).toBe(1)
      expect(r.stderr.split("\n").filter((l) => l.startsWith("::error"))).toHaveLength(2)
      expect(yield* r.sim.calls()).toEqual([])
    }))
})
