// The single executable's entry (see scripts/sea.mjs; bundled with the fast path before it
// goes in): answers --version and --help itself, as the npm package's launcher does (see
// src/cli/FastPath.ts); else runs the CLI bundle, stored as an asset, with a V8 code cache
// of it, also an asset. Node's own `useCodeCache` caches only what compiling the script
// compiles; this cache was made after running a deploy's start, so the functions a start
// runs are in it too, as with the launcher of the npm package. At build time (not in the
// executable) the same code runs the bundle from a file and writes that cache when the
// process exits: the same source and the same Node's V8.
const { answerFast } = require("../src/cli/FastPath.ts")

if (!answerFast()) {
  const Module = require("node:module")
  const { Script } = require("node:vm")
  const sea = require("node:sea")

  const inExecutable = sea.isSea()
  const source = inExecutable
    ? sea.getAsset("main.cjs", "utf8")
    : require("node:fs").readFileSync(process.env.GEHEN_SEA_BUNDLE, "utf8")
  const cachedData = inExecutable ? Buffer.from(sea.getAsset("main.cache")) : undefined
  const script = new Script(Module.wrap(source), { filename: "gehen.cjs", cachedData })
  if (process.env.GEHEN_DEBUG_CODE_CACHE === "1") {
    process.stderr.write(
      `gehen: code cache: ${
        cachedData === undefined ? "none" : script.cachedDataRejected ? "rejected" : "used"
      } (single executable)\n`
    )
  }
  if (!inExecutable) {
    process.once(
      "exit",
      () => require("node:fs").writeFileSync(process.env.GEHEN_SEA_CACHE_OUT, script.createCachedData())
    )
  }
  const bundle = { exports: {} }
  script.runInThisContext()(bundle.exports, require, bundle, __filename, __dirname)
}
