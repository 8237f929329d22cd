// The launcher's code cache where the package was installed, not built: no cache beside the
// bundle, so the first run of the CLI writes one into the per-user cache directory and the
// next runs use it. GEHEN_DEBUG_CODE_CACHE=1 makes the launcher say which cache it used or
// wrote. (`--version` and `--help` never load the CLI, so these runs print completions.)
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { CLI, runProcess } from "../support/subprocess.js"

const root = join(import.meta.dirname, "..", "..")
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }

const made: Array<string> = []
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

/** The launcher and the bundle alone in a fresh directory, as a package install lays them out. */
const installedCopy = () => {
  const dir = mkdtempSync(join(tmpdir(), "gehen-cache-"))
  made.push(dir)
  const bin = join(dir, "package", "dist", "cli")
  mkdirSync(bin, { recursive: true })
  for (const f of ["gehen.cjs", "main.cjs"]) copyFileSync(join(dirname(CLI), f), join(bin, f))
  return { dir, launcher: join(bin, "gehen.cjs"), xdg: join(dir, "xdg") }
}

/** A command line the CLI itself answers (exit 0, a completion script on stdout). */
const COMPLETIONS = ["--completions", "bash"]

const run = async (launcher: string, env: Record<string, string>, args: ReadonlyArray<string> = COMPLETIONS) => {
  const r = await runProcess(process.execPath, [launcher, ...args], {
    cwd: tmpdir(),
    env: { PATH: process.env["PATH"] ?? "", HOME: join(dirname(launcher), "home"), NO_COLOR: "1", ...env }
  })
  return { code: r.code, stdout: r.stdout, stderr: r.stderr }
}

const debug = { GEHEN_DEBUG_CODE_CACHE: "1" }
const completions = (stdout: string) => expect(stdout).toContain("complete -F")
const cacheName = new RegExp(`^main-${process.version.replace(/\./g, "\\.")}-${process.arch}-[0-9a-f]{16}\\.cache$`)

describe("code cache of an installed package", () => {
  it("the first run writes one into $XDG_CACHE_HOME/gehen, the second uses it", async () => {
    const { launcher, xdg } = installedCopy()
    const first = await run(launcher, { ...debug, XDG_CACHE_HOME: xdg })
    expect(first.code).toBe(0)
    completions(first.stdout)
    expect(first.stderr).toMatch(/^gehen: code cache: none for main-/m)
    const files = readdirSync(join(xdg, "gehen"))
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(cacheName)
    const cache = join(xdg, "gehen", files[0]!)
    expect(first.stderr).toContain(`gehen: code cache: wrote ${cache}`)
    const written = statSync(cache).mtimeMs

    const second = await run(launcher, { ...debug, XDG_CACHE_HOME: xdg })
    expect(second.code).toBe(0)
    completions(second.stdout)
    expect(second.stderr.trim()).toBe(`gehen: code cache: used ${cache}`)
    expect(statSync(cache).mtimeMs).toBe(written)
    // A usage mistake runs other code: the same cache serves it.
    const mistake = await run(launcher, { ...debug, XDG_CACHE_HOME: xdg }, ["deploy", "--version"])
    expect(mistake.code).toBe(1)
    expect(mistake.stderr).toContain("--version is not an option of gehen deploy")
    expect(mistake.stderr).toContain(`gehen: code cache: used ${cache}`)
    // --version answers without the CLI, so without its cache.
    const fast = await run(launcher, { ...debug, XDG_CACHE_HOME: xdg }, ["--version"])
    expect(fast).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" })
  })

  it("a foreign file under the cache's name is rejected and replaced; the next run uses the new one", async () => {
    const { launcher, xdg } = installedCopy()
    await run(launcher, { XDG_CACHE_HOME: xdg })
    const [name] = readdirSync(join(xdg, "gehen"))
    const cache = join(xdg, "gehen", name!)
    writeFileSync(cache, "not a V8 code cache")
    const rejected = await run(launcher, { ...debug, XDG_CACHE_HOME: xdg })
    expect(rejected.code).toBe(0)
    completions(rejected.stdout)
    expect(rejected.stderr).toContain(`gehen: code cache: rejected ${cache}`)
    expect(rejected.stderr).toContain(`gehen: code cache: wrote ${cache}`)
    expect((await run(launcher, { ...debug, XDG_CACHE_HOME: xdg })).stderr.trim()).toBe(
      `gehen: code cache: used ${cache}`
    )
  })

  it("GEHEN_CACHE_DIR wins over XDG_CACHE_HOME; a new bundle's cache replaces this Node's older ones, not another Node's", async () => {
    const { launcher, dir, xdg } = installedCopy()
    const own = join(dir, "own")
    mkdirSync(own)
    const older = join(own, `main-${process.version}-${process.arch}-0000000000000000.cache`)
    const otherNode = join(own, `main-v0.0.0-${process.arch}-0000000000000000.cache`)
    writeFileSync(older, "an older bundle's cache")
    writeFileSync(otherNode, "another Node's cache")
    const r = await run(launcher, { ...debug, XDG_CACHE_HOME: xdg, GEHEN_CACHE_DIR: own })
    expect(r.code).toBe(0)
    expect(existsSync(xdg)).toBe(false)
    const files = readdirSync(own).sort()
    expect(files.filter((f) => cacheName.test(f) && !f.endsWith("-0000000000000000.cache"))).toHaveLength(1)
    expect(existsSync(older)).toBe(false)
    expect(existsSync(otherNode)).toBe(true)
  })

  it("a cache directory that cannot be written is skipped without a word", async () => {
    const { launcher, dir } = installedCopy()
    const file = join(dir, "a-file")
    writeFileSync(file, "")
    for (const env of [{ XDG_CACHE_HOME: file }, { GEHEN_CACHE_DIR: join(file, "gehen") }]) {
      const r = await run(launcher, env)
      expect(r.code).toBe(0)
      completions(r.stdout)
      expect(r.stderr).toBe("")
    }
    const said = await run(launcher, { ...debug, XDG_CACHE_HOME: file })
    expect(said.stderr).toContain("gehen: code cache: could not write")
  })

  it("a checkout uses the cache `npm run build` made beside the bundle, and writes none for the user", async () => {
    const xdg = mkdtempSync(join(tmpdir(), "gehen-cache-xdg-"))
    made.push(xdg)
    const r = await runProcess(process.execPath, [CLI, ...COMPLETIONS], {
      env: { PATH: process.env["PATH"] ?? "", HOME: xdg, XDG_CACHE_HOME: xdg, ...debug }
    })
    expect(r.code).toBe(0)
    expect(r.stderr.trim()).toMatch(new RegExp(`^gehen: code cache: used ${dirname(CLI)}/main-`))
    expect(readdirSync(xdg)).toEqual([])
  })

  it("the exit code is the CLI's whatever happens to the cache", async () => {
    const { launcher, xdg } = installedCopy()
    // `gehen` alone is a usage error: exit 1, and the cache is still written.
    const r = await run(launcher, { ...debug, XDG_CACHE_HOME: xdg }, [])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("gehen: code cache: wrote")
    expect((await runProcess(process.execPath, [launcher], { env: { PATH: "", XDG_CACHE_HOME: "/dev/null" } })).code)
      .toBe(1)
  })
})
