/**
 * The command line, described once: each option (its name, what it takes, its help and
 * default) and each command (its options, what it does, examples, exit codes). The
 * reader of argv (Argv), the help (Help) and @effect/cli's commands (Cli) all read it.
 * Plain data: `--help` loads nothing else.
 */

export type CommandName = "deploy" | "rollback" | "status" | "history"

export interface OptionSpec {
  readonly name: string
  /** The values it takes; absent for a flag. */
  readonly takes?: "value" | ReadonlyArray<string>
  /** Given more than once, its values add up (`--only a --only b`). */
  readonly repeatable?: boolean
  /** How help names its value: `<sha>`. */
  readonly value?: string
  /** The whole form help shows, when not `--name <value>`. */
  readonly form?: string
  /** The environment variable it falls back to. */
  readonly env?: string
  readonly help: string
  /** Absent: optional, no default worth naming. */
  readonly default?: string
  readonly required?: boolean
}

export const OPTIONS = {
  gitsha: {
    name: "gitsha",
    takes: "value",
    value: "sha",
    help: "The version to deploy: the new revisions' image tag.",
    env: "GEHEN_GITSHA",
    required: true
  },
  path: { name: "path", takes: "value", value: "file", help: "The config file.", default: "gehen.yml" },
  only: {
    name: "only",
    takes: "value",
    repeatable: true,
    form: "--only <key>[,<key>...]",
    help: "Only these services and scheduled tasks (gehen.yml keys); the rest is neither read nor changed.",
    default: "all"
  },
  to: {
    name: "to",
    takes: "value",
    value: "sha",
    help: "Return to the newest release of this sha (else an ACTIVE revision running it).",
    default: "each target's release before the one it runs"
  },
  dryRun: {
    name: "dry-run",
    help: "Only read: print the plan on stdout, change nothing (--dry-run=false: off).",
    default: "off"
  },
  force: {
    name: "force",
    help: "Redeploy targets that already run the sha (else they are left unchanged, only checked).",
    default: "off"
  },
  wait: {
    name: "wait",
    help:
      "When another deployment is rolling out on a target, wait for it to settle (up to timeoutMinutes) instead of stopping.",
    default: "off"
  },
  noPreflight: {
    name: "no-preflight",
    help: "Skip the pre-flight (each url answers, each image exists), for urls that only answer after a deploy.",
    default: "off"
  },
  output: {
    name: "output",
    takes: ["text", "json"],
    help: "json: the report as one JSON document on stdout.",
    default: "text"
  },
  onInterrupt: {
    name: "on-interrupt",
    takes: ["rollback", "leave"],
    help: "On a signal: put back what changed, or leave it.",
    default: "rollback"
  }
} as const satisfies Record<string, OptionSpec>

export type OptionKey = keyof typeof OPTIONS

export interface CommandSpec {
  /** One line for the list of commands. */
  readonly summary: string
  /** What it does, a line or two, under its usage line. */
  readonly description: ReadonlyArray<string>
  readonly options: ReadonlyArray<OptionKey>
  readonly examples: ReadonlyArray<string>
  readonly exitCodes: ReadonlyArray<readonly [string, string]>
}

const RUN_EXIT_CODES: ReadonlyArray<readonly [string, string]> = [
  ["0", "deployed: the new version serves and the old tasks have drained"],
  ["1", "failed, and everything that changed was put back (or nothing changed)"],
  ["2", "the new version runs in full, but old tasks had not drained by the deadline"],
  ["3", "failed, and some restore did not hold, or another writer deployed over the run: look now"],
  ["130", "interrupted (SIGINT, SIGTERM, SIGHUP), and every change was put back"]
]

const READ_EXIT_CODES: ReadonlyArray<readonly [string, string]> = [
  ["0", "every target was read"],
  ["1", "a target is missing or could not be read, or the input is bad"]
]

export const COMMANDS = {
  deploy: {
    summary: "Deploy a git sha to the services and scheduled tasks of gehen.yml",
    description: [
      "Registers task-definition revisions whose images carry the sha, updates the services and scheduled",
      "tasks, waits until the new version serves and the old tasks have drained; rolls everything back if not."
    ],
    options: ["gitsha", "path", "only", "dryRun", "force", "wait", "noPreflight", "output", "onInterrupt"],
    examples: [
      "gehen deploy --gitsha \"$GITHUB_SHA\"",
      "GEHEN_GITSHA=abc1234 gehen deploy --path deploy/gehen.yml --output json > report.json",
      "gehen deploy --gitsha abc1234 --only api --dry-run"
    ],
    exitCodes: RUN_EXIT_CODES
  },
  rollback: {
    summary: "Put them back on their release before the one they run (or --to <sha>)",
    description: [
      "Puts every service and scheduled task of gehen.yml back on the newest release before the one it runs,",
      "from the release history gehen keeps in AWS (else ECS's deployment history), then checks it as deploy does."
    ],
    options: ["path", "only", "to", "dryRun", "wait", "noPreflight", "output", "onInterrupt"],
    examples: [
      "gehen rollback --dry-run",
      "gehen rollback --only api",
      "gehen rollback --to abc1234 --output json > report.json"
    ],
    exitCodes: RUN_EXIT_CODES
  },
  status: {
    summary: "Show what the services and scheduled tasks of gehen.yml run now (read-only)",
    description: [
      "Shows what every service and scheduled task of gehen.yml runs now: tags, deployments, unhealthy tasks,",
      "and whom it read as. Changes nothing."
    ],
    options: ["path", "only", "output"],
    examples: ["gehen status", "gehen status --path deploy/gehen.yml --output json | jq '.services[].tags'"],
    exitCodes: READ_EXIT_CODES
  },
  history: {
    summary: "List each target's releases, newest first, from the history kept in AWS (read-only)",
    description: [
      "Lists the releases of every service and scheduled task of gehen.yml, newest first: the sha, the",
      "revision, when and by whom it was deployed; the one running now is marked. Changes nothing."
    ],
    options: ["path", "only", "output"],
    examples: ["gehen history", "gehen history --only api --output json | jq '.services[0].releases[0]'"],
    exitCodes: READ_EXIT_CODES
  }
} as const satisfies { readonly [C in CommandName]: CommandSpec }

export const commandNames = Object.keys(COMMANDS) as ReadonlyArray<CommandName>

/** A command's options, as the reader of argv checks them. */
export const optionsOf = (command: CommandName): ReadonlyArray<OptionSpec> =>
  (COMMANDS[command].options as ReadonlyArray<OptionKey>).map((k) => OPTIONS[k])

/** `--name <value>` / `--name a|b` / `--name`, as help and usage lines show an option. */
export const optionForm = (o: OptionSpec): string =>
  o.form !== undefined
    ? o.form
    : o.takes === undefined
    ? `--${o.name}`
    : Array.isArray(o.takes)
    ? `--${o.name} ${o.takes.join("|")}`
    : `--${o.name} <${o.value ?? "value"}>`
