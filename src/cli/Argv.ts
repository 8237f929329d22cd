/**
 * The command line as gehen reads it before @effect/cli parses it: the original Gehen's
 * Go-style flags (`-gitsha X`, `-gitsha=X`, `-dry-run=false`, no subcommand) mapped onto
 * the commands, help, the version and completions answered here, and usage mistakes
 * named with the nearest valid word. Pure and light: `--help` and `--version` load
 * nothing else.
 */
import { nearest } from "../config/Suggest.js"
import { validateGitSha } from "../domain/GitSha.js"
import { type CommandName, commandNames, optionsOf, type OptionSpec } from "./CommandLine.js"

export { nearest }

export type { CommandName } from "./CommandLine.js"

const commands = commandNames
/** Words that are no command of their own but are answered here. */
const words = [...commands, "version", "help"]

export const completionShells = ["bash", "zsh", "fish", "sh"] as const

export type Invocation =
  /** Hand these arguments to @effect/cli. */
  | { readonly _tag: "Run"; readonly command: CommandName; readonly args: ReadonlyArray<string> }
  | { readonly _tag: "Help"; readonly command: CommandName | undefined }
  | { readonly _tag: "Version" }
  /** `--completions <shell>`, as @effect/cli takes it. */
  | { readonly _tag: "Completions"; readonly args: ReadonlyArray<string> }
  /** No arguments at all: the original refused to run without a sha. */
  | { readonly _tag: "Usage" }
  | { readonly _tag: "UsageError"; readonly message: string }

const helpOf = (
  command: CommandName | undefined
) => (command === undefined ? "gehen --help" : `gehen ${command} --help`)

const usageError = (text: string, command: CommandName | undefined): Invocation => ({
  _tag: "UsageError",
  message: `gehen: ${text}; see ${helpOf(command)}`
})

/** `-name`, `--name`, `-name=value`, `--name=value`, as Go's flag package takes them. */
const FLAG = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s

const NO_VERSION = "no version to deploy: pass --gitsha <sha> or set GEHEN_GITSHA"

// Go's strconv.ParseBool, which the original's flag package used for `-flag=value`.
const TRUE = ["1", "t", "T", "TRUE", "true", "True"]
const FALSE = ["0", "f", "F", "FALSE", "false", "False"]

/** The words that end the value of a flag: help, the version, and the command's own options. */
const isOptionWord = (arg: string, options: ReadonlyArray<OptionSpec>): boolean => {
  const match = FLAG.exec(arg)
  if (match === null) return false
  // `--anything` is a flag; a single-dash word is a value unless it names an option
  // (`-gitsha -path x` is missing its sha, `--gitsha -bad` is a bad sha).
  if (arg.startsWith("--")) return true
  const name = match[1]!
  return ["help", "h", "version", "v"].includes(name) || options.some((o) => o.name === name)
}

/** The tag rule of `--gitsha` (and `--to`), in the flag's own name. */
const tagProblem = (name: string, value: string): string | undefined => {
  const checked = validateGitSha(value)
  return checked._tag === "Right" ? undefined : checked.left.message.replace(/^--gitsha/, `--${name}`)
}

/** `--completions <shell>` (or `=<shell>`), alone on the command line. */
const readCompletions = (args: ReadonlyArray<string>, i: number, inline: string | undefined): Invocation => {
  const shell = inline ?? args[i + 1]
  const rest = args.slice(inline === undefined ? i + 2 : i + 1)
  const expected = `${completionShells.slice(0, -1).join(", ")} or ${completionShells[completionShells.length - 1]}`
  if (shell === undefined || shell === "" || (inline === undefined && FLAG.test(shell))) {
    return usageError(`--completions needs a shell: ${expected}`, undefined)
  }
  if (!(completionShells as ReadonlyArray<string>).includes(shell)) {
    const guess = nearest(shell, completionShells)
    return usageError(
      `--completions ${JSON.stringify(shell)}: expected ${expected}${
        guess === undefined ? "" : ` (did you mean ${guess}?)`
      }`,
      undefined
    )
  }
  const extra = [...args.slice(0, i), ...rest][0]
  if (extra !== undefined) return usageError(`--completions takes only a shell, not "${extra}"`, undefined)
  return { _tag: "Completions", args: ["--completions", shell] }
}

/**
 * Reads `args` (argv without node and the script). `env` gives GEHEN_GITSHA, the
 * fallback of `--gitsha`.
 */
