/** Turning a ParseIssue into one ConfigError: the key path, what was expected, what was found. */

import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { ConfigError } from "./ConfigError.js"
import { expectedOf } from "./Expected.js"

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

/** A found value as a message shows it: strings quoted, maps and lists by kind. */
export const show = (u: unknown): string => {
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

const issueList = (issues: ParseResult.Composite["issues"]): ReadonlyArray<ParseResult.ParseIssue> =>
  isIssueList(issues) ? issues : [issues]

/**
 * A key of a map whose keys have a schema (a Record with a refined key) is reported by Effect
 * as merely unexpected; decoding the key again gives the reason.
 */
const keyIssue = (parent: AST.TypeLiteral | undefined, key: PropertyKey): ParseResult.ParseIssue | undefined => {
  for (const signature of parent?.indexSignatures ?? []) {
    if (AST.isStringKeyword(signature.parameter)) continue
    const decoded = ParseResult.decodeUnknownEither(Schema.make(signature.parameter))(key)
    if (Either.isLeft(decoded)) return decoded.left
  }
  return undefined
}

/**
 * The issue of the one member of a union that the value had the shape of (a map for a
 * struct member): the others failed on the value's type alone. None when several did.
 */
const memberTried = (issues: ParseResult.Composite["issues"]): ParseResult.ParseIssue | undefined => {
  const tried = issueList(issues).filter((issue) => issue._tag !== "Type")
  return tried.length === 1 ? tried[0] : undefined
}

/**
 * Walks to the first leaf issue. The "expected" text is our annotation nearest to
 * the leaf at the leaf's own key path, so the outer schemas only fill in when the
 * inner ones say nothing; an annotated union stops the walk (its members are
 * alternatives, not the reason) unless the value had the shape of one member only.
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
      const key = path[path.length - 1]
      const badKey = key === undefined ? undefined : keyIssue(parent, key)
      if (badKey !== undefined) return locate(badKey, path, undefined, undefined)
      const name = String(key)
      const known = (parent?.propertySignatures ?? []).map((ps) => String(ps.name))
      const expected = known.length === 1 ? `the key ${known.join("")}` : `one of the keys ${known.join(", ")}`
      return { path, expected, got: `the unknown key "${name}"${suggest(name, known)}` }
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
      if (AST.isUnion(issue.ast) && c !== undefined && c.depth === path.length) {
        const member = memberTried(issue.issues)
        return member === undefined ? report(c) : locate(member, path, c, parent)
      }
      return locate(firstIssue(issue.issues), path, c, AST.isTypeLiteral(issue.ast) ? issue.ast : parent)
    }
  }
}

/** `services.api.containers[1]` */
export const keyPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc === "" ? String(k) : `${acc}.${String(k)}`),
    ""
  )

/** The ConfigError of the first problem a decode found in `file`. */
export const fromIssue = (file: string, issue: ParseResult.ParseIssue): ConfigError => {
  const found = locate(issue, [], undefined, undefined)
  return new ConfigError({ path: file, key: keyPath(found.path), expected: found.expected, got: found.got })
}
