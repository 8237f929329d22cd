/**
 * What installing gehen costs: `npm pack` of the checkout, then `npm install -g` of the
 * tarball into an empty prefix, timed by the bench's clock; the prefix's size (`du`), the
 * packages in it and their install scripts.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"
import { tempDir } from "../demo/cli.js"
import type { InstallResult } from "./model.js"

const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"]

/** Every `node_modules/<name>` (and `<scope>/<name>`) directory under `dir` holding a package.json. */
const packagesUnder = (dir: string): Array<string> => {
  const found: Array<string> = []
  const walk = (modules: string) => {
    if (!existsSync(modules)) return
    for (const entry of readdirSync(modules)) {
      const names = entry.startsWith("@") ? readdirSync(join(modules, entry)).map((n) => join(entry, n)) : [entry]
      for (const name of names) {
        const root = join(modules, name)
        if (!existsSync(join(root, "package.json"))) continue
        found.push(root)
        walk(join(root, "node_modules"))
      }
    }
  }
  walk(dir)
  return found
}

const bytesUnder = (path: string): number =>
  statSync(path).isDirectory()
    ? readdirSync(path).reduce((n, f) => n + bytesUnder(join(path, f)), 0)
    : statSync(path).size

export const measureInstall = (root: string): InstallResult => {
  const dir = tempDir("gehen-bench-install-")
  try {
    const env = {
      ...process.env,
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false"
    }
    // --ignore-scripts: the checkout is built already (prepack would build it again).
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: root, env })
        .toString()
    ) as Array<{
      filename: string
      size: number
    }>
    const tarball = join(dir, packed[0]!.filename)
    const prefix = join(dir, "prefix")
    const t0 = process.hrtime.bigint()
    const r = spawnSync("npm", ["install", "-g", "--prefix", prefix, tarball], { cwd: dir, env })
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    if (r.status !== 0) throw new Error(`npm install -g failed: ${r.stderr.toString().slice(-2000)}`)
    const packages = packagesUnder(join(prefix, "lib", "node_modules"))
    const withScripts = packages.filter((p) => {
      const scripts =
        (JSON.parse(readFileSync(join(p, "package.json"), "utf8")) as { scripts?: Record<string, string> }).scripts ??
          {}
      return INSTALL_SCRIPTS.some((s) => scripts[s] !== undefined)
    })
    const du = spawnSync("du", ["-sk", prefix])
    const duKb = du.status === 0 ? Number(du.stdout.toString().split(/\s/)[0]) : undefined
    return {
      tarballBytes: packed[0]!.size,
      installedBytes: bytesUnder(prefix),
      duKb,
      packages: packages.length,
      packagesWithInstallScripts: withScripts.map((p) => p.slice(join(prefix, "lib", "node_modules").length + 1)),
      npmSaidInstallScripts: /install-scripts|install scripts/.test(r.stdout.toString() + r.stderr.toString()),
      seconds,
      npm: execFileSync("npm", ["--version"]).toString().trim()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
