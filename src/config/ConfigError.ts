import type * as Arr from "effect/Array"
import * as Data from "effect/Data"

/** The offending line of the file, with a caret under the column: `    4 |   url x` / `      |   ^`. */
const excerpt = (line: number, column: number, text: string): string => {
  const gutter = `    ${line} | `
  // Keep tabs so the caret lines up however the terminal shows them.
  const pad = text.slice(0, Math.max(0, column - 1)).replace(/[^\t]/g, " ")
  return `${gutter}${text}\n${" ".repeat(gutter.length - 2)}| ${pad}^`
}

/** One problem of a gehen.yml: it could not be read, parsed or validated. */
export class ConfigError extends Data.TaggedError("ConfigError")<{
  /** The config file, as given. */
  readonly path: string
  /** Key path such as `services.api.cluster`; "" for the whole file. */
  readonly key: string
  /** What a valid value looks like. */
  readonly expected: string
  /** What was found instead, already rendered (e.g. `"ftp://x"`, `a list`). */
  readonly got?: string | undefined
  /** Said after "got …", e.g. how the original Gehen treated the same thing. */
  readonly hint?: string | undefined
  /**
   * The problem in plain words, shown instead of "expected …, got …" (e.g. `is empty: list at
   * least one service under it`). One about the whole file with no line names the file itself
   * and is shown alone.
   */
  readonly problem?: string | undefined
  /** 1-based line of the offending key or value, when the file has one. */
  readonly line?: number | undefined
  /** 1-based column of the offending key or value. */
  readonly column?: number | undefined
  /** The text of that line, shown under the message with a caret (YAML syntax errors). */
  readonly lineText?: string | undefined
}> {
  /** `gehen.yml:4:3`, or the path alone when there is no line. */
  get location(): string {
    if (this.line === undefined) return this.path
    return this.column === undefined ? `${this.path}:${this.line}` : `${this.path}:${this.line}:${this.column}`
  }

  override get message() {
    const got = this.got === undefined ? "" : `, got ${this.got}`
    const hint = this.hint === undefined ? "" : `; ${this.hint}`
    const body = this.problem ?? `expected ${this.expected}${got}${hint}`
    const standalone = this.problem !== undefined && this.key === "" && this.line === undefined
    const head = standalone ? body : `${this.location}: ${this.key === "" ? "" : `${this.key}: `}${body}`
    return this.line === undefined || this.lineText === undefined
      ? head
      : `${head}\n${excerpt(this.line, this.column ?? 1, this.lineText)}`
  }
}

/** Every problem found in a gehen.yml in one run, in file order; a read or YAML problem is a list of one. */
export class ConfigErrors extends Data.TaggedError("ConfigErrors")<{
  readonly errors: Arr.NonEmptyReadonlyArray<ConfigError>
}> {
  /** One problem a line (a YAML syntax error takes three: the message, the line, a caret). */
  override get message() {
    return this.errors.map((e) => e.message).join("\n")
  }
}
