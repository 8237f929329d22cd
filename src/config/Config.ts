import * as FileSystem from "@effect/platform/FileSystem"
import type { PlatformError } from "@effect/platform/Error"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { isMap, isScalar, LineCounter, parseDocument } from "yaml"
import type { Document } from "yaml"

export type UpdateStrategy = "current" | "latest" | "redeploy" | "none"

export interface ServiceConfig {
  /** The key under `services` in gehen.yml: unique in the file, used in messages. */
  readonly key: string
  /** The ECS service name: `name:` when given, else the key. */
  readonly name: string
  /** Cluster name or ARN, as written. */
  readonly cluster: string
  readonly url?: string | undefined
  /** Only these containers get the new tag; when absent, all of them (if they all run one tag). */
  readonly containers?: ReadonlyArray<string> | undefined
}

export interface ScheduledTaskConfig {
  /** The key under `scheduledTasks` in gehen.yml (a rule name or a rule ARN), used in messages. */
  readonly key: string
  /** The EventBridge rule name. */
  readonly rule: string
  /** From the rule ARN or `region:`; absent: the default region. */
  readonly region?: string | undefined
  /** From the rule ARN or `eventBusName:`; absent: the default event bus. */
  readonly eventBusName?: string | undefined
  /** Only these containers get the new tag; when absent, all of them (if they all run one tag). */
  readonly containers?: ReadonlyArray<string> | undefined
}

