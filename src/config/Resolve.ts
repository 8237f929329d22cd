/**
 * From the decoded entries to the GehenConfig: entries in file order, service names and rule
 * ARNs resolved, and the checks that look at more than one value at a time. Every problem
 * found is kept, so they are all reported in one run.
 */

import type * as Arr from "effect/Array"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { defaultEventBus, parseEventBusArn, parseRuleArn, type RuleArn } from "./Names.js"
import { keyPath, type Problem, show } from "./Problem.js"
import type { GehenFile } from "./Schema.js"
import type { GehenConfig, ScheduledTaskConfig, ServiceConfig } from "./Types.js"

/** The order the keys of `services` and `scheduledTasks` were written in. */
export interface KeyOrder {
  readonly services: ReadonlyArray<string>
  readonly scheduledTasks: ReadonlyArray<string>
}

export type Entries<A> = ReadonlyArray<readonly [string, A]>

export type ServiceEntry = NonNullable<GehenFile["services"]>[string]
export type ScheduledTaskEntry = NonNullable<GehenFile["scheduledTasks"]>[string]

/** The services and scheduled tasks of a file, each in file order. */
export interface FileEntries {
  readonly services: Entries<ServiceEntry>
  readonly scheduledTasks: Entries<ScheduledTaskEntry>
}

export const inFileOrder = <A>(entries: Entries<A>, order: ReadonlyArray<string>): Entries<A> => {
  const rank = (k: string) => {
    const i = order.indexOf(k)
    return i === -1 ? Number.MAX_SAFE_INTEGER : i
  }
  return [...entries].sort(([a], [b]) => rank(a) - rank(b))
}

const resolveServices = (
  entries: Entries<ServiceEntry>,
  problems: Array<Problem>
): ReadonlyArray<ServiceConfig> => {
  // The first key for each (cluster as written, service name).
  const seen = new Map<string, string>()
  const services: Array<ServiceConfig> = []
  for (const [key, s] of entries) {
    const name = s.name ?? key
    const id = JSON.stringify([s.cluster, name])
    const first = seen.get(id)
    if (first !== undefined) {
      problems.push({
        path: s.name === undefined ? ["services", key] : ["services", key, "name"],
        expected: `a service that no other key deploys to cluster ${show(s.cluster)}`,
        got: `${show(name)}, which ${keyPath(["services", first])} already deploys there`,
        at: "key"
      })
      continue
    }
    seen.set(id, key)
    services.push({
      key,
      name,
      cluster: s.cluster,
      ...(s.url === undefined ? {} : { url: s.url }),
      ...(s.testUrl === undefined ? {} : { testUrl: s.testUrl }),
      ...(s.containers === undefined ? {} : { containers: s.containers })
    })
  }
  return services
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

/** The scheduled task of one entry, or the problems of its options (both may contradict the ARN). */
const resolveScheduledTask = (
  key: string,
  value: ScheduledTaskEntry
): Either.Either<ScheduledTaskConfig, Arr.NonEmptyReadonlyArray<Problem>> => {
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
  const problems: Array<Problem> = []
  if (options.region !== undefined && options.region !== arn.region) {
    problems.push({
      path: ["scheduledTasks", key, "region"],
      expected: `no region, or the rule ARN's region ${show(arn.region)}`,
      got: `${show(options.region)}, ${contradicts}`,
      at: "key"
    })
  }
  if (options.eventBusName !== undefined && !sameBus(options.eventBusName, arn)) {
    problems.push({
      path: ["scheduledTasks", key, "eventBusName"],
      expected: `no eventBusName, or the rule ARN's event bus ${show(arn.eventBusName ?? defaultEventBus)}`,
      got: `${show(options.eventBusName)}, ${contradicts}`,
      at: "key"
    })
  }
  const [first, ...rest] = problems
  if (first !== undefined) return Either.left([first, ...rest])
  return Either.right({
    key,
    rule: arn.rule,
    region: arn.region,
    ...(arn.eventBusName === undefined ? {} : { eventBusName: arn.eventBusName }),
    ...containers
  })
}

export interface Resolved {
  readonly services: ReadonlyArray<ServiceConfig>
  readonly scheduledTasks: ReadonlyArray<ScheduledTaskConfig>
  /** Every problem found across the entries. */
  readonly problems: ReadonlyArray<Problem>
}

/** Services and scheduled tasks resolved from their entries, and every problem across them. */
export const resolveEntries = (entries: FileEntries): Resolved => {
  const problems: Array<Problem> = []
  const services = resolveServices(entries.services, problems)
  const scheduledTasks: Array<ScheduledTaskConfig> = []
  for (const [key, value] of entries.scheduledTasks) {
    Either.match(resolveScheduledTask(key, value), {
      onLeft: (found) => problems.push(...found),
      onRight: (task) => scheduledTasks.push(task)
    })
  }
  return { services, scheduledTasks, problems }
}

/** The GehenConfig of a decoded file, or every problem found across its entries. */
export const toConfig = (
  path: string,
  file: GehenFile,
  order: KeyOrder
): Either.Either<GehenConfig, Arr.NonEmptyReadonlyArray<Problem>> => {
  const { problems, scheduledTasks, services } = resolveEntries({
    services: inFileOrder(Object.entries(file.services ?? {}), order.services),
    scheduledTasks: inFileOrder(Object.entries(file.scheduledTasks ?? {}), order.scheduledTasks)
  })
  const [first, ...rest] = problems
  if (first !== undefined) return Either.left([first, ...rest])
  return Either.right({
    path,
    services,
    scheduledTasks,
    ...(file.role === undefined ? {} : { role: { arn: file.role.arn } }),
    timeoutMinutes: file.timeoutMinutes,
    checkIntervalSeconds: file.checkIntervalSeconds,
    updateStrategy: file.updateStrategy,
    concurrency: file.concurrency,
    ...(file.keepRevisions === undefined ? {} : { keepRevisions: file.keepRevisions }),
    ...(file.preflight === undefined ? {} : { preflight: file.preflight })
  })
}
