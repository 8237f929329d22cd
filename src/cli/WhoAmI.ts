import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type GehenConfig, regionOfCluster } from "../config/Config.js"
import { Identity } from "../ports/Identity.js"
import { DefaultRegion } from "../ports/Region.js"

/**
 * The region STS is asked in: the standard chain's, else the first region the file
 * names. A target that needs the standard chain's region when there is none is bad
 * input: MissingRegion, before any call.
 */
export const identityRegion = (config: GehenConfig) =>
  Effect.flatMap(DefaultRegion, (region) => {
    const named = [
      ...config.services.flatMap((s) => Option.toArray(regionOfCluster(s.cluster))),
      ...config.scheduledTasks.flatMap((t) => (t.region === undefined ? [] : [t.region]))
    ]
    const needsDefault = config.services.some((s) => Option.isNone(regionOfCluster(s.cluster))) ||
      config.scheduledTasks.some((t) => t.region === undefined)
    return needsDefault || named[0] === undefined ? region.get : Effect.orElseSucceed(region.get, () => named[0]!)
  })

/**
 * Whom the command runs as (STS GetCallerIdentity, after any role was assumed), asked once
 * before anything else is read: missing or expired credentials are one clear message
 * here, not an SDK error per target later.
 */
export const whoAmI = (config: GehenConfig) =>
  Effect.flatMap(identityRegion(config), (region) => Effect.flatMap(Identity, (id) => id.whoAmI(region)))

/** The line that says it: `as <arn> (account <account>)`. */
export const asWhom = (who: { readonly arn: string; readonly account: string }): string =>
  `as ${who.arn} (account ${who.account})`
