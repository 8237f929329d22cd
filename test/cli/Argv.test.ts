import { describe, expect, it } from "vitest"
import { intentOf, type Invocation, nearest, readArgv } from "../../src/cli/Argv.js"

const run = (...args: ReadonlyArray<string>): Invocation => ({ _tag: "Run", command: args[0] as "deploy", args })
const error = (message: string): Invocation => ({ _tag: "UsageError", message })

describe("the original Gehen's invocation", () => {
  it.each(
    [
      [["-gitsha", "abc1234"], run("deploy", "--gitsha", "abc1234")],
      [
        ["-gitsha=abc1234", "-path", "deploy/gehen.yml"],
        run("deploy", "--gitsha", "abc1234", "--path", "deploy/gehen.yml")
      ],
      [["--gitsha", "abc1234", "--path=g.yml"], run("deploy", "--gitsha", "abc1234", "--path", "g.yml")],
      [["-path=g.yml", "--gitsha=abc1234"], run("deploy", "--path", "g.yml", "--gitsha", "abc1234")],
      [["deploy", "-gitsha", "abc1234"], run("deploy", "--gitsha", "abc1234")],
      [["-version"], { _tag: "Version" }],
      [["--version"], { _tag: "Version" }],
      [[], { _tag: "Usage" }]
    ] as const
  )("%j", (args, expected) => {
    expect(readArgv(args, {})).toEqual(expected)
  })
})

describe("help, commands and options", () => {
  it.each(
    [
      [["--help"], { _tag: "Help", command: undefined }],
      [["-h"], { _tag: "Help", command: undefined }],
      [["help"], { _tag: "Help", command: undefined }],
      [["deploy", "--help"], { _tag: "Help", command: "deploy" }],
      [["status", "-help"], { _tag: "Help", command: "status" }],
      [["status", "--path", "g.yml", "--output", "json"], run("status", "--path", "g.yml", "--output", "json")],
      [
        ["deploy", "--gitsha", "abc1234", "--dry-run", "--on-interrupt", "leave"],
        run("deploy", "--gitsha", "abc1234", "--dry-run", "--on-interrupt", "leave")
      ],
      [["--completions", "bash"], { _tag: "Completions", args: ["--completions", "bash"] }]
    ] as const
  )("%j", (args, expected) => {
    expect(readArgv(args, {})).toEqual(expected)
  })
})

describe("usage mistakes name the nearest valid word and point to --help", () => {
  it.each(
    [
      [["deplyo"], error(`gehen: unknown command "deplyo" (did you mean "deploy"?); see gehen --help`)],
      [["stats"], error(`gehen: unknown command "stats" (did you mean "status"?); see gehen --help`)],
      [["frobnicate"], error(`gehen: unknown command "frobnicate"; see gehen --help`)],
      [
        ["deploy", "--dryrun", "--gitsha", "x"],
        error("gehen: unknown option --dryrun for gehen deploy (did you mean --dry-run?); see gehen deploy --help")
      ],
      [
        ["deploy", "--gitsah", "x"],
        error("gehen: unknown option --gitsah for gehen deploy (did you mean --gitsha?); see gehen deploy --help")
      ],
      [["-gitsah=x"], error("gehen: unknown option -gitsah (did you mean --gitsha?); see gehen --help")],
      [["deploy", "--wizard"], error("gehen: unknown option --wizard for gehen deploy; see gehen deploy --help")],
      [["status", "--gitsha", "x"], error("gehen: unknown option --gitsha for gehen status; see gehen status --help")],
      [
        ["deploy", "--gitsha", "x", "--output", "xml"],
        error(`gehen: --output "xml": expected text or json; see gehen deploy --help`)
      ],
      [
        ["deploy", "--gitsha", "x", "--dry-run=yes"],
        error("gehen: --dry-run=yes: a flag takes true or false, or no value; see gehen deploy --help")
      ],
      [
        ["deploy", "--gitsha", "x", "--dry-run", "--dry-run=false"],
        error("gehen: --dry-run given twice; see gehen deploy --help")
      ],
      [["deploy", "--gitsha", "x", "--path"], error("gehen: --path needs a value; see gehen deploy --help")],
      [["deploy", "--gitsha", "x", "extra"], error(`gehen: unexpected argument "extra"; see gehen deploy --help`)],
      [["deploy", "--gitsha", "a", "--gitsha", "b"], error("gehen: --gitsha given twice; see gehen deploy --help")],
      [["--path", "g.yml", "deploy"], error("gehen: put the command first: gehen deploy [options]; see gehen --help")],
      [["versoin"], error(`gehen: unknown command "versoin" (did you mean "version"?); see gehen --help`)],
      [["version", "x"], error(`gehen: unexpected argument "x" after version; see gehen --help`)],
      [["help", "dploy"], error(`gehen: unexpected argument "dploy" after help; see gehen --help`)],
      [["help", "deploy", "--x"], error(`gehen: unexpected argument "--x" after help deploy; see gehen --help`)],
      [
        ["deploy", "--gitsha", "x", "--olny", "api"],
        error("gehen: unknown option --olny for gehen deploy (did you mean --only?); see gehen deploy --help")
      ],
      [["status", "--only"], error("gehen: --only needs a value: key[,key...]; see gehen status --help")],
      [["status", "--only", ","], error(`gehen: --only ",": expected key[,key...]; see gehen status --help`)]
    ] as const
  )("%j", (args, expected) => {
    expect(readArgv(args, {})).toEqual(expected)
  })
})

