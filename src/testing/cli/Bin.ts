#!/usr/bin/env node
/**
 * The `gehen-sim` executable (bundled as dist/cli/gehen-sim.cjs): the process around
 * Program.ts, its streams, signals and exit code.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Effect from "effect/Effect"
import { devNull } from "node:os"
import { readSimArgs, type SimInvocation } from "./Args.js"
import { detachedChildVariable, type ReadyMessage, startDetached } from "./Background.js"
import { runSimCli, type SimCliIo } from "./Program.js"

// A reader that went away (a closed pipe, a background parent that exited) must not stop the server.
process.stdout.on("error", () => {})
process.stderr.on("error", () => {})

/** Completes once the text is handed to the OS (or the write failed), so exiting after it loses nothing. */
const write = (stream: NodeJS.WriteStream) => (text: string): Effect.Effect<void> =>
  text === "" ? Effect.void : Effect.async<void>((resume) => void stream.write(text, () => resume(Effect.void)))

const detachedChild = process.env[detachedChildVariable] === "1" && typeof process.send === "function"

/** The detached child hands its exports and notes to the parent, which prints them and exits. */
const announceToParent = (exports: string, notes: string) =>
  Effect.async<void>((resume) => {
    const message: ReadyMessage = { gehenSimReady: true, exports, notes }
    if (process.send === undefined) return resume(Effect.void)
    process.send(message, undefined, {}, () => {
      process.disconnect?.()
      resume(Effect.void)
    })
  })

/** Serves in this process until a signal. */
const serveHere = (invocation: SimInvocation) => {
  // Listening from the start: a signal during start-up stops the simulator once it is up, cleanly.
  const stopRequested = new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => resolve())
  })
  const io: SimCliIo = {
    stdout: write(process.stdout),
    stderr: write(process.stderr),
    announce: (exports, notes) =>
      detachedChild
        ? announceToParent(exports, notes)
        : Effect.zipRight(write(process.stdout)(exports), write(process.stderr)(notes)),
    stopped: Effect.promise(() => stopRequested),
    emptyFile: devNull,
    pid: process.pid
  }
  // Everything is written (each write awaited) and the server closed: nothing is left to wait for.
  void Effect.runPromise(runSimCli(invocation, io).pipe(Effect.provide(NodeFileSystem.layer))).then((code) =>
    process.exit(code)
  )
}

const args = process.argv.slice(2)
const invocation = readSimArgs(args)
if (invocation._tag === "Run" && invocation.options.background && !detachedChild) {
  void startDetached(process.argv[1] ?? "", args, {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t)
  }).then((code) => {
    process.exitCode = code
  })
} else {
  serveHere(invocation)
}
