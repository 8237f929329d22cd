// The GitHub Action (action.yml) run as the runner runs a Node action: the runner's Node
// runs `runs.main` in the job's workspace with INPUT_<NAME> for every input (given, else
// its default, evaluated), the job's environment and GITHUB_* files, here against the
// simulator over HTTP. The action runs from a copy of its own files alone (action.yml and
// action/), in a directory with no node_modules above it: nothing is installed or built.
import { Effect, Schema } from "effect"
import { execFile, spawn } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { HistoryReport } from "../../src/history/History.js"
import { RunReport } from "../../src/report/Report.js"
import { StatusReport } from "../../src/status/Status.js"
import { setupDeploy } from "../support/subprocess.js"
import { waitFor } from "../support/waitFor.js"
import { OLD, SHA } from "../support/world.js"

const exec = promisify(execFile)
const ROOT = join(import.meta.dirname, "..", "..")

interface ActionInput {
  readonly description?: string
  readonly default?: string
}
interface Action {
  readonly inputs: Readonly<Record<string, ActionInput>>
  readonly outputs: Readonly<Record<string, { readonly description?: string; readonly value?: string }>>
  readonly runs: {
    readonly using: string
    readonly main: string
    readonly pre?: string
    readonly post?: string
    readonly steps?: unknown
  }
}

const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as Action

/** The action as a workflow gets it (`uses: owner/gehen@ref`): its own files, nothing else. */
const checkout = mkdtempSync(join(tmpdir(), "gehen-action-"))
cpSync(join(ROOT, "action.yml"), join(checkout, "action.yml"))
cpSync(join(ROOT, "action"), join(checkout, "action"), { recursive: true })

type Inputs = Partial<Record<"gitsha" | "path" | "command" | "args", string>>

/**
 * `${{ ... }}` as the runner evaluates it in an input's default: github.sha only; any
 * other expression fails the test, so action.yml cannot use one this test does not know.
 */
const evaluate = (text: string, sha: string): string =>
  text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expr: string) => {
    if (expr === "github.sha") return sha
    throw new Error(`unknown expression in action.yml: ${expr}`)
  })

/** What the runner puts in a Node action's environment for its inputs: INPUT_<NAME>, given or defaulted. */
const inputEnv = (inputs: Inputs, sha: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(action.inputs).map(([name, declared]) => [
      `INPUT_${name.replace(/ /g, "_").toUpperCase()}`,
      inputs[name as keyof Inputs] ?? evaluate(declared.default ?? "", sha)
    ])
  )

/** The GITHUB_OUTPUT file format: `name=value` lines and `name<<DELIMITER` heredocs. */
const parseOutputs = (text: string): Record<string, string> => {
  const outputs: Record<string, string> = {}
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc !== null) {
      const end = lines.indexOf(heredoc[2]!, i + 1)
      outputs[heredoc[1]!] = lines.slice(i + 1, end).join("\n")
      i = end
    } else if (line.includes("=")) {
      outputs[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1)
    }
  }
  return outputs
}

interface StepRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly outputs: Record<string, string>
  readonly summary: string
  readonly runnerTemp: string
}

/**
 * Starts the action as the runner would: `node <runs.main>` from the action's checkout,
 * in `workspace`, with the job's environment, the inputs and GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files created empty.
 */
const startStep = (workspace: string, jobEnv: NodeJS.ProcessEnv, inputs: Inputs, sha = SHA) => {
  const runner = mkdtempSync(join(tmpdir(), "gehen-runner-"))
  const runnerTemp = mkdtempSync(join(runner, "temp-"))
  const outputFile = join(runner, "output")
  const summaryFile = join(runner, "summary.md")
  writeFileSync(outputFile, "")
  writeFileSync(summaryFile, "")
  const env: NodeJS.ProcessEnv = {
    ...jobEnv,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_SHA: sha,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    ...inputEnv(inputs, sha)
  }
  const child = spawn(process.execPath, [join(checkout, action.runs.main)], {
    cwd: workspace,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<StepRun>((resolve) =>
    child.on("close", (code) =>
      resolve({
        code,
        stdout,
        stderr,
        outputs: parseOutputs(readFileSync(outputFile, "utf8")),
        summary: readFileSync(summaryFile, "utf8"),
        runnerTemp
      }))
  )
  return { child, done, stderr: () => stderr }
}

const runStep = (workspace: string, jobEnv: NodeJS.ProcessEnv, inputs: Inputs, sha?: string) =>
  startStep(workspace, jobEnv, inputs, sha).done

const readReport = (run: StepRun): unknown => {
  expect(run.outputs["report"]!.startsWith(run.runnerTemp)).toBe(true)
  return JSON.parse(readFileSync(run.outputs["report"]!, "utf8"))
}

const worlds: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()))
  rmSync(checkout, { recursive: true, force: true })
})

