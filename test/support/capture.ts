import { Console, Effect } from "effect"

/** A Console that records what the program writes to stdout (`log`) and stderr (`error`). */
export const makeCapture = Effect.map(Effect.console, (base) => {
  const stdout: Array<string> = []
  const stderr: Array<string> = []
  const text = (args: ReadonlyArray<unknown>) => args.map(String).join(" ")
  const console: Console.Console = {
    ...base,
    log: (...args) => Effect.sync(() => void stdout.push(text(args))),
    info: (...args) => Effect.sync(() => void stdout.push(text(args))),
    error: (...args) => Effect.sync(() => void stderr.push(text(args))),
    warn: (...args) => Effect.sync(() => void stderr.push(text(args))),
    unsafe: {
      ...base.unsafe,
      log: (...args) => void stdout.push(text(args)),
      info: (...args) => void stdout.push(text(args)),
      error: (...args) => void stderr.push(text(args)),
      warn: (...args) => void stderr.push(text(args))
    }
  }
  return { console, stdout: () => stdout.join("\n"), stderr: () => stderr.join("\n") }
})
