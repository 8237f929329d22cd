/**
 * Node's FileSystem and Terminal, loaded on first use. @effect/cli wants both in its
 * context, yet `--version` and `--help` touch neither, and loading Node's implementations
 * (node:crypto, node:os, node:readline, streams) is about a fifth of the CLI's start-up.
 * The forwarders build the same services @effect/platform-node's layers build, once.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Terminal from "@effect/platform/Terminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/** A FileSystem whose every call goes to Node's, loaded by the first call. */
export const LazyFileSystem: Layer.Layer<FileSystem.FileSystem> = Layer.effect(
  FileSystem.FileSystem,
  Effect.map(
    Effect.cached(
      Effect.flatMap(
        Effect.promise(() => import("@effect/platform-node/NodeFileSystem")),
        (node) => Effect.provide(FileSystem.FileSystem, node.layer)
      )
    ),
    (load) => {
      const via = <A, E, R>(f: (fs: FileSystem.FileSystem) => Effect.Effect<A, E, R>) => Effect.flatMap(load, f)
      // FileSystem.make derives exists, readFileString, stream, sink and writeFileString
      // from these, exactly as Node's layer does.
      return FileSystem.make({
        access: (...a) => via((fs) => fs.access(...a)),
        copy: (...a) => via((fs) => fs.copy(...a)),
        copyFile: (...a) => via((fs) => fs.copyFile(...a)),
        chmod: (...a) => via((fs) => fs.chmod(...a)),
        chown: (...a) => via((fs) => fs.chown(...a)),
        link: (...a) => via((fs) => fs.link(...a)),
        makeDirectory: (...a) => via((fs) => fs.makeDirectory(...a)),
        makeTempDirectory: (...a) => via((fs) => fs.makeTempDirectory(...a)),
        makeTempDirectoryScoped: (...a) => via((fs) => fs.makeTempDirectoryScoped(...a)),
        makeTempFile: (...a) => via((fs) => fs.makeTempFile(...a)),
        makeTempFileScoped: (...a) => via((fs) => fs.makeTempFileScoped(...a)),
        open: (...a) => via((fs) => fs.open(...a)),
        readDirectory: (...a) => via((fs) => fs.readDirectory(...a)),
        readFile: (...a) => via((fs) => fs.readFile(...a)),
        readLink: (...a) => via((fs) => fs.readLink(...a)),
        realPath: (...a) => via((fs) => fs.realPath(...a)),
        remove: (...a) => via((fs) => fs.remove(...a)),
        rename: (...a) => via((fs) => fs.rename(...a)),
        stat: (...a) => via((fs) => fs.stat(...a)),
        symlink: (...a) => via((fs) => fs.symlink(...a)),
        truncate: (...a) => via((fs) => fs.truncate(...a)),
        utimes: (...a) => via((fs) => fs.utimes(...a)),
        watch: (...a) => Stream.unwrap(Effect.map(load, (fs) => fs.watch(...a))),
        writeFile: (...a) => via((fs) => fs.writeFile(...a))
      })
    }
  )
)

/** A Terminal made from Node's on first use, in this layer's scope (which closes its readline). */
export const LazyTerminal: Layer.Layer<Terminal.Terminal> = Layer.scoped(
  Terminal.Terminal,
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const load = yield* Effect.cached(
      Effect.flatMap(
        Effect.promise(() => import("@effect/platform-node/NodeTerminal")),
        (node) => Scope.extend(node.make(), scope)
      )
    )
    return Terminal.Terminal.of({
      columns: Effect.flatMap(load, (t) => t.columns),
      rows: Effect.flatMap(load, (t) => t.rows),
      isTTY: Effect.flatMap(load, (t) => t.isTTY),
      readInput: Effect.flatMap(load, (t) => t.readInput),
      readLine: Effect.flatMap(load, (t) => t.readLine),
      display: (text) => Effect.flatMap(load, (t) => t.display(text))
    })
  })
)