export const readArgv = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
): Invocation => {
  if (args.length === 0) return { _tag: "Usage" }
  let command: CommandName | undefined
  const rest: Array<string> = []
  // The first word that is no flag (or flag value) names the command.
  let i = 0
  const first = args[0]!
  if (!first.startsWith("-")) {
    if (first === "help") {
      const about = args[1]
      if (about === undefined) return { _tag: "Help", command: undefined }
      const known = (commands as ReadonlyArray<string>).includes(about)
      if (known && args.length === 2) return { _tag: "Help", command: about as CommandName }
      return usageError(
        `unexpected argument "${known ? args[2] : about}" after help${known ? ` ${about}` : ""}`,
        undefined
      )
    }
    if (first === "version") {
      const extra = args[1]
      return extra === undefined
        ? { _tag: "Version" }
        : usageError(`unexpected argument "${extra}" after version`, undefined)
    }
    if (!(commands as ReadonlyArray<string>).includes(first)) {
      const guess = nearest(first, words)
      return usageError(
        `unknown command "${first}"${guess === undefined ? "" : ` (did you mean "${guess}"?)`}`,
        undefined
      )
    }
    command = first as CommandName
    i = 1
  }
  const seen = new Map<string, string | boolean>()
  const repeated = new Map<string, Array<string>>()
  for (; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      if (i + 1 < args.length) return usageError(`unexpected argument "${args[i + 1]}"`, command)
      break
    }
    const match = FLAG.exec(arg)
    if (match === null) {
      if (command === undefined && (words as ReadonlyArray<string>).includes(arg)) {
        return usageError(`put the command first: gehen ${arg} [options]`, undefined)
      }
      return usageError(`unexpected argument "${arg}"`, command)
    }
    const name = match[1]!
    const inline = match[2]
    if (name === "help" || name === "h") return { _tag: "Help", command }
    if (name === "version" || name === "v") {
      if (command === undefined) return { _tag: "Version" }
      return usageError(`--version is not an option of gehen ${command}`, command)
    }
    if (name === "completions" && command === undefined) return readCompletions(args, i, inline)
    // Without a command, the original's flags mean deploy.
    const options = optionsOf(command ?? "deploy")
    const spec = options.find((o) => o.name === name)
    if (spec === undefined) {
      const guess = nearest(name, options.map((o) => o.name))
      return usageError(
        `unknown option ${arg.replace(/=.*$/s, "")}${command === undefined ? "" : ` for gehen ${command}`}` +
          (guess === undefined ? "" : ` (did you mean --${guess}?)`),
        command
      )
    }
    if (spec.takes === undefined) {
      // Go's `-flag=true` / `-flag=false`; a bare `-flag` is true.
      const on = inline === undefined || TRUE.includes(inline)
      if (inline !== undefined && !on && !FALSE.includes(inline)) {
        return usageError(`--${name}=${inline}: a flag takes true or false, or no value`, command)
      }
      if (seen.has(name)) return usageError(`--${name} given twice`, command)
      seen.set(name, on)
      if (on) rest.push(`--${name}`)
      continue
    }
    let value = inline
    if (value === undefined) {
      const next = args[i + 1]
      // A missing value (e.g. an unset shell variable) must not swallow the next flag.
      if (next !== undefined && !isOptionWord(next, options)) {
        value = next
        i++
      }
    }
    if (value === undefined || value === "") {
      if (name === "gitsha") return usageError(NO_VERSION, "deploy")
      const form = spec.repeatable === true
        ? ": key[,key...]"
        : Array.isArray(spec.takes)
        ? `: ${spec.takes.join(" or ")}`
        : ""
      return usageError(`--${name} needs a value${form}`, command)
    }
    if (Array.isArray(spec.takes) && !spec.takes.includes(value)) {
      return usageError(`--${name} ${JSON.stringify(value)}: expected ${spec.takes.join(" or ")}`, command)
    }
    if (name === "gitsha" || name === "to") {
      const problem = tagProblem(name, value)
      if (problem !== undefined) return usageError(problem, command ?? "deploy")
    }
    if (spec.repeatable === true) {
      const keys = value.split(",").map((k) => k.trim()).filter((k) => k !== "")
      if (keys.length === 0) return usageError(`--${name} ${JSON.stringify(value)}: expected key[,key...]`, command)
      repeated.set(name, [...(repeated.get(name) ?? []), ...keys])
      seen.set(name, true)
      continue
    }
    if (seen.has(name)) return usageError(`--${name} given twice`, command)
    seen.set(name, value)
    rest.push(`--${name}`, value)
  }
  for (const [name, values] of repeated) rest.push(`--${name}`, [...new Set(values)].join(","))
  const resolved = command ?? "deploy"
  if (command === undefined && seen.size === 0) return { _tag: "Usage" }
  if (resolved === "deploy" && !seen.has("gitsha")) {
    const fallback = env["GEHEN_GITSHA"]
    if (fallback === undefined || fallback.trim() === "") return usageError(NO_VERSION, "deploy")
  }
  return { _tag: "Run", command: resolved, args: [resolved, ...rest] }
}

// ---------------------------------------------------------------------------
// What a refused command line still tells: the command and whether JSON was asked for
// ---------------------------------------------------------------------------

/** What a command line that may be broken says about the report it wants. */
export interface Intent {
  /** The command it names or means; `deploy` for the original's form, undefined when none can be told. */
  readonly command: CommandName | undefined
  /** `--output json` (`-output json`, `--output=json`) anywhere on it. */
  readonly json: boolean
  /** The version it is about: `--gitsha`, else GEHEN_GITSHA (deploy); `--to` (rollback). */
  readonly version: string | undefined
}

/** A forgiving scan of argv, for the report of a usage error. */
export const intentOf = (args: ReadonlyArray<string>, env: Readonly<Record<string, string | undefined>>): Intent => {
  const valueOf = (name: string): string | undefined => {
    for (let i = 0; i < args.length; i++) {
      const match = FLAG.exec(args[i]!)
      if (match === null || match[1] !== name) continue
      if (match[2] !== undefined) return match[2]
      const next = args[i + 1]
      return next === undefined || next.startsWith("--") ? undefined : next
    }
    return undefined
  }
  const first = args[0]
  const named = first !== undefined && (commands as ReadonlyArray<string>).includes(first)
    ? (first as CommandName)
    : undefined
  const flagsOnly = first !== undefined && first.startsWith("-") && !args.some((a) => /^--?completions(=|$)/.test(a))
  const command = named ?? (flagsOnly ? "deploy" : undefined)
  const fallback = env["GEHEN_GITSHA"]
  const version = command === "rollback"
    ? valueOf("to")
    : command === "deploy"
    ? valueOf("gitsha") ?? (fallback === undefined || fallback.trim() === "" ? undefined : fallback)
    : undefined
  return { command, json: valueOf("output") === "json", version }
}
