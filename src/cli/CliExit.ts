import * as Data from "effect/Data"

/** Ends the CLI with an exit code, after the handler has said why. */
export class CliExit extends Data.TaggedError("CliExit")<{ readonly code: number }> {}
