import * as Predicate from "effect/Predicate"
import type * as AST from "effect/SchemaAST"

/**
 * Our own annotation: the "expected …" text for a ConfigError. Kept apart from
 * `description`, which is written for editor tooltips rather than error messages.
 */
const ExpectedId: unique symbol = Symbol.for("gehen/Config/expected")

/** Annotations that give a schema its "expected …" text. */
export const expecting = (text: string) => ({ [ExpectedId]: text })

/** The "expected …" text of a schema, if it has one. */
export const expectedOf = (ast: AST.AST): string | undefined => {
  const text = ast.annotations[ExpectedId]
  return Predicate.isString(text) ? text : undefined
}
