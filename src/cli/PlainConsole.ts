import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

// SGR sequences only (colour, bold): what @effect/cli's help and our own styles emit.
// eslint-disable-next-line no-control-regex -- it matches the terminal's escape sequences
const SGR = /\u001b\[[0-9;]*m/g

const plain = (args: ReadonlyArray<unknown>): Array<unknown> =>
  args.map((a) => (typeof a === "string" ? a.replace(SGR, "") : a))

/**
 * @effect/cli colours its help, version and completion output on stdout whatever the
 * terminal and NO_COLOR say. Run under this, `effect` prints what goes to stdout
 * without colour, so `gehen --help | less` and CI logs read clean.
 */
export const withoutColorOnStdout = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Console.consoleWith((console) =>
    Effect.withConsole(effect, {
      ...console,
      log: (...args) => console.log(...plain(args)),
      unsafe: { ...console.unsafe, log: (...args) => console.unsafe.log(...plain(args)) }
    })
  )
