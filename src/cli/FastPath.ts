/**
 * `gehen --version`, `gehen --help` and `gehen <command> --help` answered before the CLI
 * bundle is loaded (by the launcher, and by the single executable's entry): the command
 * line is read by the same function (Argv.ts), and the words come from the same modules
 * (Help.ts, Version.ts), so the answer is the full CLI's byte for byte, colour and exit
 * code included. Every other command line is left to the CLI. Plain strings only: no
 * Effect, so answering costs little more than starting Node.
 */
import { VERSION } from "../Version.js"
import { readArgv } from "./Argv.js"
import { helpText } from "./Help.js"
import { colorWanted } from "./Style.js"

/** What the CLI would print on stdout (with exit 0) for `args`, or undefined when the CLI has to run. */
export const fastAnswer = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  stdoutIsTTY: boolean
): string | undefined => {
  const invocation = readArgv(args, env)
  if (invocation._tag === "Version") return `${VERSION}\n`
  if (invocation._tag !== "Help") return undefined
  // As Cli.ts styles it, printed as console.log prints a string: the text and a newline.
  const colour = colorWanted(env, stdoutIsTTY)
  const style = { bold: (s: string) => (colour ? `\u001b[1m${s}\u001b[22m` : s) }
  return `${helpText(style, invocation.command, VERSION)}\n`
}

/**
 * Prints the answer for this process's command line and returns true, or returns false
 * (printing nothing) when the CLI has to run. A closed stdout drops the answer, as the CLI does.
 */
export const answerFast = (): boolean => {
  const answer = fastAnswer(process.argv.slice(2), process.env, process.stdout.isTTY === true)
  if (answer === undefined) return false
  process.stdout.on("error", () => {})
  process.stdout.write(answer)
  process.exitCode = 0
  return true
}
