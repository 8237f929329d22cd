import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"

/** What the registry said of one image gehen is about to deploy. */
export type ImageCheck =
  | { readonly _tag: "Found" }
  /** The registry answered: not there (the push that never happened). */
  | { readonly _tag: "Missing"; readonly reason: string }
  /** Not asked, or the registry would not say: another registry than ECR, no permission, an error. */
  | { readonly _tag: "NotChecked"; readonly reason: string }

/** The container registry, asked whether images exist (ECR's BatchGetImage, batched per repository). */
export class Images extends Context.Tag("gehen/Images")<
  Images,
  { readonly check: (images: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, ImageCheck>> }
>() {}
