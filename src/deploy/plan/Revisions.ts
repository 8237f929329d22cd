import type { ContainerDefinition, RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { tagOf } from "../../domain/ImageRef.js"
import { isGehenTag, registeredTags, SHA_TAG } from "../../domain/Releases.js"
import { type ImageChange, retag, toRegisterInput } from "../../domain/TaskDefinitionCopy.js"
import type { DescribedTaskDefinition } from "../../ports/Ecs.js"
import type { ImageReport } from "../../report/Report.js"

/** What gehen will do to a task definition. */
export type Revision =
  /** Register `input` (a copy of `baseArn` with new image tags), then use it. */
  | {
    readonly _tag: "Register"
    readonly baseArn: string
    readonly input: RegisterTaskDefinitionCommandInput
    readonly key: string
  }
  /** Use an existing revision as it is (no image needed a change). */
  | { readonly _tag: "Existing"; readonly arn: string }

const tagText = (c: ContainerDefinition): string => Option.getOrElse(tagOf(c.image ?? ""), () => "no tag")

/**
 * Without a `containers` list gehen moves every container, which is right only when they
 * all run one tag (every image built from the commit). Containers on different tags (an
 * app and a third-party sidecar) need the list: gehen never guesses which ones are ours.
 */
export const mixedTagsProblem = (containers: ReadonlyArray<ContainerDefinition>): string | undefined => {
  const tags = new Set(containers.map(tagText))
  if (tags.size <= 1) return undefined
  const listed = containers.map((c) => `${c.name ?? "?"} (${tagText(c)})`).join(", ")
  return `its containers run different tags: ${listed}; name the ones to deploy under containers:`
}

export interface PlannedRevision {
  readonly revision: Revision
  readonly changes: ReadonlyArray<ImageChange>
  readonly input: RegisterTaskDefinitionCommandInput
}

/**
 * The revision that runs `gitsha`: a copy of `base` with the targeted containers
 * retagged, or `base` itself when every targeted image has the tag already. `key`
 * identifies the copy, so targets sharing it register it once.
 */
export const planRevision = (
  region: string,
  baseArn: string,
  base: DescribedTaskDefinition,
  gitsha: string,
  containers: ReadonlyArray<string> | undefined
): Either.Either<PlannedRevision, string> => {
  if (containers === undefined) {
    const problem = mixedTagsProblem(base.taskDefinition.containerDefinitions ?? [])
    if (problem !== undefined) return Either.left(problem)
  }
  return Either.match(retag(toRegisterInput(base), gitsha, containers), {
    onLeft: (e) => Either.left(e.message),
    onRight: ({ changes, input: retagged }) => {
      // The copy carries the old revision's own tags and the sha it is for; gehen's history tags stay behind.
      const input = { ...retagged, tags: registeredTags(retagged.tags ?? [], gitsha) }
      return Either.right({
        changes,
        input,
        revision: changes.length === 0
          ? { _tag: "Existing", arn: baseArn }
          : { _tag: "Register", baseArn, input, key: `${region}|${baseArn}|${(containers ?? ["*"]).join(",")}` }
      })
    }
  })
}

/** Per container: the image now and the image after the change. */
export const imagesOf = (
  current: DescribedTaskDefinition,
  next: RegisterTaskDefinitionCommandInput | undefined
): Array<ImageReport> =>
  (current.taskDefinition.containerDefinitions ?? []).map((c, i) => ({
    container: c.name ?? `#${i}`,
    previous: c.image ?? null,
    next: (next?.containerDefinitions?.find((n) => n.name === c.name) ?? c).image ?? null
  }))

/** The tags a rolled-back target may serve: the previous tags of the containers that change. */
export const previousTagsOf = (
  current: DescribedTaskDefinition,
  containers: ReadonlyArray<string> | undefined,
  changes: ReadonlyArray<ImageChange>
): ReadonlyArray<string> => {
  const changed = new Set(changes.map((c) => c.container))
  return [
    ...new Set(
      (current.taskDefinition.containerDefinitions ?? [])
        .filter((c) => c.name !== undefined && (containers ?? [c.name]).includes(c.name))
        .filter((c) => changed.size === 0 || changed.has(c.name!))
        .flatMap((c) => Option.toArray(tagOf(c.image ?? "")))
    )
  ]
}

/** Whether every targeted container (the `containers` list, or all) already runs `gitsha`. */
export const runsSha = (
  current: DescribedTaskDefinition,
  containers: ReadonlyArray<string> | undefined,
  gitsha: string
): boolean => {
  const targeted = (current.taskDefinition.containerDefinitions ?? []).filter((c) =>
    containers === undefined || (c.name !== undefined && containers.includes(c.name))
  )
  return targeted.length > 0 && targeted.every((c) => Option.getOrUndefined(tagOf(c.image ?? "")) === gitsha)
}

/** JSON with object keys sorted, so two equal definitions read the same whatever their key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v)

/**
 * Whether `described` is what registering `input` would create: a run that was killed
 * after registering its revision left it behind, and a re-run uses it instead of
 * registering the same definition again.
 */
export const sameDefinition = (
  described: DescribedTaskDefinition,
  input: RegisterTaskDefinitionCommandInput
): boolean => canonical(withoutHistory(toRegisterInput(described))) === canonical(withoutHistory(input))

/** The input without the release history's tags (released, by, failed): they come after registration. */
const withoutHistory = (input: RegisterTaskDefinitionCommandInput): RegisterTaskDefinitionCommandInput => {
  const tags = (input.tags ?? []).filter((t) => t.key === SHA_TAG || !isGehenTag(t.key))
  const { tags: _, ...rest } = input
  return tags.length === 0 ? rest : { ...rest, tags }
}