export interface GehenConfig {
  /** The file it was read from, for messages. */
  readonly path: string
  readonly services: ReadonlyArray<ServiceConfig>
  readonly scheduledTasks: ReadonlyArray<ScheduledTaskConfig>
  readonly role?: { readonly arn: string } | undefined
  readonly timeoutMinutes: number
  readonly checkIntervalSeconds: number
  readonly updateStrategy: UpdateStrategy
  /** Most services worked on at once. */
  readonly concurrency: number
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------

/**
 * Our own annotation: the "expected …" text for a ConfigError. Kept apart from
 * `description`, which is written for editor tooltips rather than error messages.
 */
const ExpectedId: unique symbol = Symbol.for("gehen/Config/expected")

const expecting = (text: string) => ({ [ExpectedId]: text })

const expectedOf = (ast: AST.AST): string | undefined => {
  const text = ast.annotations[ExpectedId]
  return Predicate.isString(text) ? text : undefined
}

/** Any AWS partition: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, … */
const partition = "aws(?:-[a-z]+)*"
const region = "[a-z]{2}(?:-[a-z]+)+-\\d+"
const clusterNameChars = "[A-Za-z0-9_-]{1,255}"
const clusterNamePattern = new RegExp(`^${clusterNameChars}$`)
const clusterArnPattern = new RegExp(`^arn:${partition}:ecs:(${region}):\\d{12}:cluster/(${clusterNameChars})$`)
const roleArnSource = `^arn:${partition}:iam::\\d{12}:role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$`
const roleArnPattern = new RegExp(roleArnSource)

const clusterExpected =
  "a cluster name (letters, digits, - and _, at most 255 characters) or an ECS cluster ARN"

const Cluster = Schema.String.pipe(
  Schema.filter((s) => s.length > 0, { ...expecting(clusterExpected) }),
  Schema.filter((s) => !s.startsWith("arn:") || clusterArnPattern.test(s), {
    ...expecting("an ECS cluster ARN like arn:aws:ecs:<region>:<12-digit account>:cluster/<name>")
  }),
  Schema.filter((s) => s.startsWith("arn:") || clusterNamePattern.test(s), {
    ...expecting(clusterExpected),
    title: "cluster",
    description: "ECS cluster name, or cluster ARN (its region is then used for the AWS calls).",
    // One pattern for editors, covering both spellings.
    jsonSchema: { pattern: `^(?:${clusterNameChars}|arn:${partition}:ecs:${region}:\\d{12}:cluster/${clusterNameChars})$` }
  })
)

const isHttpUrl = (s: string): boolean => {
  // The WHATWG parser also takes "http:host"; insist on the written "//".
  if (!/^https?:\/\//i.test(s)) return false
  try {
    const url = new URL(s)
    return (url.protocol === "http:" || url.protocol === "https:") && url.host !== ""
  } catch {
    return false
  }
}

const Url = Schema.String.pipe(
  Schema.filter(isHttpUrl, {
    ...expecting("an http:// or https:// URL"),
    title: "url",
    description: "Absolute http:// or https:// URL whose response shows the deployed version (git sha).",
    jsonSchema: { format: "uri", pattern: "^[Hh][Tt][Tt][Pp][Ss]?://" }
  })
)

const ContainerName = Schema.String.pipe(
  Schema.filter((s) => s.length > 0, { ...expecting("a non-empty container name"), jsonSchema: { minLength: 1 } })
)

const Containers = Schema.NonEmptyArray(ContainerName).annotations({
  ...expecting("a non-empty list of container names"),
  title: "containers",
  description: "Only these containers of the task definition get the new image tag; all containers when absent."
})

const Service = Schema.Struct({
  cluster: Cluster,
  url: Schema.optionalWith(Url, { exact: true }),
  containers: Schema.optionalWith(Containers, { exact: true })
}).annotations({
  ...expecting("a map with cluster (required), url and containers"),
  title: "service",
  description: "An ECS service to update."
})

const Services = Schema.Record({ key: Schema.String, value: Service }).annotations({
  ...expecting("a map keyed by service name (`<service-name>: {cluster: ...}`), not a list"),
  title: "services",
  description: "ECS services to update, keyed by service name."
})

/** `{}` only: a value that may later carry per-task options. */
const EmptyMap = Schema.declare(
  (u: unknown): u is { readonly [key: string]: never } => Predicate.isRecord(u) && Reflect.ownKeys(u).length === 0,
  { jsonSchema: { type: "object", maxProperties: 0 } }
)

const ScheduledTask = Schema.Union(Schema.Null, EmptyMap).annotations({
  ...expecting("nothing (`<rule-name>:`) or an empty map `{}`")
})

const ScheduledTasks = Schema.Record({ key: Schema.String, value: ScheduledTask }).annotations({
  ...expecting("a map keyed by EventBridge rule name (`<rule-name>:`), not a list"),
  title: "scheduledTasks",
  description: "EventBridge rules whose ECS targets get the new task definition, keyed by rule name."
})

const RoleArn = Schema.String.pipe(
  Schema.filter((s) => roleArnPattern.test(s), {
    ...expecting("an IAM role ARN like arn:aws:iam::<12-digit account>:role/<name>"),
    title: "arn",
    description: "IAM role to assume for all AWS calls.",
    jsonSchema: { pattern: roleArnSource }
  })
)

const Role = Schema.Struct({ arn: RoleArn }).annotations({
  ...expecting("a map with arn"),
  title: "role",
  description: "Assume this IAM role for the AWS calls."
})

/** Defaults for the optional settings of gehen.yml. */
export const configDefaults = {
  timeoutMinutes: 5,
  checkIntervalSeconds: 15,
  updateStrategy: "current",
  concurrency: 10
} as const satisfies Partial<GehenConfig>

// Plain filters rather than Schema.Finite/Int: those add $refs and "positive" titles to the JSON Schema.
const positiveNumber = (key: string, what: string, description: string, def: number) =>
  Schema.Number.pipe(
    Schema.filter((n) => Number.isFinite(n) && n > 0, {
      ...expecting(what),
      title: key,
      description,
      default: def,
      jsonSchema: { exclusiveMinimum: 0 }
    })
  )

const TimeoutMinutes = positiveNumber(
  "timeoutMinutes",
  "a positive number of minutes",
  "How long to wait for a deployment to become healthy and serve the new version, in minutes. Decimals allowed.",
  configDefaults.timeoutMinutes
)

const CheckIntervalSeconds = positiveNumber(
  "checkIntervalSeconds",
  "a positive number of seconds",
  "Seconds between checks while waiting. Decimals allowed.",
  configDefaults.checkIntervalSeconds
)

const Concurrency = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) && n > 0, {
    ...expecting("a positive whole number"),
    // A "type" here replaces the generated schema, so it carries the docs too.
    jsonSchema: {
      type: "integer",
      minimum: 1,
      title: "concurrency",
      description: "Most services worked on at once.",
      default: configDefaults.concurrency
    }
  })
)

const updateStrategies: ReadonlyArray<UpdateStrategy> = ["current", "latest", "redeploy", "none"]

const isUpdateStrategy = (s: string): s is UpdateStrategy => (updateStrategies as ReadonlyArray<string>).includes(s)

