// The package as CI installs a tool: `npm pack`, then `npm install -g` of the tarball into a
// fresh prefix, then `gehen` from another directory, with the Node that runs this suite.
// The installed CLI is its bundle: the package has no dependencies, so the install is
// gehen alone, a few MB, with no install script. The library's imports are optional peer
// dependencies, for apps that embed it.
import { build } from "esbuild"
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const exec = promisify(execFile)
const root = join(import.meta.dirname, "..", "..")
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  version: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  devDependencies: Record<string, string>
  peerDependencies: Record<string, string>
  peerDependenciesMeta: Record<string, { optional?: boolean }>
  scripts: Record<string, string>
}

const dir = mkdtempSync(join(tmpdir(), "gehen-install-"))
const prefix = join(dir, "prefix")
const elsewhere = join(dir, "elsewhere")
const installed = join(prefix, "lib", "node_modules", "gehen")
// npm and the installed bin's `#!/usr/bin/env node` get the Node running this suite.
const PATH = `${join(prefix, "bin")}:${dirname(process.execPath)}:${process.env["PATH"] ?? ""}`
const npmEnv = {
  ...process.env,
  PATH,
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false"
}

let packed: { filename: string; files: ReadonlyArray<{ path: string }> }
let installOutput = ""

beforeAll(async () => {
  mkdirSync(elsewhere)
  // --ignore-scripts: `prepack` would rebuild dist/ under the other test files' feet.
  const pack = await exec("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: root,
    env: npmEnv
  })
  packed = (JSON.parse(pack.stdout) as Array<typeof packed>)[0]!
  const install = await exec("npm", ["install", "-g", "--prefix", prefix, join(dir, packed.filename)], {
    cwd: elsewhere,
    env: npmEnv
  })
  installOutput = install.stdout + install.stderr
}, 600_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Every file under `path`, with its size. */
const files = (path: string): Array<{ path: string; size: number }> =>
  readdirSync(path, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(path, e.name))
      : [{ path: join(path, e.name), size: statSync(join(path, e.name)).size }]
  )

/** `gehen` (or `gehen-sim`) through the prefix's bin, from a directory with no package.json. */
const gehen = async (args: ReadonlyArray<string>, env: Record<string, string> = {}, bin = "gehen") => {
  const r = await exec(join(prefix, "bin", bin), args, {
    cwd: elsewhere,
    env: { PATH, HOME: join(dir, "home"), NO_COLOR: "1", ...env }
  })
  return { stdout: r.stdout, stderr: r.stderr }
}

describe("npm pack", () => {
  it("packs the executables, the library, the schema and the licences; no code cache, source, map or lock file", () => {
    const names = packed.files.map((f) => f.path)
    for (
      const f of [
        "dist/cli/gehen.cjs",
        "dist/cli/main.cjs",
        "dist/cli/gehen-sim.cjs",
        "dist/cli/THIRD_PARTY_LICENSES.txt",
        "dist/lib/index.js",
        "dist/lib/index.d.ts",
        "dist/lib/testing/index.js",
        "gehen.schema.json",
        "gehen.example.yml",
        "LICENSE",
        "README.md"
      ]
    ) expect(names, f).toContain(f)
    expect(
      names.filter((f) => f.endsWith(".cache") || f.endsWith(".map") || /^(src|test|tools|scripts|action)\//.test(f))
    ).toEqual([])
    expect(names.filter((f) => /(npm-shrinkwrap|package-lock)\.json$/.test(f))).toEqual([])
  })

  it("its licence file has the text of every package bundled into the CLI", () => {
    const licences = readFileSync(join(installed, "dist", "cli", "THIRD_PARTY_LICENSES.txt"), "utf8")
    for (
      const name of [
        "effect",
        "@effect/cli",
        "@effect/platform",
        "@effect/platform-node",
        "@aws-sdk/client-ecs",
        "@smithy/core",
        "yaml",
        "hot-shots",
        "@sentry/core"
      ]
    ) {
      expect(licences).toMatch(new RegExp(`^${name}@[^ ]+ \\((MIT|Apache-2.0|ISC)\\)\\n-+\\n`, "m"))
    }
  })

  it("the schema names where it is served", () => {
    const schema = JSON.parse(readFileSync(join(installed, "gehen.schema.json"), "utf8")) as { $id?: string }
    expect(schema.$id).toBe("https://unpkg.com/gehen/gehen.schema.json")
  })
})

describe("npm install -g of the tarball", () => {
  it("installs gehen alone: no dependencies, no install script, a few MB", () => {
    expect(pkg.dependencies ?? {}).toEqual({})
    expect(pkg.optionalDependencies ?? {}).toEqual({})
    for (const script of ["preinstall", "install", "postinstall", "prepare"]) {
      expect(pkg.scripts[script], script).toBeUndefined()
    }
    // The prefix holds gehen's own directory and its two executables, nothing else.
    expect(readdirSync(join(prefix, "lib", "node_modules"))).toEqual(["gehen"])
    expect(files(installed).filter((f) => f.path.slice(installed.length).includes("node_modules"))).toEqual([])
    const bytes = files(prefix).reduce((n, f) => n + f.size, 0)
    expect(bytes).toBeLessThan(10 * 2 ** 20)
    expect(installOutput).not.toMatch(/npm (error|ERR)|install-scripts|install scripts/)
  })

  it("the library's imports are its peer dependencies, all optional (npm would install required ones for CLI users too)", async () => {
    const imported = new Set<string>()
    for (const entry of ["index.js", "testing/index.js"]) {
      const r = await build({
        entryPoints: [join(installed, "dist", "lib", entry)],
        bundle: true,
        write: false,
        platform: "node",
        format: "esm",
        packages: "external",
        metafile: true,
        logLevel: "silent"
      })
      for (const input of Object.values(r.metafile.inputs)) {
        for (const i of input.imports) {
          if (i.external && !i.path.startsWith("node:")) imported.add(/^((?:@[^/]+\/)?[^/]+)/.exec(i.path)![1]!)
        }
      }
    }
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([...imported].sort())
    for (const name of imported) {
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true)
      // The range admits the version the tests ran with.
      const [major] = pkg.devDependencies[name]!.split(".")
      expect(pkg.peerDependencies[name], name).toMatch(new RegExp(`^[~^]${major}\\.`))
    }
  })

  it("devDependencies are pinned to exact versions", () => {
    for (const [name, version] of Object.entries(pkg.devDependencies)) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/)
    }
  })

  it("gehen runs from any directory; --version answers at once, the CLI's first run writes the code cache for this Node, the next ones use it", async () => {
    const xdg = join(dir, "xdg")
    const env = { XDG_CACHE_HOME: xdg, GEHEN_DEBUG_CODE_CACHE: "1" }
    const version = await gehen(["--version"], env)
    expect(version).toEqual({ stdout: `${pkg.version}\n`, stderr: "" })
    const first = await gehen(["--completions", "bash"], env)
    expect(first.stdout).toContain("gehen")
    expect(first.stderr).toContain("gehen: code cache: none for")
    expect(first.stderr).toContain(`gehen: code cache: wrote ${join(xdg, "gehen")}/main-${process.version}-`)
    const second = await gehen(["--completions", "bash"], env)
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
