// The CLI's bundles, shared by the package build (scripts/bundle.mjs, into dist/cli) and
// the GitHub Action's committed copy (scripts/action.mjs, into action/dist):
//   main.cjs   the CLI with every dependency in it (Effect, the AWS SDK, yaml, the
//              DogStatsD and Sentry clients), so that installing gehen installs nothing;
//   gehen.cjs  the executable: answers --version and --help itself, else runs main.cjs
//              with a V8 code cache (src/launcher.ts).
// Modules only some commands need (the deploy programs, the SDK, the monitoring clients)
// are imported lazily in the source and stay behind lazy initialisers in the bundle.
// The output depends only on the sources and esbuild's version (no paths, no times), so
// the Action's copy rebuilt on any Node is byte for byte the committed one.
import { build } from "esbuild"
import { createHash } from "node:crypto"
import { readFile } from "node:fs/promises"
import { join } from "node:path"

export const common = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  minify: true,
  logLevel: "warning",
  // import() becomes a lazy require(): the launcher runs the bundle through vm.Script,
  // which has no loader for import().
  supported: { "dynamic-import": false },
  // hot-shots' native Unix-socket transport, required only for that protocol (gehen sends
  // DogStatsD over UDP) and inside a try: it is not installed and never loaded.
  external: ["unix-dgram"],
  legalComments: "none",
  charset: "utf8"
}

/** Builds `<outdir>/main.cjs` and `<outdir>/gehen.cjs`; answers the metafiles of what went in. */
export const buildCli = async (outdir) => {
  const cli = await build({ ...common, metafile: true, entryPoints: ["src/bin.ts"], outfile: join(outdir, "main.cjs") })
  // The launcher names its code cache after the bundle's content, so a cache of another build never fits.
  const bundleHash = createHash("sha256").update(await readFile(join(outdir, "main.cjs"))).digest("hex").slice(0, 16)
  const launcher = await build({
    ...common,
    metafile: true,
    entryPoints: ["src/launcher.ts"],
    outfile: join(outdir, "gehen.cjs"),
    define: { GEHEN_BUNDLE_HASH: JSON.stringify(bundleHash) }
  })
  return { cli: cli.metafile, launcher: launcher.metafile }
}

/** The packages a metafile's inputs come from (`node_modules/<name>` paths), sorted. */
export const bundledPackages = (metafile) =>
  [
    ...new Set(
      Object.keys(metafile.inputs).flatMap((input) => {
        const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)
        return m === null ? [] : [m[1]]
      })
    )
  ].sort()
