import { execFileSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const newest = (dir: string): number =>
  Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) =>
    e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs
  ))

const mtime = (path: string): number => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return 0
  }
}

/**
 * The subprocess tests run the bundled CLI: bundle it from the current sources first,
 * unless the bundle is already newer than every source (as right after `npm ci`, whose
 * `prepare` builds it), which spares a few seconds before any test can start.
 */
export default function setup() {
  const sources = Math.max(newest("src"), newest("tools"), mtime("scripts/bundle.mjs"), mtime("package.json"), mtime("package-lock.json"))
  // main.cache is the bundle step's last output.
  if (mtime("dist/cli/main.cache") > sources) return
  execFileSync(process.execPath, ["scripts/bundle.mjs"], { stdio: "inherit" })
}
