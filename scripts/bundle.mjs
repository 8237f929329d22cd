// Bundles the CLI into dist/cli/: main.cjs (the CLI, one CommonJS file), gehen.cjs (the
// executable: loads main.cjs with V8's code cache), main-<node>-<arch>-<hash>.cache (that
// cache for the Node running this script, made by running `gehen --help` once; left out
// of the package, see src/launcher.ts) and THIRD_PARTY_LICENSES.txt (the licences of
// the bundled packages). Modules only some commands need (the deploy programs, the HTTP
// client) are imported lazily in the source and stay behind lazy initialisers in the
// bundle, so `gehen --version` and `--help` never evaluate them. Runtime dependencies
// (the AWS SDK, yaml, the monitoring clients) stay in node_modules.
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { chmod, readFile, rm, writeFile } from "node:fs/promises"
import { thirdPartyLicenses } from "./licenses.mjs"

const { dependencies, optionalDependencies } = JSON.parse(await readFile("package.json", "utf8"))
// What the package installs stays in node_modules; the rest (Effect and its platform packages) is bundled.
const installed = [...Object.keys(dependencies), ...Object.keys(optionalDependencies ?? {})]
const common = { bundle: true, format: "cjs", platform: "node", target: "node20", minify: true, logLevel: "warning" }

await rm("dist/cli", { recursive: true, force: true })
const cli = await build({
  ...common,
  metafile: true,
  entryPoints: ["src/bin.ts"],
  outfile: "dist/cli/main.cjs",
  external: installed,
  // import() of the external SDK becomes a lazy require(): the launcher runs the bundle
  // through vm.Script, which has no loader for import().
  supported: { "dynamic-import": false },
  legalComments: "linked"
})
// The launcher names its code cache after the bundle's content, so a cache of another build never fits.
const bundleHash = createHash("sha256").update(await readFile("dist/cli/main.cjs")).digest("hex").slice(0, 16)
await build({
  ...common,
  entryPoints: ["src/launcher.ts"],
  outfile: "dist/cli/gehen.cjs",
  define: { GEHEN_BUNDLE_HASH: JSON.stringify(bundleHash) }
})
// gehen-sim, the simulator to rehearse a deploy on: a bundle of its own, so `gehen` never loads it.
const sim = await build({
  ...common,
  metafile: true,
  entryPoints: ["src/testing/SimCliBin.ts"],
  outfile: "dist/cli/gehen-sim.cjs",
  external: installed,
  legalComments: "linked"
})
await chmod("dist/cli/gehen-sim.cjs", 0o755)
await writeFile(
  "dist/cli/THIRD_PARTY_LICENSES.txt",
  thirdPartyLicenses("Third-party code bundled into dist/cli/main.cjs and dist/cli/gehen-sim.cjs, with its licences.", [cli.metafile, sim.metafile])
)
// The demo and the bench are tools of this repository, not part of the package: one ES module each.
await rm("dist/tools", { recursive: true, force: true })
await build({
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  logLevel: "warning",
  entryPoints: { demo: "tools/demo/main.ts", bench: "tools/bench/main.ts" },
  outdir: "dist/tools",
  outExtension: { ".js": ".mjs" }
})
await chmod("dist/cli/gehen.cjs", 0o755)
execFileSync(process.execPath, ["dist/cli/gehen.cjs", "--help"], {
  env: { ...process.env, GEHEN_WRITE_CODE_CACHE: "1", NO_COLOR: "1" },
  stdio: "ignore"
})
