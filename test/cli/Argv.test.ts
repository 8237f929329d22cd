import { describe, expect, it } from "vitest"
import { type Invocation, nearest, readArgv } from "../../src/cli/Argv.js"

const run = (...args: ReadonlyArray<string>): Invocation => ({ _tag: "Run", command: args[0] as "deploy", args })
const error = (message: string): Invocation => ({ _tag: "UsageError", message })

describe("the original Gehen's invocation", () => {
  it.each([
    [["-gitsha", "abc1234"], run("deploy", "--gitsha", "abc1234")],
    [["-gitsha=abc1234", "-path", "deploy/gehen.yml"], run("deploy", "--gitsha", "abc1234", "--path", "deploy/gehen.yml")],
    [["--gitsha", "abc1234", "--path=g.yml"], run("deploy", "--gitsha", "abc1234", "--path", "g.yml")],
    [["-path=g.yml", "--gitsha=abc1234"], run("deploy", "--path", "g.yml", "--gitsha", "abc1234")],
    [["deploy", "-gitsha", "abc1234"], run("deploy", "--gitsha", "abc1234")],
    [["-version"], { _tag: "Version" }],
    [["--version"], { _tag: "Version" }],
    [[], { _tag: "Usage" }]
  ] as const)("%j", (args, expected) => {
    expect(readArgv(args, {})).toEqual(expected)
  })
})

describe("help, commands and options", () => {
  it.each([
    [["--help"], { _tag: "Help", command: undefined }],
    [["-h"], { _tag: "Help", command: undefined }],
    [["help"], { _tag: "Help", command: undefined }],
    [["deploy", "--help"], { _tag: "Help", command: "deploy" }],
    [["status", "-help"], { _tag: "Help", command: "status" }],
    [["status", "--path", "g.yml", "--output", "json"], run("status", "--path", "g.yml", "--output", "json")],
    [["deploy", "--gitsha", "abc1234", "--dry-run", "--on-interrupt", "leave"], run("deploy", "--gitsha", "abc1234", "--dry-run", "--on-interrupt", "leave")],
    [["--completions", "bash"], { _tag: "Completions", args: ["--completions", "bash"] }]
  ] as const)("%j", (args, expected) => {
    expect(readArgv(args, {})).toEqual(expected)
  })
})

describe("usage mistakes name the nearest valid word and point to --help", () => {
  it.each([
    [["deplyo"], error(`gehen: unknown command "deplyo" (did you mean "deploy"?); see gehen --help`)],
    [["stats"], error(`gehen: unknown command "stats" (did you mean "status"?); see gehen --help`)],
    [["frobnicate"], error(`gehen: unknown command "frobnicate"; see gehen --help`)],
    [["deploy", "--dryrun", "--gitsha", "x"], error("gehen: unknown option --dryrun for gehen deploy (did you mean --dry-run?); see gehen deploy --help")],
    [["deploy", "--gitsah", "x"], error("gehen: unknown option --gitsah for gehen deploy (did you mean --gitsha?); see gehen deploy --help")],
    [["-gitsah=x"], error("gehen: unknown option -gitsah (did you mean --gitsha?); see gehen --help")],
    [["deploy", "--wizard"], error("gehen: unknown option --wizard for gehen deploy; see gehen deploy --help")],
    [["status", "--gitsha", "x"], error("gehen: unknown option --gitsha for gehen status; see gehen status --help")],
    [["deploy", "--gitsha", "x", "--output", "xml"], error(`gehen: --output "xml": expected text or json; see gehen deploy --help`)],
    [["deploy", "--gitsha", "x", "--dry-run=yes"], error("gehen: --dry-run takes no value; see gehen deploy --help")],
    [["deploy", "--gitsha", "x", "--path"], error("gehen: --path needs a value; see gehen deploy --help")],
    [["deploy", "--gitsha", "x", "extra"], error(`gehen: unexpected argument "extra"; see gehen deploy --help`)],
    [["deploy", "--gitsha", "a", "--gitsha", "b"], error("gehen: --gitsha given twice; see gehen deploy --help")],
    [["--path", "g.yml", "deploy"], error("gehen: put the command first: gehen deploy [options]; see gehen --help")]
  ] as const)("%j", (args, expected) => {
    expect(readArgv(args, {})).toEqual(expected)
  })
})

describe("no version to deploy", () => {
  const NO_VERSION = error("gehen: no version to deploy: pass --gitsha <sha> or set GEHEN_GITSHA; see gehen deploy --help")
  it.each([
    [["deploy"], {}],
    [["deploy", "--path", "g.yml"], {}],
    [["deploy", "--gitsha", ""], {}],
    // An unset shell variable: `--gitsha $SHA` arrives as a lone --gitsha.
    [["deploy", "--gitsha"], {}],
    [["deploy", "--gitsha", "--dry-run"], {}],
    [["-gitsha="], {}],
    [["deploy"], { GEHEN_GITSHA: "" }],
    [["deploy"], { GEHEN_GITSHA: "  " }]
  ] as const)("%j with %j", (args, env) => {
    expect(readArgv(args, env)).toEqual(NO_VERSION)
  })

  it("GEHEN_GITSHA stands in for --gitsha", () => {
    expect(readArgv(["deploy"], { GEHEN_GITSHA: "abc1234" })).toEqual(run("deploy"))
  })
})

describe("nearest", () => {
  it.each([
    ["dryrun", ["dry-run", "path"], "dry-run"],
    ["PATH", ["path"], "path"],
    ["x", ["dry-run", "path"], undefined]
  ] as const)("%s among %j -> %s", (word, known, expected) => {
    expect(nearest(word, known)).toBe(expected)
  })
})
