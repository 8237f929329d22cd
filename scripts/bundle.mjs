// Bundles the CLI into dist/cli/: main.cjs (the CLI, one CommonJS file), gehen.cjs (the
// executable: loads main.cjs with V8's code cache) and main.cache (that cache, made by
// running `gehen --help` once). Modules only some commands need (the deploy programs,
// the HTTP client) are imported lazily in the source and stay behind lazy initialisers
// in the bundle, so `gehen --version` and `--help` never evaluate them. Runtime
// dependencies (the AWS SDK, yaml) stay in node_modules.
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { chmod, readFile, rm } from "node:fs/promises"

const { dependencies } = JSON.parse(await readFile("package.json", "utf8"))
const common = { bundle: true, format: "cjs", platform: "node", target: "node20", minify: true, logLevel: "warning" }

await rm("dist/cli", { recursive: true, force: true })
await build({
  ...common,
  entryPoints: ["src/bin.ts"],
  outfile: "dist/cli/main.cjs",
  external: Object.keys(dependencies),
  // import() of the external SDK becomes a lazy require(): the launcher runs the bundle
  // through vm.Script, which has no loader for import().
  supported: { "dynamic-import": false },
  legalComments: "linked"
})
await build({ ...common, entryPoints: ["src/launcher.ts"], outfile: "dist/cli/gehen.cjs" })
// gehen-sim, the simulator to rehearse a deploy on: a bundle of its own, so `gehen` never loads it.
await build({
  ...common,
  entryPoints: ["src/testing/SimCliBin.ts"],
  outfile: "dist/cli/gehen-sim.cjs",
  external: Object.keys(dependencies),
  legalComments: "linked"
})
await chmod("dist/cli/gehen-sim.cjs", 0o755)
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
