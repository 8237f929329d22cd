// What the CLI loads. `gehen --version` and `gehen --help`: the launcher only, not the CLI
// bundle, nor Node's crypto and terminal modules (start-up within 1.3x `node -e 0`;
// `npm run bench` measures the time itself). A command the CLI runs: its bundle, and no
// file from node_modules, since everything it needs is inside it.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { CLI, runProcess } from "../support/subprocess.js"

const root = join(import.meta.dirname, "..", "..")

/**
 * Runs the bundled CLI with a preload that records, at exit, which modules the process
 * loaded (the files require() loaded, Node's built-in modules).
 */
const loadedBy = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const dir = mkdtempSync(join(tmpdir(), "gehen-startup-"))
  const record = join(dir, "loaded.json")
  const preload = join(dir, "record.cjs")
  writeFileSync(
    preload,
    `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify({
      builtins: process.moduleLoadList, files: Object.keys(require.cache) })))`
  )
  const r = await runProcess(process.execPath, ["-r", preload, CLI, ...args], {
    env: { PATH: process.env["PATH"] ?? "", HOME: dir, NO_COLOR: "1", ...env }
  })
  const loaded = JSON.parse(readFileSync(record, "utf8")) as { builtins: Array<string>; files: Array<string> }
  // The preload itself is in require's cache too.
  return {
    code: r.code,
    stdout: r.stdout,
    stderr: r.stderr,
    ...loaded,
    files: loaded.files.filter((f) => f !== preload)
  }
}

describe("start-up", () => {
  for (const args of [["--version"], ["--help"]]) {
    it(`gehen ${args.join(" ")} loads the launcher alone: neither the CLI bundle nor Node's crypto and terminal`, async () => {
      const run = await loadedBy(args)
      expect(run.stdout.length).toBeGreaterThan(0)
      // Piped: no colour codes.
      expect(run.stdout).not.toContain("\u001b[")
      expect(run.builtins).not.toContain("NativeModule crypto")
      expect(run.builtins).not.toContain("NativeModule readline")
      expect(run.builtins).not.toContain("NativeModule vm")
      expect(run.files).toEqual([CLI])
    })
  }

  it("a command the CLI runs loads no file from node_modules: every dependency is in the bundle", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gehen-startup-"))
    const config = join(dir, "gehen.yml")
    writeFileSync(config, "services:\n  api:\n    cluster: prod\n")
    // Against a closed port, with one attempt: config, credentials and the SDK load, the first call fails.
    const run = await loadedBy(["status", "--path", config], {
      AWS_ENDPOINT_URL: "http://127.0.0.1:1",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDSTARTUP",
      AWS_SECRET_ACCESS_KEY: "startup",
      AWS_CONFIG_FILE: join(dir, "none"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
      AWS_MAX_ATTEMPTS: "1"
    })
    expect(run.code).toBe(1)
    // status asks whom it reads as first: STS's call is the one that fails.
    expect(run.stderr).toContain("GetCallerIdentity failed")
    // The SDK's HTTP handler ran.
    expect(run.builtins).toContain("NativeModule http")
    expect(run.files).toEqual([CLI])
  })

  it("gehen --version prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }
    expect((await loadedBy(["--version"])).stdout.trim()).toBe(version)
  })

  it("src imports Effect modules by path: the \"effect\" barrel would put all of Effect in the CLI bundle", () => {
    const files = (dir: string): Array<string> =>
      readdirSync(dir).flatMap((f) => statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)])
    const barrel = files(join(root, "src"))
      .filter((f) => f.endsWith(".ts") && /from "effect"/.test(readFileSync(f, "utf8")))
    expect(barrel).toEqual([])
  })
})
