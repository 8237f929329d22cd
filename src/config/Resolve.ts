/**
 * From the decoded file to the GehenConfig: entries in file order, service names and rule
 * ARNs resolved, and the checks that look at more than one value at a time.
 */

import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { GehenConfig, ScheduledTaskConfig, ServiceConfig } from "./Types.js"
import { ConfigError } from "./ConfigError.js"
import { keyPath, show } from "./Issues.js"
import { defaultEventBus, parseEventBusArn, parseRuleArn, type RuleArn } from "./Names.js"
import type { GehenFile } from "./Schema.js"

/** The order the keys of `services` and `scheduledTasks` were written in. */
export interface KeyOrder {
  readonly services: ReadonlyArray<string>
  readonly scheduledTasks: ReadonlyArray<string>
}

type Entries<A> = ReadonlyArray<readonly [string, A]>

const inFileOrder = <A>(record: { readonly [key: string]: A }, order: ReadonlyArray<string>): Entries<A> => {
  const rank = (k: string) => {
    const i = order.indexOf(k)
    return i === -1 ? Number.MAX_SAFE_INTEGER : i
  }
  return Object.entries(record).sort(([a], [b]) => rank(a) - rank(b))
}

type ServiceEntry = NonNullable<GehenFile["services"]>[string]
type ScheduledTaskEntry = NonNullable<GehenFile["scheduledTasks"]>[string]

const resolveServices = (
  path: string,
  entries: Entries<ServiceEntry>
): Either.Either<ReadonlyArray<ServiceConfig>, ConfigError> => {
  // The first key for each (cluster as written, service name).
  const seen = new Map<string, string>()
  const services: Array<ServiceConfig> = []
  for (const [key, s] of entries) {
    const name = s.name ?? key
    const id = JSON.stringify([s.cluster, name])
    const first = seen.get(id)
    if (first !== undefined) {
      return Either.left(
        new ConfigError({
          path,
          key: keyPath(s.name === undefined ? ["services", key] : ["services", key, "name"]),
          expected: `a service that no other key deploys to cluster ${show(s.cluster)}`,
          got: `${show(name)}, which ${keyPath(["services", first])} already deploys there`
        })
      )
    }
    seen.set(id, key)
    services.push({
      key,
      name,
      cluster: s.cluster,
      ...(s.url === undefined ? {} : { url: s.url }),
      ...(s.containers === undefined ? {} : { containers: s.containers })
    })
  }
  return Either.right(services)
}

/** Whether `eventBusName:` (a name or an event bus ARN) names the bus of the rule ARN. */
const sameBus = (eventBusName: string, arn: RuleArn): boolean => {
  const bus = arn.eventBusName ?? defaultEventBus
  return Option.match(parseEventBusArn(eventBusName), {
    onNone: () => eventBusName === bus,
    onSome: (b) =>
      b.name === bus && b.region === arn.region && b.account === arn.account && b.partition === arn.partition
  })
}

const contradicts = "which contradicts the rule ARN"

const resolveScheduledTask = (
  path: string,
  key: string,
  value: ScheduledTaskEntry
): Either.Either<ScheduledTaskConfig, ConfigError> => {
  const options = value ?? {}
  const containers = options.containers === undefined ? {} : { containers: options.containers }
  const parsed = parseRuleArn(key)
  if (Option.isNone(parsed)) {
    return Either.right({
      key,
      rule: key,
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.eventBusName === undefined ? {} : { eventBusName: options.eventBusName }),
      ...containers
    })
  }
  const arn = parsed.value
  if (options.region !== undefined && options.region !== arn.region) {
    return Either.left(
      new ConfigError({
        path,
        key: keyPath(["scheduledTasks", key, "region"]),
        expected: `no region, or the rule ARN's region ${show(arn.region)}`,
        got: `${show(options.region)}, ${contradicts}`
      })
    )
  }
  if (options.eventBusName !== undefined && !sameBus(options.eventBusName, arn)) {
    return Either.left(
      new ConfigError({
        path,
        key: keyPath(["scheduledTasks", key, "eventBusName"]),
        expected: `no eventBusName, or the rule ARN's event bus ${show(arn.eventBusName ?? defaultEventBus)}`,
        got: `${show(options.eventBusName)}, ${contradicts}`
      })
    )
  }
  return Either.right({
    key,
    rule: arn.rule,
    region: arn.region,
    ...(arn.eventBusName === undefined ? {} : { eventBusName: arn.eventBusName }),
    ...containers
  })
}

/** The GehenConfig of a decoded file, or the first problem found in it. */
export const toConfig = (
  path: string,
  file: GehenFile,
  order: KeyOrder
): Either.Either<GehenConfig, ConfigError> =>
  Either.gen(function*() {
    const services = yield* resolveServices(path, inFileOrder(file.services ?? {}, order.services))
    const scheduledTasks: Array<ScheduledTaskConfig> = []
    for (const [key, value] of inFileOrder(file.scheduledTasks ?? {}, order.scheduledTasks)) {
      scheduledTasks.push(yield* resolveScheduledTask(path, key, value))
    }
    return {
      path,
      services,
      scheduledTasks,
      ...(file.role === undefined ? {} : { role: { arn: file.role.arn } }),
      timeoutMinutes: file.timeoutMinutes,
      checkIntervalSeconds: file.checkIntervalSeconds,
      updateStrategy: file.updateStrategy,
      concurrency: file.concurrency
    }
  })