describe("the version and completions", () => {
  it.each(
    [
      [["version"], { _tag: "Version" }],
      [["-v"], { _tag: "Version" }],
      [["help", "status"], { _tag: "Help", command: "status" }],
      [["--completions", "zsh"], { _tag: "Completions", args: ["--completions", "zsh"] }],
      [["--completions=fish"], { _tag: "Completions", args: ["--completions", "fish"] }],
      [["-completions", "sh"], { _tag: "Completions", args: ["--completions", "sh"] }]
    ] as const
  )("%j", (args, expected) => {
    expect(readArgv(args, {})).toEqual(expected)
  })

  // Every mistake starts with gehen: (not @effect/cli's "Invalid subcommand").
  it.each(
    [
      [["--completions"], "gehen: --completions needs a shell: bash, zsh, fish or sh; see gehen --help"],
      [
        ["--completions", "--output", "json"],
        "gehen: --completions needs a shell: bash, zsh, fish or sh; see gehen --help"
      ],
      [
        ["--completions", "bsh"],
        `gehen: --completions "bsh": expected bash, zsh, fish or sh (did you mean bash?); see gehen --help`
      ],
      [
        ["--completions", "powershell"],
        `gehen: --completions "powershell": expected bash, zsh, fish or sh; see gehen --help`
      ],
      [["--completions", "bash", "--x"], `gehen: --completions takes only a shell, not "--x"; see gehen --help`],
      [["--completions=bash", "extra"], `gehen: --completions takes only a shell, not "extra"; see gehen --help`]
    ] as const
  )("%j", (args, message) => {
    expect(readArgv(args, {})).toEqual(error(message))
  })
})

describe("Go's boolean forms, as the original's flag package took them", () => {
  it.each(
    [
      [["deploy", "--gitsha", "x", "--dry-run=true"], run("deploy", "--gitsha", "x", "--dry-run")],
      [["deploy", "--gitsha", "x", "--dry-run=false"], run("deploy", "--gitsha", "x")],
      [["-gitsha", "x", "-dry-run=1", "-force=F"], run("deploy", "--gitsha", "x", "--dry-run")],
      [["deploy", "--gitsha", "x", "--force=TRUE", "--dry-run=0"], run("deploy", "--gitsha", "x", "--force")],
      [["rollback", "--dry-run=True"], run("rollback", "--dry-run")]
    ] as const
  )("%j", (args, expected) => {
    expect(readArgv(args, {})).toEqual(expected)
  })
})

describe("--only key[,key...]", () => {
  it.each(
    [
      [["deploy", "--gitsha", "x", "--only", "api"], run("deploy", "--gitsha", "x", "--only", "api")],
      [["deploy", "--gitsha", "x", "--only=api,worker"], run("deploy", "--gitsha", "x", "--only", "api,worker")],
      // Repeated, it adds up; each key once.
      [["rollback", "--only", "api", "-only", "nightly,api"], run("rollback", "--only", "api,nightly")],
      [["status", "--only", " api , worker "], run("status", "--only", "api,worker")]
    ] as const
  )("%j", (args, expected) => {
    expect(readArgv(args, {})).toEqual(expected)
  })
})