describe("action.yml", () => {
  it("is a Node action on the runner's Node 24, with the inputs and outputs of its contract", () => {
    expect(action.runs).toEqual({ using: "node24", main: "action/run.mjs" })
    expect(Object.keys(action.inputs).sort()).toEqual(["args", "command", "gitsha", "path"])
    expect(action.inputs["gitsha"]?.default).toBe("${{ github.sha }}")
    expect(action.inputs["path"]?.default).toBe("gehen.yml")
    expect(action.inputs["command"]?.default).toBe("deploy")
    expect(action.inputs["args"]?.default).toBe("")
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy()
    expect(Object.keys(action.outputs).sort()).toEqual(["exit-code", "outcome", "report"])
    for (const [name, output] of Object.entries(action.outputs)) expect(output.description, name).toBeTruthy()
  })

  it("runs the CLI committed in action/dist, with the licences of what it bundles beside it", () => {
    for (const f of ["gehen.cjs", "main.cjs", "THIRD_PARTY_LICENSES.txt"]) {
      expect(existsSync(join(ROOT, "action", "dist", f)), f).toBe(true)
    }
    expect(readFileSync(join(ROOT, "action", "run.mjs"), "utf8")).toContain(`"dist", "gehen.cjs"`)
    const licences = readFileSync(join(ROOT, "action", "dist", "THIRD_PARTY_LICENSES.txt"), "utf8")
    for (const name of ["@aws-sdk/client-ecs", "effect", "yaml", "hot-shots", "@sentry/core"]) {
      expect(licences).toMatch(new RegExp(`^${name}@[^ ]+ \\(`, "m"))
    }
  })

  it("the committed bundle is what the sources build, byte for byte, on this Node", async () => {
    const r = await exec(process.execPath, ["scripts/action.mjs", "--check"], { cwd: ROOT }).catch((
      e: { stderr: string }
    ) => e)
    expect("stderr" in r ? r.stderr : "").toBe("")
  }, 120_000)
})

