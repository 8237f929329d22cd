#!/usr/bin/env node
/**
 * The `gehen` executable. `--version` and `--help` (and `<command> --help`) are answered
 * here, from the same words the CLI prints (see cli/FastPath.ts), without loading the CLI.
 * Everything else loads the CLI bundle (main.cjs) with a V8 code cache, so the bundle
 * (2 MB: the AWS SDK and every other dependency are in it) is not compiled from scratch
 * on every start.
 *
 * A cache fits one bundle and one Node (V8) only, so its file name says both:
 * `main-<node version>-<arch>-<bundle hash>.cache`. It is looked for in the per-user
 * cache directory, then beside the bundle (where `npm run build` makes one for the Node
 * that built it). An installed package has none for the user's Node, so the first run
 * that finds no usable cache writes one into the per-user directory when it exits
 * (atomically; silently skipped when the directory is not writable). Installing needs
 * no script: npm 11 runs no dependency's install scripts unless the user allows them.
 *
 * Environment: GEHEN_CACHE_DIR (the per-user directory; default
 * $XDG_CACHE_HOME/gehen or ~/.cache/gehen), GEHEN_DEBUG_CODE_CACHE=1 (one line on stderr
 * saying which cache was used or written), GEHEN_WRITE_CODE_CACHE=1 (the build: write the
 * cache beside the bundle).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { answerFast } from "./cli/FastPath.js"

/** main.cjs's content hash, set by scripts/bundle.mjs: a cache of another bundle is never tried. */
declare const GEHEN_BUNDLE_HASH: string

/** Loads and runs the CLI bundle, with the code cache. */
const runCli = () => {
  // Loaded here, not at the top: the fast path needs none of them (require: the launcher is CommonJS).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { homedir } = require("node:os") as typeof import("node:os")
  const Module = require("node:module") as typeof import("node:module")
  const { Script } = require("node:vm") as typeof import("node:vm")
  /* eslint-enable @typescript-eslint/no-require-imports */
  const env = process.env
  const debug = env["GEHEN_DEBUG_CODE_CACHE"] === "1"
  const building = env["GEHEN_WRITE_CODE_CACHE"] === "1"
  const say = (line: string) => {
    if (debug) process.stderr.write(`gehen: code cache: ${line}\n`)
  }

  const filename = join(__dirname, "main.cjs")
  const prefix = `main-${process.version}-${process.arch}-`
  const name = `${prefix}${GEHEN_BUNDLE_HASH}.cache`
  const userDir = (): string => {
    const own = env["GEHEN_CACHE_DIR"]
    if (own) return own
    const xdg = env["XDG_CACHE_HOME"]
    if (xdg) return join(xdg, "gehen")
    if (process.platform === "win32" && env["LOCALAPPDATA"]) return join(env["LOCALAPPDATA"], "gehen", "Cache")
    return join(env["HOME"] || homedir(), ".cache", "gehen")
  }

  const readCache = (path: string): Buffer | undefined => {
    try {
      return readFileSync(path)
    } catch {
      return undefined
    }
  }

  const userFile = join(userDir(), name)
  const besideFile = join(__dirname, name)

  /** The first of `paths` that can be read. */
  const firstCache = (paths: ReadonlyArray<string>): { path: string; data: Buffer } | undefined => {
    for (const path of paths) {
      const data = readCache(path)
      if (data !== undefined) return { path, data }
    }
    return undefined
  }
  // The user's cache first: it exists only because the one beside the bundle was missing or
  // did not fit (other V8 flags), so trying that one first would compile twice.
  const found = building ? undefined : firstCache([userFile, besideFile])

  const script = new Script(Module.wrap(readFileSync(filename, "utf8")), {
    filename,
    ...(found === undefined ? {} : { cachedData: found.data })
  })

  /** Writes the cache through a temporary file and a rename, so no reader sees half a file. */
  const write = (path: string) => {
    const temporary = `${path}.${process.pid}.tmp`
    try {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(temporary, script.createCachedData())
      renameSync(temporary, path)
    } catch (e) {
      try {
        rmSync(temporary, { force: true })
      } catch {
        // There was no directory to write in.
      }
      throw e
    }
    // This Node's caches of earlier bundles (an upgraded gehen) are of no further use.
    for (const f of readdirSync(dirname(path))) {
      if (f.startsWith(prefix) && f.endsWith(".cache") && f !== name) rmSync(join(dirname(path), f), { force: true })
    }
  }

  /** At exit, never failing it: the run's exit code is the CLI's, whatever happens to the cache. */
  const saveQuietly = (path: string) => {
    try {
      write(path)
      say(`wrote ${path}`)
    } catch (e) {
      say(`could not write ${path}: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  if (building) {
    // After the run, so the functions it compiled lazily are in the cache too.
    process.once("exit", () => write(besideFile))
  } else if (found !== undefined && !script.cachedDataRejected) {
    say(`used ${found.path}`)
  } else {
    say(found === undefined ? `none for ${name}` : `rejected ${found.path}`)
    process.once("exit", () => saveQuietly(userFile))
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
}

if (!answerFast()) runCli()
