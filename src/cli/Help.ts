/**
 * gehen's help: a usage line with the real command, one line on what it does, each
 * option with its default and environment variable, examples, the exit codes. Only
 * options that work are listed.
 */
import { type CommandName, commandNames, COMMANDS, optionForm, OPTIONS, type OptionSpec } from "./CommandLine.js"

export interface HelpStyle {
  readonly bold: (s: string) => string
}

const table = (rows: ReadonlyArray<readonly [string, string]>): Array<string> => {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`)
}

const section = (style: HelpStyle, title: string, lines: ReadonlyArray<string>) => ["", style.bold(title), ...lines]

const exitCodes = (codes: ReadonlyArray<readonly [string, string]>) =>
  codes.map(([code, meaning]) => `  ${code.padEnd(5)}${meaning}`)

/** `gehen deploy --gitsha <sha> [--path <file>] ...`, wrapped under the command. */
const usageLine = (style: HelpStyle, command: CommandName): Array<string> => {
  const parts = COMMANDS[command].options.map((k) => {
    const o: OptionSpec = OPTIONS[k]
    return o.required === true ? optionForm(o) : `[${optionForm(o)}]`
  })
  const lead = `gehen ${command}`
  const lines: Array<string> = []
  let current = lead
  for (const part of parts) {
    if (current.length + part.length + 1 > 100) {
      lines.push(current)
      current = " ".repeat(lead.length)
    }
    current += ` ${part}`
  }
  lines.push(current)
  return lines.map((l, i) => (i === 0 ? `${style.bold("Usage:")} ${l}` : `       ${l}`))
}

const optionRow = (o: OptionSpec): readonly [string, string] => [
  optionForm(o),
  `${o.help}${o.required === true ? " Required." : ""}${o.env === undefined ? "" : ` Env: ${o.env}`}` +
  `${o.default === undefined ? "" : ` Default: ${o.default}`}`
]

const commandHelp = (style: HelpStyle, command: CommandName): ReadonlyArray<string> => {
  const spec = COMMANDS[command]
  return [
    ...usageLine(style, command),
    "",
    ...spec.description,
    ...section(
      style,
      "Options:",
      table([...spec.options.map((k) => optionRow(OPTIONS[k])), ["-h, --help", "Show this help"]])
    ),
    ...section(style, "Examples:", spec.examples.map((e) => `  ${e}`)),
    ...section(style, "Exit codes:", exitCodes(spec.exitCodes))
  ]
}

const top = (style: HelpStyle, version: string): ReadonlyArray<string> => [
  `${
    style.bold("gehen")
  } ${version}: deploys a git sha to AWS ECS services and scheduled tasks, checks it, rolls it back if it fails`,
  "",
  `${style.bold("Usage:")} gehen <command> [options]`,
  "       gehen -gitsha <sha> [-path gehen.yml]   (the original Gehen's form; runs deploy)",
  ...section(
    style,
    "Commands:",
    table([
      ...commandNames.map((c): readonly [string, string] => [c, COMMANDS[c].summary]),
      ["version", "Print the version"]
    ])
  ),
  ...section(
    style,
    "Options:",
    table([
      ["-h, --help", "Show this help; gehen <command> --help shows a command's options"],
      ["--version", "Print the version"],
      ["--completions <shell>", "Print a completion script for bash, zsh, fish or sh"]
    ])
  ),
  ...section(
    style,
    "Environment:",
    table([
      ["GEHEN_GITSHA", "The version to deploy when --gitsha is not given"]
    ])
  ),
  ...section(style, "Examples:", [
    "  gehen deploy --gitsha \"$GITHUB_SHA\"",
    "  gehen deploy --gitsha abc1234 --path deploy/gehen.yml --only api,worker --dry-run",
    "  gehen rollback --dry-run",
    "  gehen status --output json"
  ]),
  ...section(style, "Exit codes (deploy, rollback):", exitCodes(COMMANDS.deploy.exitCodes))
]

export const helpText = (style: HelpStyle, command: CommandName | undefined, version: string): string =>
  [...(command === undefined ? top(style, version) : commandHelp(style, command)), ""].join("\n")

/** What `gehen` with no arguments prints on stderr. */
export const usageText = (): string =>
  [
    "gehen: no version to deploy",
    "Usage: gehen deploy --gitsha <sha> [--path gehen.yml] [options]",
    "       gehen rollback [--path gehen.yml] [--to <sha>]",
    "       gehen status [--path gehen.yml]",
    "       gehen history [--path gehen.yml]",
    "See gehen --help."
  ].join("\n")
