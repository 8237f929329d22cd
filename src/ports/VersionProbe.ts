import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"

/** What one GET of a service's version url showed. */
export type ProbeResult =
  | { readonly _tag: "Served"; readonly version: string; readonly server: string }
  | { readonly _tag: "NotReady"; readonly reason: string }

/** Asks a running service which version it serves (the suffix of its `Server` header). Never fails. */
export class VersionProbe extends Context.Tag("gehen/VersionProbe")<
  VersionProbe,
  { readonly probe: (url: string) => Effect.Effect<ProbeResult> }
>() {}
