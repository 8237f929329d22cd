// `--version` and `--help` are answered by the launcher without loading the CLI bundle
// (src/cli/FastPath.ts). Each such command line is run both ways, through the launcher
// (dist/cli/gehen.cjs) and through the CLI bundle itself (dist/cli/main.cjs, which the
// launcher otherwise runs): stdout, stderr and the exit code are the same, byte for byte,
// plain and coloured. A preload records the files the process read, to show which way
// each went.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { fastAnswer } from "../../src/cli/FastPath.js"
import { CLI, runProcess } from "../support/subprocess.js"

const MAIN = join(dirname(CLI), "main.cjs")
const dir = mkdtempSync(join(tmpdir(), "gehen-fast-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const record = join(dir, "read.json")
const preload = join(dir, "record-reads.cjs")
writeFileSync(
  preload,
  `const fs = require("node:fs"); const read = fs.readFileSync; const seen = []
  fs.readFileSync = function (path, ...rest) { seen.push(String(path)); return read.call(this, path, ...rest) }
  process.on("exit", () => fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify(seen)))`
)

// One run at a time: they share the record file.
const run = async (file: string, args: ReadonlyArray<string>, env: Record<string, string>) => {
  const r = await runProcess(process.execPath, ["-r", preload, file, ...args], {
    env: { PATH: process.env["PATH"] ?? "", HOME: dir, ...env }
  })
  return {
    code: r.code,
    stdout: r.stdout,
    stderr: r.stderr,
    read: JSON.parse(readFileSync(record, "utf8")) as Array<string>
  }
}

const FAST: ReadonlyArray<ReadonlyArray<string>> = [
  ["--version"],
  ["-version"],
  ["-v"],
  ["--help"],
  ["-help"],
  ["-h"],
  ["help"],
  ["deploy", "--help"],
  ["deploy", "-h"],
  ["rollback", "--help"],
  ["status", "--help"],
  ["status", "-help"],
  ["deploy", "--gitsha", "abc1234", "--help"],
  ["-gitsha", "abc1234", "--help"]
]

describe("the launcher's fast path", () => {
  for (const args of FAST) {
    for (const [colour, env] of [["plain", { NO_COLOR: "1" }], ["coloured", { FORCE_COLOR: "1" }]] as const) {
      it(`gehen ${args.join(" ")} (${colour}) prints what the CLI prints, without reading the CLI bundle`, async () => {
        const fast = await run(CLI, args, env)
        const full = await run(MAIN, args, env)
        expect(full.code).toBe(0)
        expect(full.stdout.length).toBeGreaterThan(0)
        expect({ code: fast.code, stdout: fast.stdout, stderr: fast.stderr }).toEqual({
          code: full.code,
          stdout: full.stdout,
          stderr: full.stderr
        })
        expect(fast.read.filter((f) => f.endsWith("main.cjs"))).toEqual([])
      })
    }
  }

  it("every other command line goes to the CLI", async () => {
    for (
      const args of [
        [],
        ["deploy"],
        ["deploy", "--version"],
        ["--completions", "bash"],
        ["status", "--path", "x.yml"],
        ["deplyo", "--help"]
      ]
    ) {
      expect(fastAnswer(args, {}, false), args.join(" ")).toBeUndefined()
    }
    const usage = await run(CLI, ["deploy", "--version"], { NO_COLOR: "1" })
    expect(usage.code).toBe(1)
    expect(usage.read.filter((f) => f.endsWith("main.cjs"))).toHaveLength(1)
  })
})