describe("the tag rule for --gitsha and --to", () => {
  const TAG = "expected a Docker image tag: letters, digits, _ . -, at most 128 characters, not starting with . or -"
  it.each(
    [
      [["deploy", "--gitsha", "-bad"], `gehen: --gitsha "-bad": ${TAG}; see gehen deploy --help`],
      [["deploy", "--gitsha=-bad"], `gehen: --gitsha "-bad": ${TAG}; see gehen deploy --help`],
      [["-gitsha", "-bad"], `gehen: --gitsha "-bad": ${TAG}; see gehen deploy --help`],
      [["deploy", "--gitsha", "feature/x"], `gehen: --gitsha "feature/x": ${TAG}; see gehen deploy --help`],
      [["rollback", "--to", ".x"], `gehen: --to ".x": ${TAG}; see gehen rollback --help`]
    ] as const
  )("%j", (args, message) => {
    expect(readArgv(args, {})).toEqual(error(message))
  })

  it("a single-dash word that names an option is no value: the sha is missing", () => {
    expect(readArgv(["-gitsha", "-path", "g.yml"], {})).toEqual(
      error("gehen: no version to deploy: pass --gitsha <sha> or set GEHEN_GITSHA; see gehen deploy --help")
    )
  })
})

describe("intentOf: what a broken command line still says about its report", () => {
  it.each(
    [
      [["deploy", "--dryrun", "--output", "json", "--gitsha", "abc"], {}, {
        command: "deploy",
        json: true,
        version: "abc"
      }],
      [["-gitsha=abc", "-output=json", "-pth", "x"], {}, { command: "deploy", json: true, version: "abc" }],
      [["deploy", "--output", "json"], { GEHEN_GITSHA: "fromenv" }, {
        command: "deploy",
        json: true,
        version: "fromenv"
      }],
      [["rollback", "--to", "abc", "--output=json", "--x"], {}, { command: "rollback", json: true, version: "abc" }],
      [["status", "--olny", "x", "-output", "json"], {}, { command: "status", json: true, version: undefined }],
      [["stauts", "--output", "json"], {}, { command: undefined, json: true, version: undefined }],
      [["--completions", "foo", "--output", "json"], {}, { command: undefined, json: true, version: undefined }],
      [["deploy", "--output", "text"], {}, { command: "deploy", json: false, version: undefined }],
      [["deploy", "--output"], {}, { command: "deploy", json: false, version: undefined }]
    ] as const
  )("%j with %j", (args, env, expected) => {
    expect(intentOf(args, env)).toEqual(expected)
  })
})

describe("no version to deploy", () => {
  const NO_VERSION = error(
    "gehen: no version to deploy: pass --gitsha <sha> or set GEHEN_GITSHA; see gehen deploy --help"
  )
  it.each(
    [
      [["deploy"], {}],
      [["deploy", "--path", "g.yml"], {}],
      [["deploy", "--gitsha", ""], {}],
      // An unset shell variable: `--gitsha $SHA` arrives as a lone --gitsha.
      [["deploy", "--gitsha"], {}],
      [["deploy", "--gitsha", "--dry-run"], {}],
      [["-gitsha="], {}],
      [["deploy"], { GEHEN_GITSHA: "" }],
      [["deploy"], { GEHEN_GITSHA: "  " }]
    ] as const
  )("%j with %j", (args, env) => {
    expect(readArgv(args, env)).toEqual(NO_VERSION)
  })

  it("GEHEN_GITSHA stands in for --gitsha", () => {
    expect(readArgv(["deploy"], { GEHEN_GITSHA: "abc1234" })).toEqual(run("deploy"))
  })
})

describe("nearest", () => {
  it.each(
    [
      ["dryrun", ["dry-run", "path"], "dry-run"],
      ["PATH", ["path"], "path"],
      ["x", ["dry-run", "path"], undefined]
    ] as const
  )("%s among %j -> %s", (word, known, expected) => {
    expect(nearest(word, known)).toBe(expected)
  })
})
