/** Reading the YAML text of gehen.yml: one document, its value, the order its keys were written in. */

import * as Either from "effect/Either"
import { isMap, isScalar, LineCounter, parseDocument } from "yaml"
import type { Document } from "yaml"
import { ConfigError } from "./ConfigError.js"

export const parseYaml = (
  path: string,
  text: string
): Either.Either<{ doc: Document; value: unknown }, ConfigError> => {
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

/** Keys of a top-level map in the order written; JS objects put integer-like keys first. */
export const keyOrder = (doc: Document, key: string): ReadonlyArray<string> => {
  const node = doc.get(key, true)
  return isMap(node) ? node.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key)) : []
}
