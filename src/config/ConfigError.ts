import * as Data from "effect/Data"

/** gehen.yml could not be read, parsed or validated. One error per problem. */
export class ConfigError extends Data.TaggedError("ConfigError")<{
  /** The config file, as given. */
  readonly path: string
  /** Key path such as `services.api.cluster`; "" for the whole file. */
  readonly key: string
  /** What a valid value looks like. */
  readonly expected: string
  /** What was found instead, already rendered (e.g. `"ftp://x"`, `a list`). */
  readonly got?: string | undefined
}> {
  override get message() {
    const where = this.key === "" ? "" : `${this.key}: `
    const got = this.got === undefined ? "" : `, got ${this.got}`
    return `${this.path}: ${where}expected ${this.expected}${got}`
  }
}
