/**
 * Reading the YAML text of gehen.yml: one document, its value, where its nodes are (for the
 * line of each problem), the order its keys were written in. Syntax errors come with their line.
 */

import type * as Arr from "effect/Array"
import * as Either from "effect/Either"
import { isMap, isScalar, LineCounter, parseDocument } from "yaml"
import type { Document } from "yaml"
import { ConfigError } from "./ConfigError.js"
import { type Position, positionAt, unresolvedAlias } from "./Positions.js"

export interface ParsedYaml {
  readonly doc: Document
  readonly value: unknown
  readonly lines: LineCounter
}

const syntaxError = (path: string, text: string, got: string, at: Position | undefined): ConfigError =>
  new ConfigError({
    path,
    key: "",
    expected: "valid YAML",
    got,
    ...(at === undefined ? {} : { ...at, lineText: text.split(/\r\n|\r|\n/)[at.line - 1] ?? "" })
  })

export const parseYaml = (
  path: string,
  text: string
): Either.Either<ParsedYaml, Arr.NonEmptyReadonlyArray<ConfigError>> => {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  // One error a line: the parser may say more than one thing about the same mistake.
  const errors: Array<ConfigError> = []
  for (const e of doc.errors) {
    const at = positionAt(lines, e.pos[0])
    if (errors.some((seen) => seen.line === at.line)) continue
    // The library's own wording points at its API (parseAllDocuments), not at the user's file.
    const got = e.code === "MULTIPLE_DOCS" ? "a second YAML document (---)" : `a syntax error: ${e.message}`
    errors.push(syntaxError(path, text, got, at))
  }
  const [first, ...rest] = errors
  if (first !== undefined) return Either.left([first, ...rest])
  try {
    return Either.right({ doc, value: doc.toJS(), lines })
  } catch (e) {
    // toJS throws on unresolved or excessive aliases.
    const got = `a syntax error: ${e instanceof Error ? e.message : String(e)}`
    return Either.left([syntaxError(path, text, got, unresolvedAlias(doc, lines))])
  }
}

/** Keys of a top-level map in the order written; JS objects put integer-like keys first. */
export const keyOrder = (doc: Document, key: string): ReadonlyArray<string> => {
  const node = doc.get(key, true)
  return isMap(node) ? node.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key)) : []
}
