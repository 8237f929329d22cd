/**
 * The entries of a gehen.yml that did not decode, as far as the checks across entries need
 * them: each service whose cluster and name decode, each scheduled task whose key, region and
 * event bus do. Those checks (a service twice in a cluster, a region contradicting a rule ARN)
 * run on them, so their problems are reported in the same run as the decode errors.
 */

import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { type Entries, type FileEntries, inFileOrder, type KeyOrder } from "./Resolve.js"
import { RuleKey, ScheduledTaskPlace, ServiceIdentity } from "./Schema.js"

const isMap = (u: unknown): u is { readonly [key: string]: unknown } =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const entriesOf = (u: unknown): Entries<unknown> => (isMap(u) ? Object.entries(u) : [])

const decodeService = Schema.decodeUnknownOption(ServiceIdentity)
const decodeScheduledTask = Schema.decodeUnknownOption(ScheduledTaskPlace)
const isRuleKey = Schema.is(RuleKey)

/** The entries of `value` (the file as written) that the checks across entries can look at, in file order. */
export const salvage = (value: unknown, order: KeyOrder): FileEntries => {
  const file = isMap(value) ? value : {}
  return {
    services: inFileOrder(
      entriesOf(file["services"]).flatMap(([key, v]) =>
        Option.match(decodeService(v), { onNone: () => [], onSome: (s) => [[key, s] as const] })
      ),
      order.services
    ),
    scheduledTasks: inFileOrder(
      entriesOf(file["scheduledTasks"]).flatMap(([key, v]) =>
        isRuleKey(key)
          ? Option.match(decodeScheduledTask(v), { onNone: () => [], onSome: (t) => [[key, t] as const] })
          : []
      ),
      order.scheduledTasks
    )
  }
}
