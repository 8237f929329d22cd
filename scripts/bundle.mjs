// `npm run build`'s bundling step (after tsc), into dist/cli/:
//   main.cjs, gehen.cjs   the CLI and its executable (see scripts/cliBundle.mjs);
//   gehen-sim.cjs         the simulator to rehearse a deploy on, a bundle of its own so that
//                         `gehen` never loads it;
//   THIRD_PARTY_LICENSES.txt  the licences of every package bundled into them;
//   main-<node>-<arch>-<hash>.cache  the code cache for the Node running this script (left
//                         out of the package, see src/launcher.ts), made by a dry run of a
//                         deploy against a closed port, so that the config reader, the AWS
//                         SDK and the programs' start are in it.
// Then dist/tools/: the demo and the bench, tools of this repository (not in the package).
import { build } from "esbuild"
import { chmod, rm, writeFile } from "node:fs/promises"
import { buildCli, common } from "./cliBundle.mjs"
import { writeCodeCache } from "./codeCache.mjs"
import { thirdPartyLicenses } from "./licenses.mjs"

await rm("dist/cli", { recursive: true, force: true })
const { cli } = await buildCli("dist/cli")
const sim = await build({
  ...common,
  metafile: true,
  entryPoints: ["src/testing/cli/Bin.ts"],
  outfile: "dist/cli/gehen-sim.cjs"
})
await chmod("dist/cli/gehen.cjs", 0o755)
await chmod("dist/cli/gehen-sim.cjs", 0o755)
await writeFile(
  "dist/cli/THIRD_PARTY_LICENSES.txt",
  thirdPartyLicenses("Third-party code bundled into dist/cli/main.cjs and dist/cli/gehen-sim.cjs, with its licences.", [
    cli,
    sim.metafile
  ])
)

await rm("dist/tools", { recursive: true, force: true })
await build({
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  logLevel: "warning",
  entryPoints: { demo: "tools/demo/main.ts", bench: "tools/bench/main.ts", "bench-sim": "tools/bench/simProcess.ts" },
  outdir: "dist/tools",
  outExtension: { ".js": ".mjs" }
})

await writeCodeCache("dist/cli")
