// Which modules of the CLI bundle a run evaluated. The bundle keeps every module behind an
// initialiser, a function named after the module's path (`"node_modules/hot-shots/..."() {}`)
// in a readable build: the same esbuild settings as the CLI's, without minifying. V8's
// coverage (NODE_V8_COVERAGE) of a run says which of those functions ran.
import { build } from "esbuild"
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
// @ts-expect-error: a build script in plain JavaScript, without declarations.
import { common } from "../../../scripts/cliBundle.mjs"

/** The CLI bundled as dist/cli/main.cjs is, but readable; answers its path. */
export const readableCli = async (): Promise<string> => {
  const dir = mkdtempSync(join(tmpdir(), "gehen-readable-"))
  const outfile = join(dir, "main.cjs")
  await build({ ...(common as object), minify: false, entryPoints: ["src/bin.ts"], outfile })
  return outfile
}

interface Coverage {
  readonly result: ReadonlyArray<{
    readonly url: string
    readonly functions: ReadonlyArray<
      { readonly functionName: string; readonly ranges: ReadonlyArray<{ readonly count: number }> }
    >
  }>
}

/** The module paths (`node_modules/<package>/...`, `src/...`) whose initialiser ran, from a NODE_V8_COVERAGE directory. */
export const evaluatedModules = (coverageDir: string, bundle: string): ReadonlyArray<string> => {
  const url = pathToFileURL(bundle).href
  const ran = new Set<string>()
  for (const file of readdirSync(coverageDir).filter((f) => f.endsWith(".json"))) {
    const coverage = JSON.parse(readFileSync(join(coverageDir, file), "utf8")) as Coverage
    for (const script of coverage.result.filter((s) => s.url === url || s.url === bundle)) {
      for (const f of script.functions) {
        if (/^(node_modules|src)\//.test(f.functionName) && (f.ranges[0]?.count ?? 0) > 0) ran.add(f.functionName)
      }
    }
  }
  return [...ran].sort()
}
