import { Context, type Effect } from "effect"
import type { MissingRegion } from "./Errors.js"

/** The region of the standard AWS chain (AWS_REGION, profile), for names that carry none. */
export class DefaultRegion extends Context.Tag("gehen/DefaultRegion")<
  DefaultRegion,
  { readonly get: Effect.Effect<string, MissingRegion> }
>() {}
