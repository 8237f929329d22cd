import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { Ecs } from "../../ports/Ecs.js"
import type { AwsCallError } from "../../ports/Errors.js"
import type { Revision } from "../plan/Plan.js"

/** Registers revisions, each distinct one once however many targets share it. */
export type Registrar = (region: string, revision: Revision) => Effect.Effect<string, AwsCallError>

type Registration = Extract<Revision, { _tag: "Register" }>

export const makeRegistrar: Effect.Effect<Registrar, never, Ecs> = Effect.gen(function*() {
  const ecs = yield* Ecs
  // What each key registers: the first target to ask names it, the others share its answer.
  const asked = yield* Ref.make(HashMap.empty<string, { readonly region: string; readonly revision: Registration }>())
  const registerOnce = yield* Effect.cachedFunction((key: string) =>
    Effect.flatMap(Ref.get(asked), (m) =>
      Option.match(HashMap.get(m, key), {
        onNone: () => Effect.dieMessage(`no revision asked for under ${key}`),
        onSome: ({ region, revision }) => ecs.registerTaskDefinition(region, revision.input)
      }))
  )
  return (region, revision) =>
    revision._tag === "Existing"
      ? Effect.succeed(revision.arn)
      : Effect.zipRight(
        Ref.update(
          asked,
          (m) => (HashMap.has(m, revision.key) ? m : HashMap.set(m, revision.key, { region, revision }))
        ),
        registerOnce(revision.key)
      )
})
