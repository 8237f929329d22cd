import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from "@aws-sdk/client-ecs"
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { type InvalidImage, tagOf, withTag } from "./ImageRef.js"

/** A task definition and its tags (DescribeTaskDefinition with include TAGS). */
export interface DescribedTaskDefinition {
  readonly taskDefinition: TaskDefinition
  readonly tags: ReadonlyArray<Tag>
}

/** Fields DescribeTaskDefinition reports that RegisterTaskDefinition does not accept (ECS sets them). */
export const READ_ONLY_TASK_DEFINITION_KEYS = [
  "taskDefinitionArn",
  "revision",
  "status",
  "requiresAttributes",
  "compatibilities",
  "registeredAt",
  "registeredBy",
  "deregisteredAt",
  "deleteRequestedAt"
] as const satisfies ReadonlyArray<keyof TaskDefinition>

type ReadOnlyKey = (typeof READ_ONLY_TASK_DEFINITION_KEYS)[number]
type CopiedKey = Exclude<keyof TaskDefinition, ReadOnlyKey>
type RegisterKey = Exclude<keyof RegisterTaskDefinitionCommandInput, "tags"> // Compile-time guards against SDK drift: toRegisterInput copies every key but the read-only ones,
 // so the copied set must be exactly what RegisterTaskDefinition accepts. On an SDK upgrade, a
// failure here names the key: add a new read-only key to the list above; a new input-only key
// needs a decision about where its value comes from.
// (a) Every copied TaskDefinition key is a RegisterTaskDefinition input.
;({}) satisfies Record<Exclude<CopiedKey, RegisterKey>, never> // (b) Every RegisterTaskDefinition input except tags is a TaskDefinition key that is copied.
;({}) satisfies Record<Exclude<RegisterKey, CopiedKey>, never>

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
type Values<T, K extends keyof T> = { readonly [P in K]-?: Exclude<T[P], undefined> } // Same keys with the same value types, so a copied value is always what the input expects.
;(true) satisfies Equals<Values<TaskDefinition, CopiedKey>, Values<RegisterTaskDefinitionCommandInput, RegisterKey>>

const readOnly: ReadonlySet<string> = new Set(READ_ONLY_TASK_DEFINITION_KEYS)

/**
 * The RegisterTaskDefinition input that recreates `described` as a new revision: every field but
 * the read-only ones (including fields this code does not know), deep-copied without looking
 * inside, plus the tags when there are any (ECS rejects an empty tag list).
 *
 * Top-level `null`/`undefined` values are dropped: they mean "absent" on the wire. Empty lists
 * (`volumes`, `placementConstraints`, `requiresCompatibilities`, …) are valid and kept as authored.
 * Nested values, nulls included, are copied verbatim; the SDK's JSON serializer omits null
 * members and list items, so they never reach ECS either.
 */
export const toRegisterInput = (described: DescribedTaskDefinition): RegisterTaskDefinitionCommandInput => {
  const entries: Array<[string, unknown]> = Object.entries(described.taskDefinition).filter(
    ([key, value]) => !readOnly.has(key) && value !== null && value !== undefined
  )
  if (described.tags.length > 0) entries.push(["tags", described.tags])
  // fromEntries defines properties, so even a "__proto__" key is copied as data.
  const copied: Record<string, unknown> = Object.fromEntries(
    entries.map(([key, value]) => [key, structuredClone(value)])
  )
  // Sound by the key checks above; family and containerDefinitions are present in any described revision.
  return copied as unknown as RegisterTaskDefinitionCommandInput
}

/** One container whose image a retag rewrote. */
export interface ImageChange {
  readonly container: string
  readonly from: string
  readonly to: string
  readonly previousTag: Option.Option<string>
}

/** A retag that cannot be done as asked. */
export class RetagError extends Data.TaggedError("RetagError")<{
  readonly family: string
  /** Names asked for that no container of the task definition has. */
  readonly unmatched: ReadonlyArray<string>
  /** The container names the task definition has. */
  readonly available: ReadonlyArray<string>
  /** Targeted containers whose image could not be retagged (unparsable image, missing image, invalid tag). */
  readonly invalid: ReadonlyArray<{ readonly container: string; readonly error: InvalidImage }>
}> {
  override get message() {
    const problems = [
      ...(this.unmatched.length > 0
        ? [`no container named ${this.unmatched.join(", ")} (containers: ${this.available.join(", ") || "none"})`]
        : []),
      ...this.invalid.map(({ container, error }) => `container ${container}: ${error.message}`)
    ]
    return `cannot retag task definition ${this.family}: ${problems.join("; ")}`
  }
}

/**
 * Sets the image tag of every container, or of the containers named in `containers` (an empty list
 * targets none), dropping any digest. `changes` lists the containers whose image string changed.
 * Fails when a name matches no container or a targeted image cannot be retagged. The input is not
 * mutated; untouched containers are shared with it as they are.
 */
export const retag = (
  input: RegisterTaskDefinitionCommandInput,
  tag: string,
  containers?: ReadonlyArray<string>
): Either.Either<
  { readonly input: RegisterTaskDefinitionCommandInput; readonly changes: ReadonlyArray<ImageChange> },
  RetagError
> => {
  const definitions = input.containerDefinitions ?? []
  const available = definitions.flatMap((c) => (c.name === undefined ? [] : [c.name]))
  const wanted = containers === undefined ? undefined : new Set(containers)
  const unmatched = wanted === undefined ? [] : [...wanted].filter((name) => !available.includes(name))
  const invalid: Array<{ readonly container: string; readonly error: InvalidImage }> = []
  const changes: Array<ImageChange> = []

  const retagged = definitions.map((container): ContainerDefinition => {
    const name = container.name ?? ""
    if (wanted !== undefined && !wanted.has(name)) return container
    const from = container.image ?? ""
    return Either.match(withTag(from, tag), {
      onLeft: (error) => {
        invalid.push({ container: name, error })
        return container
      },
      onRight: (to) => {
        if (to === from) return container
        changes.push({ container: name, from, to, previousTag: tagOf(from) })
        return { ...container, image: to }
      }
    })
  })

  if (unmatched.length > 0 || invalid.length > 0) {
    return Either.left(new RetagError({ family: input.family ?? "(no family)", unmatched, available, invalid }))
  }
  return Either.right({ input: { ...input, containerDefinitions: retagged }, changes })
}
