/**
 * The command line as gehen reads it before @effect/cli parses it: the original Gehen's
 * Go-style flags (`-gitsha X`, `-gitsha=X`, no subcommand) mapped onto the commands,
 * help and version answered here, and usage mistakes named with the nearest valid word.
 * Pure and light: `--help` and `--version` load nothing else.
 */

export type CommandName = "deploy" | "rollback" | "status"

interface OptionSpec {
  readonly name: string
  /** The values it takes; undefined for a flag. */
  readonly takes?: "value" | ReadonlyArray<string>
}

export const commandOptions: { readonly [C in CommandName]: ReadonlyArray<OptionSpec> } = {
  deploy: [
    { name: "gitsha", takes: "value" },
    { name: "path", takes: "value" },
    { name: "dry-run" },
    { name: "force" },
    { name: "output", takes: ["text", "json"] },
    { name: "on-interrupt", takes: ["rollback", "leave"] }
  ],
  rollback: [
    { name: "path", takes: "value" },
    { name: "to", takes: "value" },
    { name: "dry-run" },
    { name: "output", takes: ["text", "json"] },
    { name: "on-interrupt", takes: ["rollback", "leave"] }
  ],
  status: [
    { name: "path", takes: "value" },
    { name: "output", takes: ["text", "json"] }
  ]
}

const commands: ReadonlyArray<CommandName> = ["deploy", "rollback", "status"]

export type Invocation =
  /** Hand these arguments to @effect/cli. */
  | { readonly _tag: "Run"; readonly command: CommandName; readonly args: ReadonlyArray<string> }
  | { readonly _tag: "Help"; readonly command: CommandName | undefined }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Completions"; readonly args: ReadonlyArray<string> }
  /** No arguments at all: the original refused to run without a sha. */
  | { readonly _tag: "Usage" }
  | { readonly _tag: "UsageError"; readonly message: string }

const editDistance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)))
    }
    prev = row
  }
  return prev[b.length] ?? 0
}

/** The known word closest to `word`, when it is close enough to be a typo of it. */
export const nearest = (word: string, known: ReadonlyArray<string>): string | undefined => {
  const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, "")
  const scored = known
    .map((k) => ({ k, d: squash(k) === squash(word) ? 0 : editDistance(word.toLowerCase(), k) }))
    .filter(({ d, k }) => d <= Math.max(1, Math.floor(Math.max(k.length, word.length) / 3)))
    .sort((x, y) => x.d - y.d)
  return scored[0]?.k
}

const helpOf = (command: CommandName | undefined) => (command === undefined ? "gehen --help" : `gehen ${command} --help`)

const usageError = (text: string, command: CommandName | undefined): Invocation => ({
  _tag: "UsageError",
  message: `gehen: ${text}; see ${helpOf(command)}`
})

/** `-name`, `--name`, `-name=value`, `--name=value`, as Go's flag package takes them. */
const FLAG = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s

const NO_VERSION = "no version to deploy: pass --gitsha <sha> or set GEHEN_GITSHA"

/**
 * Reads `args` (argv without node and the script). `env` gives GEHEN_GITSHA, the
 * fallback of `--gitsha`.
 */
export const readArgv = (args: ReadonlyArray<string>, env: Readonly<Record<string, string | undefined>>): Invocation => {
  if (args.length === 0) return { _tag: "Usage" }
  let command: CommandName | undefined
  const rest: Array<string> = []
  // The first word that is no flag (or flag value) names the command.
  let i = 0
  const first = args[0]!
  if (!first.startsWith("-")) {
    if (first === "help") return { _tag: "Help", command: undefined }
    if (!(commands as ReadonlyArray<string>).includes(first)) {
      const guess = nearest(first, commands)
      return usageError(`unknown command "${first}"${guess === undefined ? "" : ` (did you mean "${guess}"?)`}`, undefined)
    }
    command = first as CommandName
    i = 1
  }
  const seen = new Map<string, string | true>()
  for (; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      if (i + 1 < args.length) return usageError(`unexpected argument "${args[i + 1]}"`, command)
      break
    }
    const match = FLAG.exec(arg)
    if (match === null) {
      if (command === undefined && (commands as ReadonlyArray<string>).includes(arg)) {
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
    if (name === "completions" && command === undefined) return { _tag: "Completions", args }
    // Without a command, the original's flags mean deploy.
    const options = commandOptions[command ?? "deploy"]
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
      if (inline !== undefined) return usageError(`--${name} takes no value`, command)
      seen.set(name, true)
      rest.push(`--${name}`)
      continue
    }
    let value = inline
    if (value === undefined) {
      const next = args[i + 1]
      // A missing value (e.g. an unset shell variable) must not swallow the next flag.
      if (next !== undefined && !FLAG.test(next)) {
        value = next
        i++
      }
    }
    if (value === undefined || value === "") {
      if (name === "gitsha") return usageError(NO_VERSION, "deploy")
      return usageError(`--${name} needs a value${Array.isArray(spec.takes) ? `: ${spec.takes.join(" or ")}` : ""}`, command)
    }
    if (Array.isArray(spec.takes) && !spec.takes.includes(value)) {
      return usageError(`--${name} ${JSON.stringify(value)}: expected ${spec.takes.join(" or ")}`, command)
    }
    if (seen.has(name)) return usageError(`--${name} given twice`, command)
    seen.set(name, value)
    rest.push(`--${name}`, value)
  }
  const resolved = command ?? "deploy"
  if (command === undefined && seen.size === 0) return { _tag: "Usage" }
  if (resolved === "deploy" && !seen.has("gitsha")) {
    const fallback = env["GEHEN_GITSHA"]
    if (fallback === undefined || fallback.trim() === "") return usageError(NO_VERSION, "deploy")
  }
  return { _tag: "Run", command: resolved, args: [resolved, ...rest] }
}
