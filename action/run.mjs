// The GitHub Action (see action.yml): the runner's Node runs this file in the job's
// workspace; it runs the CLI committed in action/dist/ with the action's inputs and writes
// the step's outputs. Plain Node with no dependencies: nothing is installed or built.
//
// Inputs (INPUT_* variables, set by the runner from action.yml's inputs): COMMAND
// (deploy, rollback, status, history), GITSHA (deploy only), PATH, ARGS (extra arguments, split
// on whitespace). Outputs ($GITHUB_OUTPUT): outcome, exit-code, report (the JSON
// report's path). Exits with gehen's exit code, after writing the outputs.
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { appendFileSync, existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { constants, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const COMMANDS = ["deploy", "rollback", "status", "history"]

/** Flags the action sets itself; in `args` they would clash with the inputs or spoil the report. */
const RESERVED = {
  gitsha: "use the gitsha input",
  path: "use the path input",
  output: "the action always asks for the JSON report"
}

const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] ?? "").trim()

/** An `::error::` annotation (the runner reads workflow commands on stderr too). */
const annotate = (message) => {
  const data = message.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A")
  process.stderr.write(`::error title=gehen action::${data}\n`)
}

/** One output in the GITHUB_OUTPUT file format: name=value, or a heredoc when multi-line. */
const setOutput = (name, value) => {
  const file = process.env.GITHUB_OUTPUT
  if (!file) return
  const text = String(value)
  if (!/[\r\n]/.test(text)) return appendFileSync(file, `${name}=${text}\n`)
  const delimiter = `ghadelimiter_${randomUUID()}`
  appendFileSync(file, `${name}<<${delimiter}\n${text}\n${delimiter}\n`)
}

const finish = (outcome, exitCode, report) => {
  setOutput("outcome", outcome)
  setOutput("exit-code", exitCode)
  setOutput("report", report)
  process.exitCode = exitCode
}

/** Refuses the inputs before anything runs: an annotation, outcome=error, exit 1. */
const refuse = (message) => {
  annotate(message)
  finish("error", 1, "")
}

/**
 * The outcome of a report: a run's, a status or history report's own (found, incomplete,
 * error); a plan's (`--dry-run`) planned or failed; a status report without one (schema
 * version 2 made it optional) found when every target was read, else incomplete.
 */
const outcomeOf = (report) => {
  if (typeof report.outcome === "string") return report.outcome
  if (report.dryRun === true) return report.exitCode === 0 ? "planned" : "failed"
  if (Array.isArray(report.services) && Array.isArray(report.scheduledTasks)) {
    const targets = [...report.services, ...report.scheduledTasks]
    return targets.every((t) => t.state === "found") ? "found" : "incomplete"
  }
  return "error"
}

const parseReport = (text) => {
  try {
    const report = JSON.parse(text)
    return report !== null && typeof report === "object" && !Array.isArray(report) ? report : undefined
  } catch {
    return undefined
  }
}

const main = () => {
  const command = input("command") || "deploy"
  if (!COMMANDS.includes(command)) {
    return refuse(`input command: unknown command "${command}"; expected deploy, rollback, status or history`)
  }
  const extra = input("args").split(/\s+/).filter((a) => a !== "")
  for (const arg of extra) {
    // Any of Go's flag forms: -flag, --flag, -flag=value, --flag=value.
    const flag = /^--?([a-z]+)(=|$)/.exec(arg)?.[1]
    if (flag !== undefined && Object.hasOwn(RESERVED, flag)) {
      return refuse(`input args: ${arg} is set by the action (${RESERVED[flag]})`)
    }
  }

  const cli = join(dirname(fileURLToPath(import.meta.url)), "dist", "gehen.cjs")
  if (!existsSync(cli)) return refuse(`gehen is missing: ${cli} (action/dist is committed with the action)`)

  const gitsha = input("gitsha")
  const path = input("path")
  // An empty gitsha is left out, so that gehen falls back to GEHEN_GITSHA (or says it has none).
  const argv = [
    cli,
    command,
    ...(command === "deploy" && gitsha !== "" ? ["--gitsha", gitsha] : []),
    ...(path !== "" ? ["--path", path] : []),
    "--output",
    "json",
    ...extra
  ]

  // stderr (progress, ::group::, ::error::) goes straight to the log; stdout is the report.
  // Its own process group, so that a Ctrl-C on a terminal reaches gehen once, through us.
  const child = spawn(process.execPath, argv, {
    stdio: ["ignore", "pipe", "inherit"],
    detached: process.platform !== "win32"
  })
  // The runner cancels a job by signalling this process (SIGINT, SIGTERM 7.5 s later,
  // SIGKILL 2.5 s after that): gehen gets each one, rolls back on the first, stops waiting
  // on the second (its restores get 1.5 s more, then its report), and this script then
  // writes the outputs and exits with its code.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal))

  const chunks = []
  child.stdout.on("data", (chunk) => chunks.push(chunk))
  child.on("error", (error) => {
    annotate(`could not start gehen: ${error.message}`)
    finish("error", 1, "")
  })
  child.on("close", (code, signal) => {
    const exitCode = code ?? 128 + (constants.signals[signal] ?? 0)
    const stdout = Buffer.concat(chunks).toString("utf8")
    const report = parseReport(stdout)
    if (report === undefined) {
      if (stdout.trim() !== "") process.stdout.write(stdout)
      process.stderr.write(`gehen action: no JSON report from gehen ${command} (exit ${exitCode})\n`)
      return finish("error", exitCode, "")
    }
    const reportPath = join(mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), "gehen-")), `${command}-report.json`)
    writeFileSync(reportPath, stdout)
    const outcome = outcomeOf(report)
    process.stdout.write(`::group::gehen ${command}: ${outcome}, exit ${exitCode}; JSON report at ${reportPath}\n`)
    process.stdout.write(stdout.endsWith("\n") ? stdout : `${stdout}\n`)
    process.stdout.write("::endgroup::\n")
    finish(outcome, exitCode, reportPath)
  })
}

main()