/** `[lL][aA]…`: JSON Schema has no case-insensitive flag. */
const anyCase = (word: string): string =>
  [...word].map((c) => (c.toLowerCase() === c.toUpperCase() ? c : `[${c.toLowerCase()}${c.toUpperCase()}]`)).join("")

const updateStrategyDescription = "How services are moved to the new version: current (register a copy of the " +
  "task definition the service runs, with the new image tag), latest (the same, starting from the newest ACTIVE " +
  "revision of its family), redeploy (force a new deployment of the current task definition, no new revision), " +
  "none (change nothing, only check that the services serve the git sha). Case-insensitive."

const UpdateStrategySchema = Schema.transformOrFail(
  Schema.String,
  Schema.Literal(...updateStrategies),
  {
    strict: true,
    // Case-insensitive on input, lower-case from then on.
    decode: (s, _, ast) => {
      const lower = s.toLowerCase()
      return isUpdateStrategy(lower) ? ParseResult.succeed(lower) : ParseResult.fail(new ParseResult.Type(ast, s))
    },
    encode: ParseResult.succeed
  }
).annotations({
  ...expecting(`one of ${updateStrategies.join(", ")}`),
  jsonSchema: {
    title: "updateStrategy",
    description: updateStrategyDescription,
    default: configDefaults.updateStrategy,
    // The enum gives editors completion; the pattern accepts any case like gehen does.
    anyOf: [
      { type: "string", enum: [...updateStrategies] },
      { type: "string", pattern: `^(?:${updateStrategies.map(anyCase).join("|")})$` }
    ]
  }
})

const hasWork = (file: { readonly services?: object; readonly scheduledTasks?: object }): boolean =>
  Object.keys(file.services ?? {}).length + Object.keys(file.scheduledTasks ?? {}).length > 0

/**
 * The gehen.yml document. Decode with `onExcessProperty: "error"` (as {@link decodeConfig} does) so that
 * misspelt keys are errors; the encoded side is the YAML shape, which is what the JSON Schema describes.
 */
export const GehenFile = Schema.Struct({
  services: Schema.optionalWith(Services, { exact: true }),
  scheduledTasks: Schema.optionalWith(ScheduledTasks, { exact: true }),
  role: Schema.optionalWith(Role, { exact: true }),
  timeoutMinutes: Schema.optionalWith(TimeoutMinutes, { exact: true, default: () => configDefaults.timeoutMinutes }),
  checkIntervalSeconds: Schema.optionalWith(CheckIntervalSeconds, {
    exact: true,
    default: () => configDefaults.checkIntervalSeconds
  }),
  updateStrategy: Schema.optionalWith(UpdateStrategySchema, {
    exact: true,
    default: () => configDefaults.updateStrategy
  }),
  concurrency: Schema.optionalWith(Concurrency, { exact: true, default: () => configDefaults.concurrency })
}).annotations({
  ...expecting("a map of gehen settings (services, scheduledTasks, role, …)"),
  title: "gehen.yml",
  description: "Configuration of gehen, the ECS version-update aid."
}).pipe(
  Schema.filter((file) => hasWork(file) || "no services and no scheduled tasks", {
    ...expecting("at least one service under services or rule under scheduledTasks")
  })
)

export type GehenFile = typeof GehenFile.Type

// ---------------------------------------------------------------------------
// Turning a ParseIssue into one ConfigError
// ---------------------------------------------------------------------------

interface Found {
  readonly path: ReadonlyArray<PropertyKey>
  readonly expected: string
  readonly got: string | undefined
}

interface Candidate {
  readonly text: string
  readonly actual: unknown
  /** Message from our own filter, used as the "got" text (e.g. "no services and no scheduled tasks"). */
  readonly got: string | undefined
  readonly depth: number
}

const MISSING = "nothing: the key is missing"

const show = (u: unknown): string => {
  if (u === undefined) return "nothing"
  if (u === null) return "an empty value"
  if (Array.isArray(u)) return u.length === 0 ? "an empty list" : "a list"
  if (typeof u === "string") {
    const s = JSON.stringify(u)
    return s.length > 80 ? `${s.slice(0, 77)}…"` : s
  }
  if (typeof u === "object") return Object.keys(u).length === 0 ? "an empty map" : "a map"
  return String(u)
}

const editDistance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost))
    }
    prev = row
  }
  return prev[b.length] ?? 0
}

