import { execFileSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
// @ts-expect-error: a build script in plain JavaScript, without declarations.
import { writeCodeCache } from "../scripts/codeCache.mjs"

const newest = (dir: string): number =>
  Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs
    )
  )

const mtime = (path: string): number => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return 0
  }
}

/** The code caches beside the bundle, one per Node that built one (`main-<node>-<arch>-<hash>.cache`). */
const caches = (): Array<string> => {
  try {
    return readdirSync("dist/cli").filter((f) => f.startsWith("main-") && f.endsWith(".cache"))
  } catch {
    return []
  }
}

/**
 * The subprocess and install tests run the build (the bundled CLI, the library that
 * `npm pack` packs): build it from the current sources first (`npm run build`), unless it
 * is already newer than every source, which spares a few seconds before any test can
 * start. A build made under another Node gets a code cache for this one (as .ci/run runs
 * the suite on Node 20, 22 and 24 over one build), so start-up is measured as users see it.
 */
export default async function setup() {
  const sources = Math.max(
    newest("src"),
    newest("tools"),
    newest("scripts"),
    mtime("package.json"),
    mtime("package-lock.json")
  )
  // The bundle step's last output is a code cache; ones added later for other Nodes are newer.
  const made = caches().map((f) => mtime(join("dist/cli", f)))
  const built = made.length === 0 ? 0 : Math.min(...made)
  if (built <= sources || mtime("dist/lib/index.js") <= sources) {
    execFileSync("npm", ["run", "build"], { stdio: "inherit" })
    return
  }
  if (caches().some((f) => f.startsWith(`main-${process.version}-${process.arch}-`))) return
  await writeCodeCache("dist/cli")
}
