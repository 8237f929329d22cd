// The single executable (`npm run build:sea`) as the original Gehen's binary was used: one
// file, no node and no node_modules on the machine, an empty PATH. Built here, with the Node
// running this suite, because it takes a few seconds (a bundle, Node's blob, a copy of the
// Node binary and postject's injection), so .ci/run tests it on every Node it runs.
import { execFile, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cliEnv, type Run, setupDeploy } from "../support/subprocess.js"
import { SHA } from "../support/world.js"

const exec = promisify(execFile)
const root = join(import.meta.dirname, "..", "..")
const executable = join(root, "dist", "sea", `gehen-${process.platform}-${process.arch}`)
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }

const worlds: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()))
})

// Node's single executable applications need no signing step on Linux only.
describe.runIf(process.platform === "linux")("single executable", () => {
  beforeAll(async () => {
    await exec(process.execPath, ["scripts/sea.mjs"], { cwd: root })
  }, 120_000)

  const run = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) =>
    new Promise<Run>((resolve) => {
      const child = spawn(executable, args, { env, stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
    })

  it("is one file, with the licences of what it holds beside it", () => {
    expect(existsSync(executable)).toBe(true)
    const licences = readFileSync(join(root, "dist", "sea", "THIRD_PARTY_LICENSES.txt"), "utf8")
    for (const name of ["@aws-sdk/client-ecs", "effect", "yaml", "hot-shots", "@sentry/core"]) {
      expect(licences).toMatch(new RegExp(`^${name}@[^ ]+ \\(`, "m"))
    }
    expect(licences).toMatch(new RegExp(`^Node\\.js ${process.version.replace(/\./g, "\\.")}$`, "m"))
  })

  it("--version and --help with an empty PATH", async () => {
    const env = { PATH: "", HOME: root, NO_COLOR: "1" }
    const v = await run(["--version"], env)
    expect(v.code).toBe(0)
    expect(v.stdout.trim()).toBe(version)
    // No experimental-feature warning, no code cache notice.
    expect(v.stderr).toBe("")
    const h = await run(["--help"], env)
    expect(h.code).toBe(0)
    expect(h.stdout).toContain("Usage: gehen")
    expect(h.stderr).toBe("")
  })

  it("starts the CLI from the code cache made at build time for the Node inside it; --version needs neither", async () => {
    const r = await run(["--completions", "bash"], { PATH: "", GEHEN_DEBUG_CODE_CACHE: "1" })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("complete -F")
    expect(r.stderr.trim()).toBe("gehen: code cache: used (single executable)")
    const fast = await run(["--version"], { PATH: "", GEHEN_DEBUG_CODE_CACHE: "1" })
    expect(fast).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" })
  })

  it("deploys against the simulator with an empty PATH: the AWS SDK is inside", async () => {
    const s = await setupDeploy(worlds)
    const env = { ...cliEnv(s.server.url, s.dir, { NO_COLOR: "1" }), PATH: "" }
    const r = await run(["deploy", "--gitsha", SHA, "--path", s.path, "--output", "json"], env)
    expect(r.stderr).toContain("deployed and drained")
    expect(r.code).toBe(0)
    expect((JSON.parse(r.stdout) as { outcome: string }).outcome).toBe("deployed")
    expect((await s.calls("UpdateService")).length).toBe(2)
    expect((await s.calls("PutTargets")).length).toBe(1)
  })
})
