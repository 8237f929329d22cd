/**
 * gehen's help: a usage line with the real command, one line on what it does, each
 * option with its default and environment variable, examples, the exit codes. Only
 * options that work are listed.
 */
import type { CommandName } from "./Argv.js"

export interface HelpStyle {
  readonly bold: (s: string) => string
}

const EXIT_CODES = [
  "  0    deployed: the new version serves and the old tasks have drained",
  "  1    failed, and everything that changed was put back (or nothing changed)",
  "  2    the new version runs in full, but old tasks had not drained by the deadline",
  "  3    failed, and some restore did not hold: look now (the summary says which)",
  "  130  interrupted (SIGINT, SIGTERM, SIGHUP)"
]

const table = (rows: ReadonlyArray<readonly [string, string]>): Array<string> => {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`)
}

const section = (style: HelpStyle, title: string, lines: ReadonlyArray<string>) => ["", style.bold(title), ...lines]

const top = (style: HelpStyle, version: string): ReadonlyArray<string> => [
  `${style.bold("gehen")} ${version}: deploys a git sha to AWS ECS services and scheduled tasks, checks it, rolls it back if it fails`,
  "",
  `${style.bold("Usage:")} gehen <command> [options]`,
  "       gehen -gitsha <sha> [-path gehen.yml]   (the original Gehen's form; runs deploy)",
  ...section(style, "Commands:", table([
    ["deploy", "Deploy a git sha to the services and scheduled tasks of gehen.yml"],
    ["rollback", "Put them back on the revision they ran before their latest change (or --to <sha>)"],
    ["status", "Show what the services and scheduled tasks of gehen.yml run now (read-only)"],
    ["version", "Print the version"]
  ])),
  ...section(style, "Options:", table([
    ["-h, --help", "Show this help; gehen <command> --help shows a command's options"],
    ["--version", "Print the version"],
    ["--completions <shell>", "Print a completion script for bash, zsh, fish or sh"]
  ])),
  ...section(style, "Environment:", table([
    ["GEHEN_GITSHA", "The version to deploy when --gitsha is not given"]
  ])),
  ...section(style, "Examples:", [
    "  gehen deploy --gitsha \"$GITHUB_SHA\"",
    "  gehen deploy --gitsha abc1234 --path deploy/gehen.yml --only api,worker --dry-run",
    "  gehen status --output json"
  ]),
  ...section(style, "Exit codes (deploy):", EXIT_CODES)
]

const deploy = (style: HelpStyle): ReadonlyArray<string> => [
  `${style.bold("Usage:")} gehen deploy --gitsha <sha> [--path <file>] [--only <keys>] [--dry-run] [--force] [--output text|json]`,
  "                    [--on-interrupt rollback|leave]",
  "",
  "Registers task-definition revisions whose images carry the sha, updates the services and scheduled",
  "tasks, waits until the new version serves and the old tasks have drained; rolls everything back if not.",
  ...section(style, "Options:", table([
    ["--gitsha <sha>", "The version to deploy: the new revisions' image tag. Required. Env: GEHEN_GITSHA"],
    ["--path <file>", "The config file. Default: gehen.yml"],
    ["--only <key>[,<key>...]", "Only these services and scheduled tasks (gehen.yml keys); the rest is not read. Default: all"],
    ["--dry-run", "Only read: print the plan on stdout, change nothing (--dry-run=false: off). Default: off"],
    ["--force", "Redeploy targets that already run the sha (else they are left unchanged, only checked). Default: off"],
    ["--output text|json", "json: also print the run report on stdout. Default: text"],
    ["--on-interrupt rollback|leave", "On a signal: put back what changed, or leave it. Default: rollback"],
    ["-h, --help", "Show this help"]
  ])),
  ...section(style, "Examples:", [
    "  gehen deploy --gitsha \"$GITHUB_SHA\"",
    "  GEHEN_GITSHA=abc1234 gehen deploy --path deploy/gehen.yml --output json > report.json",
    "  gehen deploy --gitsha abc1234 --only api --dry-run"
  ]),
  ...section(style, "Exit codes:", EXIT_CODES)
]

const rollback = (style: HelpStyle): ReadonlyArray<string> => [
  `${style.bold("Usage:")} gehen rollback [--path <file>] [--only <keys>] [--to <sha>] [--dry-run] [--output text|json]`,
  "                      [--on-interrupt rollback|leave]",
  "",
  "Puts every service and scheduled task of gehen.yml back on the revision it ran before its latest change,",
  "found from ECS itself (the newest earlier ACTIVE revision whose images differ), then checks it as deploy does.",
  ...section(style, "Options:", table([
    ["--path <file>", "The config file. Default: gehen.yml"],
    ["--only <key>[,<key>...]", "Only these services and scheduled tasks (gehen.yml keys); the rest is not read. Default: all"],
    ["--to <sha>", "Return to the newest ACTIVE revision whose images carry this tag. Default: the one before"],
    ["--dry-run", "Only read: print the plan on stdout, change nothing. Default: off"],
    ["--output text|json", "json: also print the run report on stdout. Default: text"],
    ["--on-interrupt rollback|leave", "On a signal: put back what changed, or leave it. Default: rollback"],
    ["-h, --help", "Show this help"]
  ])),
  ...section(style, "Examples:", [
    "  gehen rollback --dry-run",
    "  gehen rollback --only api",
    "  gehen rollback --to abc1234 --output json > report.json"
  ]),
  ...section(style, "Exit codes:", EXIT_CODES)
]

const status = (style: HelpStyle): ReadonlyArray<string> => [
  `${style.bold("Usage:")} gehen status [--path <file>] [--only <keys>] [--output text|json]`,
  "",
  "Shows what every service and scheduled task of gehen.yml runs now: tags, deployments, unhealthy tasks,",
  "and whom it read as. Changes nothing.",
  ...section(style, "Options:", table([
    ["--path <file>", "The config file. Default: gehen.yml"],
    ["--only <key>[,<key>...]", "Only these services and scheduled tasks (gehen.yml keys); the rest is not read. Default: all"],
    ["--output text|json", "json: the status report as one JSON document. Default: text"],
    ["-h, --help", "Show this help"]
  ])),
  ...section(style, "Examples:", ["  gehen status", "  gehen status --path deploy/gehen.yml --output json | jq '.services[].tags'"]),
  ...section(style, "Exit codes:", ["  0    every target was read", "  1    a target is missing or could not be read, or the input is bad"])
]

export const helpText = (style: HelpStyle, command: CommandName | undefined, version: string): string =>
  [
    ...(command === "deploy"
      ? deploy(style)
      : command === "rollback"
      ? rollback(style)
      : command === "status"
      ? status(style)
      : top(style, version)),
    ""
  ].join("\n")

/** What `gehen` with no arguments prints on stderr. */
export const usageText = (): string =>
  [
    "gehen: no version to deploy",
    "Usage: gehen deploy --gitsha <sha> [--path gehen.yml] [options]",
    "       gehen rollback [--path gehen.yml] [--to <sha>]",
    "       gehen status [--path gehen.yml]",
    "See gehen --help."
  ].join("\n")
