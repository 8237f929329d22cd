// The GitHub Action (action.yml) run as the runner runs a composite action's step: its
// expressions evaluated, its env given to a bash script in the workspace, with the job's
// GITHUB_* files, against the simulator over HTTP with the bundled CLI.
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { RunReport } from "../../src/report/Report.js"
import { StatusReport } from "../../src/status/Status.js"
import { setupDeploy } from "../support/subprocess.js"
import { OLD, SHA } from "../support/world.js"

const ROOT = join(import.meta.dirname, "..", "..")

interface ActionInput {
  readonly description?: string
  readonly default?: string
}
interface ActionStep {
  readonly id?: string
  readonly name?: string
  readonly shell?: string
  readonly run?: string
  readonly "working-directory"?: string
  readonly env?: Readonly<Record<string, string>>
}
interface Action {
  readonly inputs: Readonly<Record<string, ActionInput>>
  readonly outputs: Readonly<Record<string, { readonly value: string }>>
  readonly runs: { readonly using: string; readonly steps: ReadonlyArray<ActionStep> }
}

const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as Action
const gehenStep = action.runs.steps.find((s) => s.id === "gehen")

type Inputs = Partial<Record<"gitsha" | "path" | "command" | "args", string>>

/**
 * `${{ ... }}` as the runner evaluates it for this action: inputs (given, else their
 * default, itself evaluated), github.sha and github.action_path. Any other expression
 * fails the test, so action.yml cannot use one this test does not understand.
 */
const evaluate = (text: string, inputs: Inputs, sha: string): string =>
  text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expr: string) => {
    if (expr === "github.sha") return sha
    if (expr === "github.action_path") return ROOT
    const name = /^inputs\.([\w-]+)$/.exec(expr)?.[1]
    const declared = name === undefined ? undefined : action.inputs[name]
    if (name === undefined || declared === undefined) throw new Error(`unknown expression in action.yml: ${expr}`)
    return inputs[name as keyof Inputs] ?? evaluate(declared.default ?? "", inputs, sha)
  })

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
 * Starts action.yml's gehen step in `workspace` as the runner would: the step's env
 * (INPUT_* from the inputs) over the job's environment, the script in a file run by
 * `bash --noprofile --norc -e -o pipefail`, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files
 * created empty. The install step is not run: the test setup built dist/cli.
 */
const startStep = (workspace: string, jobEnv: NodeJS.ProcessEnv, inputs: Inputs, sha = SHA) => {
  const runner = mkdtempSync(join(tmpdir(), "gehen-runner-"))
  const runnerTemp = mkdtempSync(join(runner, "temp-"))
  const outputFile = join(runner, "output")
  const summaryFile = join(runner, "summary.md")
  const script = join(runner, "step.sh")
  writeFileSync(outputFile, "")
  writeFileSync(summaryFile, "")
  writeFileSync(script, evaluate(gehenStep!.run!, inputs, sha))
  const stepEnv = Object.fromEntries(Object.entries(gehenStep!.env ?? {}).map(([k, v]) => [k, evaluate(v, inputs, sha)]))
  const env: NodeJS.ProcessEnv = {
    ...jobEnv,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_SHA: sha,
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION_PATH: ROOT,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    ...stepEnv
  }
  const child = spawn("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", script], {
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
      })
    )
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
})

describe("action.yml", () => {
  it("is a composite action with the inputs and outputs of its contract", () => {
    expect(action.runs.using).toBe("composite")
    expect(Object.keys(action.inputs).sort()).toEqual(["args", "command", "gitsha", "path"])
    expect(action.inputs["gitsha"]?.default).toBe("${{ github.sha }}")
    expect(action.inputs["path"]?.default).toBe("gehen.yml")
    expect(action.inputs["command"]?.default).toBe("deploy")
    expect(action.inputs["args"]?.default).toBe("")
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy()
    expect(action.outputs).toEqual({
      outcome: expect.objectContaining({ value: "${{ steps.gehen.outputs.outcome }}" }),
      "exit-code": expect.objectContaining({ value: "${{ steps.gehen.outputs.exit-code }}" }),
      report: expect.objectContaining({ value: "${{ steps.gehen.outputs.report }}" })
    })
  })

  it("installs and builds gehen in the action's directory, then runs the script with every input in env", () => {
    const [install, run] = action.runs.steps
    expect(install?.["working-directory"]).toBe("${{ github.action_path }}")
    expect(install?.run).toContain("npm ci --no-audit --no-fund")
    expect(run).toBe(gehenStep)
    expect(run?.shell).toBe("bash")
    expect(run?.run).toContain(`node "$GITHUB_ACTION_PATH/action/run.mjs"`)
    expect(existsSync(join(ROOT, "action", "run.mjs"))).toBe(true)
    for (const name of Object.keys(action.inputs)) {
      expect(run?.env?.[`INPUT_${name.toUpperCase()}`], name).toBe(`\${{ inputs.${name} }}`)
    }
    for (const step of action.runs.steps) expect(step.shell, step.name).toBe("bash")
  })
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
    const s = await setupDeploy(worlds, { [SHA]: { kind: "unhealthy", startAfter: 0.1, healthyAfter: 0.3, replaceAfter: 0.2 } }, {
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
    const until = Date.now() + 15_000
    while (!step.stderr().includes("drain") && Date.now() < until) await new Promise((r) => setTimeout(r, 25))
    // The runner signals the step's process only (bash, replaced by node through exec).
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

  it("an unknown command is refused before anything runs: an annotation, outcome error, exit 1", async () => {
    const s = await setupDeploy(worlds)
    const run = await runStep(s.dir, s.env, { command: "destroy" })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`::error title=gehen action::input command: unknown command "destroy"; expected deploy, status or rollback`)
    expect(run.outputs).toEqual({ outcome: "error", "exit-code": "1", report: "" })
    expect(await s.calls()).toEqual([])
  })

  it("args that would override an input or the JSON report are refused", async () => {
    const s = await setupDeploy(worlds)
    for (const [args, hint] of [["--output text", "the action always asks for the JSON report"], ["-path=other.yml", "use the path input"]]) {
      const run = await runStep(s.dir, s.env, { args: args! })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(`::error title=gehen action::input args: ${args!.split(" ")[0]} is set by the action (${hint})`)
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
