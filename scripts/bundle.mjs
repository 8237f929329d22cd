// Bundles the CLI into one CommonJS file, dist/cli/gehen.cjs. Modules that only some
// commands need (the deploy programs, the HTTP client) are imported lazily in the source;
// in the bundle they stay behind lazy initialisers, so `gehen --version` and `--help`
// never evaluate them. (An ESM bundle with chunks compiled slower on Node 20.)
import { build } from "esbuild"
import { chmod, readFile, rm } from "node:fs/promises"

// Runtime dependencies (the AWS SDK, yaml) stay in node_modules and are required only
// when a command needs them; Effect and the CLI framework are bundled.
const { dependencies } = JSON.parse(await readFile("package.json", "utf8"))

await rm("dist/cli", { recursive: true, force: true })
await build({
  entryPoints: ["src/bin.ts"],
  outfile: "dist/cli/gehen.cjs",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  minify: true,
  external: Object.keys(dependencies),
  legalComments: "linked",
  logLevel: "warning"
})
await chmod("dist/cli/gehen.cjs", 0o755)
