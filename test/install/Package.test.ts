// The package as CI installs a tool: `npm pack`, then `npm install -g` of the tarball into a
// fresh prefix, then `gehen` from another directory, with the Node that runs this suite.
// What is installed is what the CLI runs, at the versions of the lock file. (`npx` of the
// tarball installs the same tree once more, into npm's cache: too slow to repeat per Node.)
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const exec = promisify(execFile)
const root = join(import.meta.dirname, "..", "..")
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  version: string
  dependencies: Record<string, string>
}
const shrinkwrap = JSON.parse(readFileSync(join(root, "npm-shrinkwrap.json"), "utf8")) as {
  packages: Record<string, { version?: string; dev?: boolean }>
}

const dir = mkdtempSync(join(tmpdir(), "gehen-install-"))
const prefix = join(dir, "prefix")
const elsewhere = join(dir, "elsewhere")
const installed = join(prefix, "lib", "node_modules", "gehen")
// npm and the installed bin's `#!/usr/bin/env node` get the Node running this suite.
const PATH = `${join(prefix, "bin")}:${dirname(process.execPath)}:${process.env["PATH"] ?? ""}`
const npmEnv = { ...process.env, PATH, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" }

let packed: { filename: string; files: ReadonlyArray<{ path: string }> }
let installOutput = ""

beforeAll(async () => {
  mkdirSync(elsewhere)
  // --ignore-scripts: `prepare` would rebuild dist/ under the other test files' feet.
  const pack = await exec("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: root, env: npmEnv })
  packed = (JSON.parse(pack.stdout) as Array<typeof packed>)[0]!
  // --prefer-offline: the packages `npm ci` put in npm's cache serve the install.
  const install = await exec("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", join(dir, packed.filename)], {
    cwd: elsewhere,
    env: npmEnv
  })
  installOutput = install.stdout + install.stderr
}, 180_000)

// The installed tree is over 100 MB: not left behind in /tmp by every run.
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** `gehen` (or `gehen-sim`) through the prefix's bin, from a directory with no package.json. */
const gehen = async (args: ReadonlyArray<string>, env: Record<string, string> = {}, bin = "gehen") => {
  const r = await exec(join(prefix, "bin", bin), args, {
    cwd: elsewhere,
    env: { PATH, HOME: join(dir, "home"), NO_COLOR: "1", ...env }
  })
  return { stdout: r.stdout, stderr: r.stderr }
}

describe("npm pack", () => {
  it("packs the executables, the library, the schema, the licences and the shrinkwrap; no code cache, source or map", () => {
    const files = packed.files.map((f) => f.path)
    for (const f of [
      "dist/cli/gehen.cjs",
      "dist/cli/main.cjs",
      "dist/cli/gehen-sim.cjs",
      "dist/cli/THIRD_PARTY_LICENSES.txt",
      "dist/lib/index.js",
      "dist/lib/index.d.ts",
      "dist/lib/testing/index.js",
      "gehen.schema.json",
      "gehen.example.yml",
      "npm-shrinkwrap.json",
      "LICENSE",
      "README.md"
    ]) expect(files, f).toContain(f)
    expect(files.filter((f) => f.endsWith(".cache") || f.endsWith(".map") || /^(src|test|tools|scripts)\//.test(f))).toEqual([])
  })

  it("its licence file has the text of every package bundled into the CLI", () => {
    const licences = readFileSync(join(installed, "dist", "cli", "THIRD_PARTY_LICENSES.txt"), "utf8")
    for (const name of ["effect", "@effect/cli", "@effect/platform", "@effect/platform-node"]) {
      expect(licences).toMatch(new RegExp(`^${name}@[^ ]+ \\(MIT\\)\\n-+\\n(MIT License|Copyright)`, "m"))
    }
  })

  it("the schema names where it is served", () => {
    const schema = JSON.parse(readFileSync(join(installed, "gehen.schema.json"), "utf8")) as { $id?: string }
    expect(schema.$id).toBe("https://unpkg.com/gehen/gehen.schema.json")
  })
})

describe("npm install -g of the tarball", () => {
  it("installs neither Effect nor its platform packages: they are in the bundle", () => {
    const modules = join(installed, "node_modules")
    expect(existsSync(join(modules, "effect"))).toBe(false)
    expect(existsSync(join(modules, "@effect"))).toBe(false)
    expect(existsSync(join(modules, "fast-check"))).toBe(false)
  })

  it("installs the runtime dependencies at the lock file's versions, pinned exactly", () => {
    for (const [name, pinned] of Object.entries(pkg.dependencies)) {
      expect(pinned, name).toMatch(/^\d+\.\d+\.\d+$/)
      expect(pinned, name).toBe(shrinkwrap.packages[`node_modules/${name}`]?.version)
      const { version } = JSON.parse(readFileSync(join(installed, "node_modules", name, "package.json"), "utf8")) as { version: string }
      expect(`${name}@${version}`).toBe(`${name}@${pinned}`)
    }
  })

  it("ships the lock file as npm-shrinkwrap.json with no package outside the lock, so a registry install gets the whole tested tree", () => {
    // npm reads a dependency's shrinkwrap only for registry installs (the registry marks
    // the version as having one); a tarball install resolves below the exact pins itself.
    const packedLock = JSON.parse(readFileSync(join(installed, "npm-shrinkwrap.json"), "utf8")) as typeof shrinkwrap
    expect(packedLock).toStrictEqual(shrinkwrap)
    const runtime = Object.entries(shrinkwrap.packages).filter(([path, p]) => path !== "" && p.dev !== true)
    expect(runtime.map(([path]) => path)).toContain("node_modules/@aws-sdk/core")
    expect(runtime.filter(([path]) => /^node_modules\/(effect|@effect\/)/.test(path))).toEqual([])
  })

  it("runs no install script of gehen's own", () => {
    expect(installOutput).not.toMatch(/npm (error|ERR)/)
  })

  it("gehen runs from any directory; its first run writes the code cache for this Node, the next ones use it", async () => {
    const xdg = join(dir, "xdg")
    const env = { XDG_CACHE_HOME: xdg, GEHEN_DEBUG_CODE_CACHE: "1" }
    const first = await gehen(["--version"], env)
    expect(first.stdout.trim()).toBe(pkg.version)
    expect(first.stderr).toContain("gehen: code cache: none for")
    expect(first.stderr).toContain(`gehen: code cache: wrote ${join(xdg, "gehen")}/main-${process.version}-`)
    const second = await gehen(["--help"], env)
    expect(second.stdout).toContain("Usage: gehen")
    expect(second.stderr).toMatch(new RegExp(`^gehen: code cache: used ${join(xdg, "gehen")}/main-`))
    expect(readdirSync(join(xdg, "gehen"))).toHaveLength(1)
  })

  it("gehen deploy finds its gehen.yml in the working directory (and says so when there is none)", async () => {
    const r = await gehen(["deploy", "--gitsha", "abcdef1"]).catch((e: { code: number; stderr: string }) => e)
    expect("code" in r ? r.code : 0).toBe(1)
    expect(r.stderr).toContain(elsewhere)
  })

  it("gehen-sim is installed beside it", async () => {
    const r = await gehen(["--help"], {}, "gehen-sim")
    expect(r.stdout + r.stderr).toContain("gehen-sim")
  })
})