/** Typo protection works better when it also says what was probably meant. */
const suggest = (key: string, known: ReadonlyArray<string>): string => {
  const best = known
    .map((k) => ({ k, d: k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k) }))
    .filter(({ d }) => d <= Math.max(1, Math.floor(key.length / 3)))
    .sort((a, b) => a.d - b.d)[0]
  return best === undefined ? "" : ` (did you mean "${best.k}"?)`
}

const isIssueList = (
  issues: ParseResult.Composite["issues"]
): issues is readonly [ParseResult.ParseIssue, ...Array<ParseResult.ParseIssue>] => Array.isArray(issues)

const firstIssue = (issues: ParseResult.Composite["issues"]): ParseResult.ParseIssue =>
  isIssueList(issues) ? issues[0] : issues

/**
 * Walks to the first leaf issue. The "expected" text is our annotation nearest to
 * the leaf at the leaf's own key path, so the outer schemas only fill in when the
 * inner ones say nothing; an annotated union stops the walk (its members are
 * alternatives, not the reason).
 */
const locate = (
  issue: ParseResult.ParseIssue,
  path: ReadonlyArray<PropertyKey>,
  cand: Candidate | undefined,
  parent: AST.TypeLiteral | undefined
): Found => {
  const here = (ast: AST.AST, actual: unknown, got?: string): Candidate | undefined => {
    const text = expectedOf(ast)
    return text === undefined ? cand : { text, actual, got, depth: path.length }
  }
  const report = (c: Candidate): Found => ({ path, expected: c.text, got: c.got ?? show(c.actual) })
  switch (issue._tag) {
    case "Pointer":
      return locate(issue.issue, [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path])], cand, parent)
    case "Unexpected": {
      const key = String(path[path.length - 1])
      const known = (parent?.propertySignatures ?? []).map((ps) => String(ps.name))
      const expected = known.length === 1 ? `the key ${known.join("")}` : `one of the keys ${known.join(", ")}`
      return { path, expected, got: `the unknown key "${key}"${suggest(key, known)}` }
    }
    case "Missing": {
      const name = path[path.length - 1]
      const ps = parent?.propertySignatures.find((p) => p.name === name)
      const text = ps === undefined ? undefined : expectedOf(ps.type)
      if (text !== undefined) return { path, expected: text, got: MISSING }
      // A missing tuple element means the list is too short: report it at the list.
      if (typeof name === "number" && cand !== undefined && cand.depth === path.length - 1) {
        return { path: path.slice(0, -1), expected: cand.text, got: show(cand.actual) }
      }
      return { path, expected: "a value", got: MISSING }
    }
    case "Forbidden":
      return { path, expected: cand?.text ?? "a value", got: issue.message ?? "a value needing effects" }
    case "Type": {
      const c = here(issue.ast, issue.actual, expectedOf(issue.ast) === undefined ? undefined : issue.message)
      return c !== undefined && c.depth === path.length
        ? report(c)
        : { path, expected: issue.message ?? String(issue.ast), got: show(issue.actual) }
    }
    case "Refinement":
    case "Transformation": {
      const c = here(issue.ast, issue.actual)
      return locate(issue.issue, path, c, parent)
    }
    case "Composite": {
      const c = here(issue.ast, issue.actual)
      if (AST.isUnion(issue.ast) && c !== undefined && c.depth === path.length) return report(c)
      return locate(firstIssue(issue.issues), path, c, AST.isTypeLiteral(issue.ast) ? issue.ast : parent)
    }
  }
}

/** `services.api.containers[1]` */
const keyPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc === "" ? String(k) : `${acc}.${String(k)}`),
    ""
  )

const fromIssue = (file: string, issue: ParseResult.ParseIssue): ConfigError => {
  const found = locate(issue, [], undefined, undefined)
  return new ConfigError({ path: file, key: keyPath(found.path), expected: found.expected, got: found.got })
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

const decodeFile = Schema.decodeUnknownEither(GehenFile, { onExcessProperty: "error", errors: "first" })

/** Keys of a top-level map in the order written; JS objects put integer-like keys first. */
const keyOrder = (doc: Document, key: string): ReadonlyArray<string> => {
  const node = doc.get(key, true)
  return isMap(node) ? node.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key)) : []
}

const inFileOrder = <A>(entries: ReadonlyArray<readonly [string, A]>, order: ReadonlyArray<string>) => {
  const rank = (k: string) => {
    const i = order.indexOf(k)
    return i === -1 ? Number.MAX_SAFE_INTEGER : i
  }
  return [...entries].sort(([a], [b]) => rank(a) - rank(b))
}

