/**
 * What gehen-sim seeds for a gehen.yml: per service a cluster, a task definition and a
 * steady service; per scheduled task a task definition and a rule with one ECS target, in
 * the region and on the event bus the file names. Pure: Seed.ts applies it.
 */
import * as Option from "effect/Option"
import { clusterName, regionOfCluster } from "../../config/Names.js"
import type { GehenConfig } from "../../config/Types.js"
import { shortName } from "../model/Faults.js"

export interface SeedContainer {
  readonly name: string
  readonly image: string
  /** Runs a third-party image on its own tag, as a log router does; never given the new tag. */
  readonly sidecar: boolean
}

export interface SeedService {
  /** The gehen.yml keys that deploy this service (two keys may name one service). */
  readonly keys: ReadonlyArray<string>
  readonly region: string
  /** Cluster name. */
  readonly cluster: string
  readonly name: string
  readonly family: string
  /** The first one's tag is what the version url serves. */
  readonly containers: ReadonlyArray<SeedContainer>
  /** `/version/<cluster>/<service>`, with the region first outside the default region. */
  readonly versionPath: string
}

export interface SeedRule {
  readonly key: string
  readonly region: string
  /** Bus name (`default` for the default bus). */
  readonly eventBusName: string
  readonly name: string
  readonly family: string
  readonly containers: ReadonlyArray<SeedContainer>
  /** The cluster its target runs the task in (a cluster of the file in its region, else `default`). */
  readonly cluster: string
}

export interface SeedPlan {
  readonly accountId: string
  /** The region of names without one. */
  readonly region: string
  /** The image tag everything runs now. */
  readonly tag: string
  readonly services: ReadonlyArray<SeedService>
  readonly rules: ReadonlyArray<SeedRule>
}

export const defaultAccount = "123456789012"

/** A log router on a tag of its own, so a `containers:` list has something to leave out. */
const sidecarName = "log-router"
const sidecarRepo = "public.ecr.aws/aws-observability/aws-for-fluent-bit"
const sidecarTags = ["2.32.0", "2.31.12"]

/** The account the file's ARNs name (clusters, rules, event buses, role), so the simulator's ARNs agree with it. */
const accountOf = (config: GehenConfig): string => {
  const arns = [
    ...config.services.map((s) => s.cluster),
    ...config.scheduledTasks.flatMap((t) => [t.key, t.eventBusName ?? ""]),
    config.role?.arn ?? ""
  ]
  for (const arn of arns) {
    const account = /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1]
    if (account !== undefined) return account
  }
  return defaultAccount
}

/** A Docker repository path component from a container name (lower case, `[a-z0-9._-]`). */
const repoOf = (name: string): string =>
  name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "") || "app"

/** A task definition family from a name (`[A-Za-z0-9_-]`, at most 255). */
const familyOf = (name: string): string => name.replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 255) || "task"

/** The first candidate not taken yet (then the last one numbered), marked taken. */
const claim = (taken: Set<string>, candidates: ReadonlyArray<string>): string => {
  const free = candidates.find((c) => !taken.has(c))
  const last = candidates[candidates.length - 1] ?? "task"
  let name = free ?? last
  for (let i = 2; taken.has(name); i++) name = `${last}-${i}`
  taken.add(name)
  return name
}

/**
 * The containers of a target: those its `containers:` lists name, on the current tag, then
 * one sidecar on another; without a list, one container named after it, so every container
 * runs the current tag (gehen's rule for files without `containers:`).
 */
const containersOf = (
  listed: ReadonlyArray<string> | undefined,
  fallbackName: string,
  image: (container: string) => string,
  tag: string
): ReadonlyArray<SeedContainer> => {
  if (listed === undefined) return [{ name: fallbackName, image: image(fallbackName), sidecar: false }]
  const own = listed.map((name) => ({ name, image: image(name), sidecar: false }))
  const sidecarTag = sidecarTags.find((t) => t !== tag) ?? "stable"
  const name = claim(new Set(listed), [sidecarName, `${sidecarName}-sidecar`])
  return [...own, { name, image: `${sidecarRepo}:${sidecarTag}`, sidecar: true }]
}

const unique = <A>(as: ReadonlyArray<A>): ReadonlyArray<A> => [...new Set(as)]

export const versionPathOf = (region: string, defaultRegion: string, cluster: string, service: string): string =>
  `/version/${region === defaultRegion ? "" : `${encodeURIComponent(region)}/`}${encodeURIComponent(cluster)}/${
    encodeURIComponent(service)
  }`

/** The seeding for a config (none: an empty simulator), every image on `tag`, names without a region in `region`. */
export const seedPlanOf = (
  config: GehenConfig | undefined,
  options: { readonly region: string; readonly tag: string }
): SeedPlan => {
  const { region: defaultRegion, tag } = options
  if (config === undefined) return { accountId: defaultAccount, region: defaultRegion, tag, services: [], rules: [] }
  const accountId = accountOf(config)
  const image = (region: string) => (container: string) =>
    `${accountId}.dkr.ecr.${region}.amazonaws.com/${repoOf(container)}:${tag}`
  const families = new Map<string, Set<string>>()
  const familiesIn = (region: string) => {
    const set = families.get(region) ?? new Set<string>()
    families.set(region, set)
    return set
  }

  // One seeded service per (region, cluster, name): a cluster written as a name and as an ARN is one cluster.
  const entries = new Map<string, Array<GehenConfig["services"][number]>>()
  for (const s of config.services) {
    const region = Option.getOrElse(regionOfCluster(s.cluster), () => defaultRegion)
    const id = JSON.stringify([region, clusterName(s.cluster), s.name])
    entries.set(id, [...(entries.get(id) ?? []), s])
  }
  const services = [...entries.values()].flatMap((group): ReadonlyArray<SeedService> => {
    const [first] = group
    if (first === undefined) return []
    const region = Option.getOrElse(regionOfCluster(first.cluster), () => defaultRegion)
    const cluster = clusterName(first.cluster)
    // A key without `containers:` moves every container, so they must all run the current tag: no sidecar then.
    const listed = group.every((s) => s.containers !== undefined)
      ? unique(group.flatMap((s) => s.containers ?? []))
      : undefined
    const named = unique(group.flatMap((s) => s.containers ?? []))
    const containers = listed !== undefined
      ? containersOf(listed, first.name, image(region), tag)
      : named.length > 0
      ? named.map((name) => ({ name, image: image(region)(name), sidecar: false }))
      : containersOf(undefined, first.name, image(region), tag)
    return [{
      keys: group.map((s) => s.key),
      region,
      cluster,
      name: first.name,
      family: claim(familiesIn(region), [familyOf(first.name), familyOf(`${cluster}-${first.name}`)]),
      containers,
      versionPath: versionPathOf(region, defaultRegion, cluster, first.name)
    }]
  })

  const rules = config.scheduledTasks.map((t): SeedRule => {
    const region = t.region ?? defaultRegion
    // gehen names the bus as the file does (a name, or a bus ARN the simulator reads by its last part).
    const eventBusName = shortName(t.eventBusName ?? "default")
    const fallback = familyOf(t.rule)
    return {
      key: t.key,
      region,
      eventBusName,
      name: t.rule,
      family: claim(familiesIn(region), [fallback, `${fallback}-task`]),
      containers: containersOf(t.containers, fallback, image(region), tag),
      cluster: services.find((s) => s.region === region)?.cluster ?? "default"
    }
  })
  return { accountId, region: defaultRegion, tag, services, rules }
}
