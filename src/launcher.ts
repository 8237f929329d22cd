#!/usr/bin/env node
/**
 * The `gehen` executable: loads the CLI bundle (main.cjs) with V8's code cache
 * (main.cache, made at build time), so the 500 KB bundle is not compiled from scratch
 * on every start. Without a usable cache (another Node version) V8 just compiles.
 */
import { readFileSync, writeFileSync } from "node:fs"
import Module from "node:module"
import { join } from "node:path"
import { Script } from "node:vm"

const filename = join(__dirname, "main.cjs")
const cacheFile = join(__dirname, "main.cache")
const readCache = (): Buffer | undefined => {
  try {
    return readFileSync(cacheFile)
  } catch {
    return undefined
  }
}
const cachedData = process.env["GEHEN_WRITE_CODE_CACHE"] === "1" ? undefined : readCache()
const script = new Script(Module.wrap(readFileSync(filename, "utf8")), {
  filename,
  ...(cachedData === undefined ? {} : { cachedData })
})
if (process.env["GEHEN_WRITE_CODE_CACHE"] === "1") {
  // After the run, so the functions it compiled lazily are in the cache too.
  process.on("exit", () => writeFileSync(cacheFile, script.createCachedData()))
}
const module = { exports: {} }
const run = script.runInThisContext() as (
  exports: unknown,
  require: NodeJS.Require,
  module: unknown,
  filename: string,
  dirname: string
) => void
run(module.exports, Module.createRequire(filename), module, filename, __dirname)
