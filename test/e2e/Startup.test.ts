// What `gehen --version` and `gehen --help` load: the bundle only, not the AWS SDK, nor
// Node's file system and terminal implementations (node:crypto, node:readline), nor the
// whole of Effect. Each of these once cost a visible share of the start-up (issue: start
// under 3x `node -e 0`); `npm run bench` measures the time itself.
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { CLI } from "../support/subprocess.js"

const root = join(import.meta.dirname, "..", "..")

/** Runs the bundled CLI with a preload that records, at exit, which modules the process loaded. */
const loadedBy = (args: ReadonlyArray<string>) => {
  const dir = mkdtempSync(join(tmpdir(), "gehen-startup-"))
  const record = join(dir, "loaded.json")
  const preload = join(dir, "record.cjs")
  writeFileSync(
    preload,
    `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify({
      builtins: process.moduleLoadList, files: Object.keys(require.cache) })))`
  )
  const stdout = execFileSync(process.execPath, ["-r", preload, CLI, ...args], {
    env: { PATH: process.env["PATH"] ?? "", HOME: dir, NO_COLOR: "1" }
  }).toString()
  const loaded = JSON.parse(readFileSync(record, "utf8")) as { builtins: Array<string>; files: Array<string> }
  return { stdout, ...loaded }
}

describe("start-up", () => {
  for (const args of [["--version"], ["--help"]]) {
    it(`gehen ${args.join(" ")} loads neither the AWS SDK nor Node's file system and terminal`, () => {
      const run = loadedBy(args)
      expect(run.stdout.length).toBeGreaterThan(0)
      // Piped: no colour codes.
      expect(run.stdout).not.toContain("\u001b[")
      expect(run.builtins).not.toContain("NativeModule crypto")
      expect(run.builtins).not.toContain("NativeModule readline")
      expect(run.files.filter((f) => f.includes("@aws-sdk") || f.includes("@smithy"))).toEqual([])
      expect(run.files.filter((f) => f.includes("node_modules/yaml"))).toEqual([])
    })
  }

  it("gehen --version prints the package's version", () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }
    expect(loadedBy(["--version"]).stdout.trim()).toBe(version)
  })

  it("src imports Effect modules by path: the \"effect\" barrel would put all of Effect in the CLI bundle", () => {
    const files = (dir: string): Array<string> =>
      readdirSync(dir).flatMap((f) => statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)])
    const barrel = files(join(root, "src"))
      .filter((f) => f.endsWith(".ts") && /from "effect"/.test(readFileSync(f, "utf8")))
    expect(barrel).toEqual([])
  })
})
