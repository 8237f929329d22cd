// Bundles the CLI into dist/cli/: one entry file plus chunks, so the AWS SDK (imported
// lazily by the commands that call AWS) is parsed only when a command needs it.
import { build } from "esbuild"
import { chmod, rm } from "node:fs/promises"

await rm("dist/cli", { recursive: true, force: true })
await build({
  entryPoints: { gehen: "src/bin.ts" },
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  legalComments: "linked",
  chunkNames: "chunks/[name]-[hash]",
  // Some CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __gehenRequire } from 'node:module'; const require = __gehenRequire(import.meta.url);" },
  logLevel: "warning"
})
await chmod("dist/cli/gehen.js", 0o755)
