// Bundles the CLI into one CommonJS file, dist/cli/gehen.cjs. Modules that only some
// commands need (the AWS SDK, the HTTP client, the deploy programs) are imported lazily
// in the source; in the bundle they stay behind lazy initialisers, so `gehen --version`
// and `--help` never evaluate them. (An ESM bundle with chunks compiles slower on Node 20.)
import { build } from "esbuild"
import { chmod, rm } from "node:fs/promises"

await rm("dist/cli", { recursive: true, force: true })
await build({
  entryPoints: ["src/bin.ts"],
  outfile: "dist/cli/gehen.cjs",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  minify: true,
  legalComments: "linked",
  logLevel: "warning"
})
await chmod("dist/cli/gehen.cjs", 0o755)
