import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { regionOfCluster } from "../config/Config.js"
import type { MissingRegion } from "./Errors.js"

/** The region of the standard AWS chain (AWS_REGION, profile), for names that carry none. */
export class DefaultRegion extends Context.Tag("gehen/DefaultRegion")<
  DefaultRegion,
  { readonly get: Effect.Effect<string, MissingRegion> }
>() {}

/** A service's region: its cluster ARN's, else the standard chain's. */
export const regionFor = (
  cluster: string,
  fallback: Effect.Effect<string, MissingRegion>
): Effect.Effect<string, MissingRegion> =>
  Option.match(regionOfCluster(cluster), { onNone: () => fallback, onSome: Effect.succeed })
