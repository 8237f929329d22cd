/** Where a key path of gehen.yml is written: the 1-based line and column of its key or list item. */

import { isAlias, isMap, isNode, isScalar, isSeq, visit } from "yaml"
import type { Document, LineCounter } from "yaml"

export interface Position {
  readonly line: number
  readonly column: number
}

export const positionAt = (lines: LineCounter, offset: number): Position => {
  const { line, col } = lines.linePos(offset)
  return { line, column: col }
}

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key))

const startOf = (node: unknown): number | undefined => (isNode(node) ? node.range?.[0] : undefined)

/**
 * The position of the key at `path` (of the item, in a list). Where the path leaves what
 * is written (a missing key, a merge), the position of the deepest key on it; none for the
 * whole file.
 */
export const positionOf = (
  doc: Document,
  lines: LineCounter,
  path: ReadonlyArray<PropertyKey>
): Position | undefined => {
  let node: unknown = doc.contents
  let offset: number | undefined
  for (const step of path) {
    if (isAlias(node)) node = node.resolve(doc)
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(step))
      if (pair === undefined) break
      offset = startOf(pair.key) ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof step === "number") {
      const item: unknown = node.items[step]
      if (item === undefined) break
      offset = startOf(item) ?? offset
      node = item
    } else {
      break
    }
  }
  return offset === undefined ? undefined : positionAt(lines, offset)
}

/** The first alias whose anchor is not set before it. */
export const unresolvedAlias = (doc: Document, lines: LineCounter): Position | undefined => {
  let offset: number | undefined
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) !== undefined) return undefined
      offset = node.range?.[0]
      return visit.BREAK
    }
  })
  return offset === undefined ? undefined : positionAt(lines, offset)
}
