// `npm run build:sea`: dist/sea/gehen-<platform>-<arch>, gehen as one executable file, as
// the original Go Gehen shipped. Node's single executable application support: a copy of
// the Node running this script with the CLI injected (postject). The executable has no
// node_modules, so this bundle holds every dependency (the AWS SDK, yaml, the monitoring
// clients), unlike dist/cli/main.cjs. The bundle and a V8 code cache of it, made at build
// time by the very Node inside, are assets that scripts/sea-main.cjs runs: no cache
// directory is needed; --version and --help are answered by that entry without them. Node 20, 22 and 24 take `--experimental-sea-config` (`--build-sea`
// came later). Beside it: THIRD_PARTY_LICENSES.txt (the bundled packages and Node itself).
import { build } from "esbuild"
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { common } from "./cliBundle.mjs"
import { thirdPartyLicenses } from "./licenses.mjs"

const out = "dist/sea"
const work = join(out, "build")
const executable = join(out, `gehen-${process.platform}-${process.arch}`)
// Node's own fuse string: postject flips it so the binary looks for the injected blob.
const FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"

await rm(out, { recursive: true, force: true })
await mkdir(work, { recursive: true })
// The executable's require() knows only Node's built-in modules: nothing may be loaded
// from node_modules, so the bundle is the npm package's main.cjs, built the same way.
const bundle = await build({ ...common, metafile: true, entryPoints: ["src/bin.ts"], outfile: join(work, "main.cjs") })
const entry = await build({
  ...common,
  metafile: true,
  entryPoints: ["scripts/sea-main.cjs"],
  outfile: join(work, "entry.cjs")
})
await writeFile(join(work, "gehen.yml"), "services:\n  api:\n    cluster: build\n    url: http://127.0.0.1:1/version\n")
// The code cache, made by the executable's own entry running a deploy's start (a dry run
// against a closed port, which fails once config, credentials and the SDK are loaded).
const cacheRun = spawnSync(process.execPath, [
  join(work, "entry.cjs"),
  "deploy",
  "--gitsha",
  "0000000",
  "--path",
  join(work, "gehen.yml"),
  "--dry-run"
], {
  env: {
    PATH: process.env.PATH ?? "",
    HOME: resolve(work),
    NO_COLOR: "1",
    GEHEN_SEA_BUNDLE: join(work, "main.cjs"),
    GEHEN_SEA_CACHE_OUT: join(work, "main.cache"),
    AWS_ENDPOINT_URL: "http://127.0.0.1:1",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDBUILDCODECACHE",
    AWS_SECRET_ACCESS_KEY: "build-code-cache",
    AWS_CONFIG_FILE: join(work, "none"),
    AWS_SHARED_CREDENTIALS_FILE: join(work, "none"),
    AWS_MAX_ATTEMPTS: "1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true"
  },
  stdio: "pipe",
  timeout: 60_000
})
if (!existsSync(join(work, "main.cache"))) {
  throw new Error(
    `no code cache was written (exit ${cacheRun.status ?? cacheRun.signal}): ${
      cacheRun.stderr?.toString().slice(-2000)
    }`
  )
}
await writeFile(
  join(work, "sea-config.json"),
  JSON.stringify({
    main: join(work, "entry.cjs"),
    output: join(work, "gehen.blob"),
    disableExperimentalSEAWarning: true,
    // The entry is a few lines; the bundle's cache is an asset (see scripts/sea-main.cjs).
    useCodeCache: false,
    assets: { "main.cjs": join(work, "main.cjs"), "main.cache": join(work, "main.cache") }
  })
)
execFileSync(process.execPath, ["--experimental-sea-config", join(work, "sea-config.json")], { stdio: "pipe" })
await copyFile(process.execPath, executable)
await chmod(executable, 0o755)
const postject = createRequire(import.meta.url).resolve("postject/dist/cli.js")
try {
  execFileSync(process.execPath, [
    postject,
    executable,
    "NODE_SEA_BLOB",
    join(work, "gehen.blob"),
    "--sentinel-fuse",
    FUSE
  ], {
    stdio: "pipe"
  })
} catch (e) {
  // Its output (LIEF's notes on the ELF sections) is noise unless it failed.
  process.stderr.write(`${e.stdout ?? ""}${e.stderr ?? ""}`)
  throw e
}

// Node's licence sits beside its binary in the registry's node-<os>-<arch> packages and
// in the official archives; a distribution's package may keep it elsewhere.
const nodeLicenceFile = [join(dirname(process.execPath), "..", "LICENSE"), "/usr/share/doc/nodejs/LICENSE"].find(
  existsSync
)
const nodeLicence = nodeLicenceFile === undefined
  ? `Node.js ${process.version} is MIT licensed, with the licences of the code it bundles in the LICENSE file of its ${process.version} release.`
  : (await readFile(nodeLicenceFile, "utf8")).trim()
await writeFile(
  join(out, "THIRD_PARTY_LICENSES.txt"),
  `${
    thirdPartyLicenses(`Third-party code in ${executable}: the bundled packages, then Node.js itself.`, [
      bundle.metafile,
      entry.metafile
    ])
  }\n${"=".repeat(72)}\nNode.js ${process.version}\n${"-".repeat(72)}\n${nodeLicence}\n`
)
await rm(work, { recursive: true, force: true })
process.stdout.write(`${executable}\n`)