describe.concurrent("the action's run step against the simulator", () => {
  it("deploy with the defaults (gitsha: the commit's sha, path: gehen.yml): deployed, exit 0, a RunReport, a step summary", async () => {
    const s = await setupDeploy(worlds)
    const run = await runStep(s.dir, s.env, {}, SHA)
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ outcome: "deployed", "exit-code": "0" })
    const report = Schema.decodeUnknownSync(RunReport)(readReport(run))
    expect(report).toMatchObject({ gitsha: SHA, outcome: "deployed", exitCode: 0 })
    expect(run.summary).toContain("api")
    expect(run.stderr).toContain("::group::")
    expect(run.stdout).toContain(`gehen deploy: deployed, exit 0; JSON report at ${run.outputs["report"]}`)
  })

  it("a failing deploy (new tasks unhealthy): outcome failed, exit-code 1, ::error annotations, the step exits 1", async () => {
    const s = await setupDeploy(worlds, {
      [SHA]: { kind: "unhealthy", startAfter: 0.1, healthyAfter: 0.3, replaceAfter: 0.2 }
    }, {
      timeoutMinutes: 0.5
    })
    const run = await runStep(s.dir, s.env, { gitsha: SHA })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ outcome: "failed", "exit-code": "1" })
    expect(run.stderr).toMatch(/^::error /m)
    const report = Schema.decodeUnknownSync(RunReport)(readReport(run))
    expect(report.outcome).toBe("failed")
    expect(run.summary).not.toBe("")
  })

  it("status takes no gitsha: outcome found, exit 0, a StatusReport", async () => {
    const s = await setupDeploy(worlds)
    const run = await runStep(s.dir, s.env, { command: "status" })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ outcome: "found", "exit-code": "0" })
    const report = Schema.decodeUnknownSync(StatusReport)(readReport(run))
    expect(report.services.map((t) => t.state)).toEqual(["found", "found"])
  })

  it("status with a missing service: outcome incomplete, exit 1, the report still written", async () => {
    const s = await setupDeploy(worlds)
    writeFileSync(join(s.dir, "status.yml"), "services:\n  api:\n    cluster: prod-a\n  ghost:\n    cluster: prod-a\n")
    const run = await runStep(s.dir, s.env, { command: "status", path: "status.yml" })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ outcome: "incomplete", "exit-code": "1" })
    const report = Schema.decodeUnknownSync(StatusReport)(readReport(run))
    expect(report.services.map((t) => t.state)).toEqual(["found", "missing"])
  })

  it("history takes no gitsha: outcome found, exit 0, a HistoryReport; a missing service makes it incomplete", async () => {
    const s = await setupDeploy(worlds)
    const run = await runStep(s.dir, s.env, { command: "history" })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ outcome: "found", "exit-code": "0" })
    const report = Schema.decodeUnknownSync(HistoryReport)(readReport(run))
    expect(report.services.map((t) => t.problem)).toEqual([null, null])
    writeFileSync(join(s.dir, "history.yml"), "services:\n  api:\n    cluster: prod-a\n  ghost:\n    cluster: prod-a\n")
    const missing = await runStep(s.dir, s.env, { command: "history", path: "history.yml" })
    expect(missing.code).toBe(1)
    expect(missing.outputs).toMatchObject({ outcome: "incomplete", "exit-code": "1" })
    const partial = Schema.decodeUnknownSync(HistoryReport)(readReport(missing))
    expect(partial.services.map((t) => t.problem === null)).toEqual([true, false])
  })

  it("deploy --dry-run through args: outcome planned, exit 0, no change", async () => {
    const s = await setupDeploy(worlds)
    const run = await runStep(s.dir, s.env, { gitsha: SHA, args: " --dry-run " })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ outcome: "planned", "exit-code": "0" })
    expect(readReport(run)).toMatchObject({ dryRun: true, gitsha: SHA })
    expect(await Effect.runPromise(s.sim.mutatingCalls())).toEqual([])
  })

  it("rollback with --to through args after a deploy: every service back on the old tag", async () => {
    const s = await setupDeploy(worlds)
    expect((await runStep(s.dir, s.env, { gitsha: SHA })).code).toBe(0)
    const run = await runStep(s.dir, s.env, { command: "rollback", args: `--to ${OLD}` })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ outcome: "deployed", "exit-code": "0" })
    expect(Schema.decodeUnknownSync(RunReport)(readReport(run)).gitsha).toBe(OLD)
    const api = await Effect.runPromise(s.sim.service("prod-a", "api", "us-east-1"))
    expect(api?.taskDefinition).toBe(s.world.api)
  })

  it("the runner's cancel signal reaches gehen once: rolled back, outcome interrupted, exit-code 130", async () => {
    const s = await setupDeploy(worlds, { [SHA]: { kind: "never-drain", startAfter: 0.1, healthyAfter: 0.2 } }, {
      timeoutMinutes: 5
    })
    const step = startStep(s.dir, s.env, { gitsha: SHA })
    await waitFor(() => step.stderr().includes("drain"))
    // The runner signals the action's process, which hands the signal to gehen.
    step.child.kill("SIGINT")
    const run = await step.done
    expect(run.code).toBe(130)
    expect(run.outputs).toMatchObject({ outcome: "interrupted", "exit-code": "130" })
    // One signal: the restores were issued and the report printed, not cut short by a second.
    const report = Schema.decodeUnknownSync(RunReport)(readReport(run))
    expect(report.services.map((t) => t.outcome)).toEqual(["rolled-back", "rolled-back"])
    const api = await Effect.runPromise(s.sim.service("prod-a", "api", "us-east-1"))
    expect(api?.taskDefinition).toBe(s.world.api)
  })

  it("the runner's SIGINT then SIGTERM (a cancel the rollback outlasts): gehen stops waiting on the second, its report and the outputs are written", async () => {
    const s = await setupDeploy(worlds, { [SHA]: { kind: "never-drain", startAfter: 0.1, healthyAfter: 0.2 } }, {
      timeoutMinutes: 5
    })
    const step = startStep(s.dir, s.env, { gitsha: SHA })
    await waitFor(() => step.stderr().includes("drain"))
    // The services' restores keep failing, so the rollback the first signal started lasts.
    await Effect.runPromise(
      s.sim.failNext({ operation: "UpdateService", times: 1000, code: "ServiceUnavailable", message: "down" })
    )
    step.child.kill("SIGINT")
    await waitFor(async () => (await s.calls("UpdateService")).length > 2, "a restore sent")
    step.child.kill("SIGTERM")
    const run = await step.done
    // The services' restores were sent without an answer (a 5xx may have landed): a person must look.
    expect(run.code).toBe(3)
    expect(run.stderr).toContain("second signal (SIGTERM): no longer waiting for confirmations")
    expect(run.outputs).toMatchObject({ outcome: "rollback-failed", "exit-code": "3" })
    const report = Schema.decodeUnknownSync(RunReport)(readReport(run))
    for (const t of report.services) expect(t.error).toMatch(/restore sent, answer unknown/)
  })

  it("an unknown command is refused before anything runs: an annotation, outcome error, exit 1", async () => {
    const s = await setupDeploy(worlds)
    const run = await runStep(s.dir, s.env, { command: "destroy" })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(
      `::error title=gehen action::input command: unknown command "destroy"; expected deploy, rollback, status or history`
    )
    expect(run.outputs).toEqual({ outcome: "error", "exit-code": "1", report: "" })
    expect(await s.calls()).toEqual([])
  })

  it("args that would override an input or the JSON report are refused", async () => {
    const s = await setupDeploy(worlds)
    for (
      const [args, hint] of [["--output text", "the action always asks for the JSON report"], [
        "-path=other.yml",
        "use the path input"
      ]]
    ) {
      const run = await runStep(s.dir, s.env, { args: args! })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(
        `::error title=gehen action::input args: ${args!.split(" ")[0]} is set by the action (${hint})`
      )
      expect(run.outputs["outcome"]).toBe("error")
    }
    expect(await s.calls()).toEqual([])
  })

  it("a usage error: outcome error, gehen's exit code and annotation, and gehen's error report", async () => {
    const s = await setupDeploy(worlds)
    const run = await runStep(s.dir, s.env, { args: "--dryrun" })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({ outcome: "error", "exit-code": "1" })
    expect(JSON.parse(readFileSync(run.outputs["report"]!, "utf8"))).toMatchObject({ outcome: "error", exitCode: 1 })
    expect(run.stderr).toMatch(/^::error .*--dry-run/m)
  })
})
