import * as FileSystem from "@effect/platform/FileSystem"
import * as Terminal from "@effect/platform/Terminal"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { LazyFileSystem, LazyTerminal } from "../../src/cli/LazyPlatform.js"

describe("LazyFileSystem", () => {
  it.scoped("reads, writes, lists, streams and removes through Node's file system", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = mkdtempSync(join(tmpdir(), "gehen-lazyfs-"))
      const file = join(dir, "gehen.yml")
      expect(yield* fs.exists(file)).toBe(false)
      yield* fs.writeFileString(file, "services: {}\n")
      expect(yield* fs.exists(file)).toBe(true)
      expect(yield* fs.readFileString(file)).toBe("services: {}\n")
      expect((yield* fs.stat(file)).size).toEqual(FileSystem.Size(13))
      expect(yield* fs.readDirectory(dir)).toEqual(["gehen.yml"])
      const streamed = yield* Stream.runCollect(fs.stream(file))
      expect(Buffer.concat(Chunk.toArray(streamed)).toString()).toBe("services: {}\n")
      yield* fs.remove(dir, { recursive: true })
      expect(yield* fs.exists(dir)).toBe(false)
    }).pipe(Effect.provide(LazyFileSystem)))

  it.effect("fails as Node's does: a missing file is a SystemError NotFound", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const error = yield* Effect.flip(fs.readFileString(join(tmpdir(), "gehen-no-such-file.yml")))
      expect(error._tag).toBe("SystemError")
      expect(error._tag === "SystemError" && error.reason).toBe("NotFound")
    }).pipe(Effect.provide(LazyFileSystem)))
})

describe("LazyTerminal", () => {
  it.scoped("answers what Node's terminal answers", () =>
    Effect.gen(function*() {
      const terminal = yield* Terminal.Terminal
      expect(yield* terminal.columns).toBe(process.stdout.columns ?? 0)
      expect(yield* terminal.isTTY).toBe(Boolean(process.stdout.isTTY))
    }).pipe(Effect.provide(LazyTerminal)))
})
