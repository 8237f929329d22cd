/**
 * Turning a ParseIssue (decoded with `errors: "all"`) into Problems, one for each thing wrong:
 * the key path, what was expected, what was found.
 */

import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { expectedOf } from "./Expected.js"
import { type Problem, show } from "./Problem.js"
import { nearest } from "./Suggest.js"

interface Found extends Problem {
  /** An unknown key's likely meaning: the known key it is a typo of. */
  readonly meant?: string | undefined
  /** A missing key's name. */
  readonly missing?: PropertyKey | undefined
}

interface Candidate {
  readonly text: string
  readonly actual: unknown
  /** Message from our own filter, used as the "got" text (e.g. "no services and no scheduled tasks"). */
  readonly got: string | undefined
  readonly depth: number
}

const MISSING = "nothing: the key is missing"

export const unknownKeyHint = "the original Gehen ignored unknown keys, gehen refuses them so a typo cannot pass"

const isIssueList = (
  issues: ParseResult.Composite["issues"]
): issues is readonly [ParseResult.ParseIssue, ...Array<ParseResult.ParseIssue>] => Array.isArray(issues)

const firstIssue = (issues: ParseResult.Composite["issues"]): ParseResult.ParseIssue =>
  isIssueList(issues) ? issues[0] : issues

const issueList = (issues: ParseResult.Composite["issues"]): ReadonlyArray<ParseResult.ParseIssue> =>
  isIssueList(issues) ? issues : [issues]

const isKeyList = (path: ParseResult.Path): path is readonly [PropertyKey, ...Array<PropertyKey>] => Array.isArray(path)

const pointerPath = (pointer: ParseResult.Pointer): ReadonlyArray<PropertyKey> =>
  isKeyList(pointer.path) ? pointer.path : [pointer.path]

const valueAt = (u: unknown, path: ReadonlyArray<PropertyKey>): unknown =>
  path.reduce<unknown>(
    (v, k) => (typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    u
  )

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
 * A misspelt required key is both unknown and missing: say it once, as the unknown key with
 * its "did you mean", which names the fix. `depth` is the key-path length of the map.
 */
const withoutTypoedMissing = (found: ReadonlyArray<Found>, depth: number): ReadonlyArray<Found> => {
  const direct = (f: Found) => f.path.length === depth + 1
  const meant = new Set(found.flatMap((f) => (direct(f) && f.meant !== undefined ? [f.meant] : [])))
  return found.filter((f) => !(direct(f) && f.missing !== undefined && meant.has(String(f.missing))))
}

/**
 * Walks to every leaf issue. The "expected" text is our annotation nearest to the leaf
 * at the leaf's own key path, so the outer schemas only fill in when the inner ones say
 * nothing; an annotated union stops the walk (its members are alternatives, not the
 * reason) unless the value had the shape of one member only.
 */
const locate = (
  issue: ParseResult.ParseIssue,
  path: ReadonlyArray<PropertyKey>,
  cand: Candidate | undefined,
  parent: AST.TypeLiteral | undefined
): ReadonlyArray<Found> => {
  const here = (ast: AST.AST, actual: unknown, got?: string): Candidate | undefined => {
    const text = expectedOf(ast)
    return text === undefined ? cand : { text, actual, got, depth: path.length }
  }
  const report = (c: Candidate): Found => ({ path, expected: c.text, got: c.got ?? show(c.actual), at: "key" })
  switch (issue._tag) {
    case "Pointer":
      return locate(issue.issue, [...path, ...pointerPath(issue)], cand, parent)
    case "Unexpected": {
      const key = path[path.length - 1]
      const badKey = key === undefined ? undefined : keyIssue(parent, key)
      if (badKey !== undefined) return locate(badKey, path, undefined, undefined)
      const name = String(key)
      const known = (parent?.propertySignatures ?? []).map((ps) => String(ps.name))
      const expected = known.length === 1 ? `the key ${known.join("")}` : `one of the keys ${known.join(", ")}`
      const meant = nearest(name, known)
      const suggestion = meant === undefined ? "" : ` (did you mean "${meant}"?)`
      return [{ path, expected, got: `the unknown key "${name}"${suggestion}`, hint: unknownKeyHint, at: "key", meant }]
    }
    case "Missing": {
      const name = path[path.length - 1]
      const ps = parent?.propertySignatures.find((p) => p.name === name)
      const text = ps === undefined ? undefined : expectedOf(ps.type)
      if (text !== undefined) return [{ path, expected: text, got: MISSING, at: "parent", missing: name }]
      // A missing tuple element means the list is too short: report it at the list.
      if (typeof name === "number" && cand !== undefined && cand.depth === path.length - 1) {
        return [{ path: path.slice(0, -1), expected: cand.text, got: show(cand.actual), at: "key" }]
      }
      return [{ path, expected: "a value", got: MISSING, at: "parent", missing: name }]
    }
    case "Forbidden":
      return [{ path, expected: cand?.text ?? "a value", got: issue.message ?? "a value needing effects", at: "key" }]
    case "Type": {
      const c = here(issue.ast, issue.actual, expectedOf(issue.ast) === undefined ? undefined : issue.message)
      return [
        c !== undefined && c.depth === path.length
          ? report(c)
          : { path, expected: issue.message ?? String(issue.ast), got: show(issue.actual), at: "key" }
      ]
    }
    case "Refinement": {
      const inner = issue.issue
      if (issue.kind === "Predicate" && inner._tag === "Pointer" && inner.issue._tag === "Type") {
        // A filter that points at a key says the problem there in its own words.
        const at = pointerPath(inner)
        return [{
          path: [...path, ...at],
          expected: expectedOf(issue.ast) ?? inner.issue.message ?? String(issue.ast),
          got: show(valueAt(issue.actual, at)),
          problem: inner.issue.message,
          at: "key"
        }]
      }
      return locate(inner, path, here(issue.ast, issue.actual), parent)
    }
    case "Transformation":
      return locate(issue.issue, path, here(issue.ast, issue.actual), parent)
    case "Composite": {
      const c = here(issue.ast, issue.actual)
      if (AST.isUnion(issue.ast)) {
        const member = memberTried(issue.issues)
        if (c !== undefined && c.depth === path.length && member === undefined) return [report(c)]
        return locate(member ?? firstIssue(issue.issues), path, c, parent)
      }
      const struct = AST.isTypeLiteral(issue.ast) ? issue.ast : parent
      const found = issueList(issue.issues).flatMap((i) => locate(i, path, c, struct))
      return AST.isTypeLiteral(issue.ast) ? withoutTypoedMissing(found, path.length) : found
    }
  }
}

/** The problems a decode found, one for each thing wrong. */
export const problemsOf = (issue: ParseResult.ParseIssue): ReadonlyArray<Problem> =>
  locate(issue, [], undefined, undefined).map((f) => ({
    path: f.path,
    expected: f.expected,
    got: f.got,
    hint: f.hint,
    problem: f.problem,
    at: f.at
  }))