const parseYaml = (path: string, text: string): Either.Either<{ doc: Document; value: unknown }, ConfigError> => {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  const syntax = doc.errors[0]
  if (syntax !== undefined) {
    const { line, col } = lineCounter.linePos(syntax.pos[0])
    // The library's own wording points at its API (parseAllDocuments), not at the user's file.
    const at = `line ${line}, column ${col}`
    const got = syntax.code === "MULTIPLE_DOCS"
      ? `a second YAML document (---) at ${at}`
      : `a syntax error at ${at}: ${syntax.message}`
    return Either.left(new ConfigError({ path, key: "", expected: "valid YAML", got }))
  }
  try {
    return Either.right({ doc, value: doc.toJS() })
  } catch (e) {
    // toJS throws on unresolved or excessive aliases.
    return Either.left(
      new ConfigError({ path, key: "", expected: "valid YAML", got: e instanceof Error ? e.message : String(e) })
    )
  }
}

const toConfig = (path: string, file: GehenFile, doc: Document): GehenConfig => ({
  path,
  services: inFileOrder(Object.entries(file.services ?? {}), keyOrder(doc, "services")).map(
    ([name, s]): ServiceConfig => ({
      key: name,
      name,
      cluster: s.cluster,
      ...(s.url === undefined ? {} : { url: s.url }),
      ...(s.containers === undefined ? {} : { containers: s.containers })
    })
  ),
  scheduledTasks: inFileOrder(Object.entries(file.scheduledTasks ?? {}), keyOrder(doc, "scheduledTasks")).map(
    ([rule]): ScheduledTaskConfig => ({ key: rule, rule })
  ),
  ...(file.role === undefined ? {} : { role: { arn: file.role.arn } }),
  timeoutMinutes: file.timeoutMinutes,
  checkIntervalSeconds: file.checkIntervalSeconds,
  updateStrategy: file.updateStrategy,
  concurrency: file.concurrency
})

/** Parses and validates the text of a gehen.yml; `path` is only used in messages and the result. */
export const decodeConfig = (path: string, text: string): Effect.Effect<GehenConfig, ConfigError> =>
  Either.flatMap(parseYaml(path, text), ({ doc, value }) => {
    if (value === null || value === undefined) {
      return Either.left(
        new ConfigError({
          path,
          key: "",
          expected: "at least one service under services or rule under scheduledTasks",
          got: "an empty file"
        })
      )
    }
    return decodeFile(value).pipe(
      Either.mapLeft((e) => fromIssue(path, e.issue)),
      Either.map((file) => toConfig(path, file, doc))
    )
  })

const readError = (path: string, e: PlatformError): ConfigError =>
  new ConfigError({
    path,
    key: "",
    expected: "a readable gehen config file",
    got: e._tag === "SystemError" && e.reason === "NotFound"
      ? "no such file"
      : e._tag === "SystemError" && e.reason === "PermissionDenied"
      ? "a file it may not read (permission denied)"
      : e.message
  })

/** Reads and validates a gehen.yml. */
export const loadConfig = (path: string): Effect.Effect<GehenConfig, ConfigError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* Effect.mapError(fs.stat(path), (e) => readError(path, e))
    if (info.type === "Directory") {
      return yield* new ConfigError({ path, key: "", expected: "a gehen config file", got: "a directory" })
    }
    const text = yield* Effect.mapError(fs.readFileString(path), (e) => readError(path, e))
    return yield* decodeConfig(path, text)
  })

// ---------------------------------------------------------------------------
// Cluster helpers
// ---------------------------------------------------------------------------

/** The region of a cluster ARN; none for a plain cluster name. */
export const regionOfCluster = (cluster: string): Option.Option<string> =>
  Option.fromNullable(clusterArnPattern.exec(cluster)?.[1])

/** The cluster name: the part after `cluster/` of an ARN, or the name itself. */
export const clusterName = (cluster: string): string => {
  const match = clusterArnPattern.exec(cluster)
  if (match?.[2] !== undefined) return match[2]
  // Be lenient with ARN-like strings the strict pattern rejects: callers may pass raw input.
  const i = cluster.indexOf(":cluster/")
  return cluster.startsWith("arn:") && i !== -1 ? cluster.slice(i + ":cluster/".length) : cluster
}
