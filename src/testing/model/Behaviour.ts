/**
 * How a simulated deployment behaves once it starts. Chosen per deployment by a
 * user function, so a test can make one image tag unhealthy and its rollback healthy.
 */

export type BehaviourKind =
  | "healthy"
  | "unhealthy"
  | "stuck"
  | "never-drain"
  | "circuit-breaker"
  | "crash-loop"
  | "slow"

export const behaviourKinds: ReadonlyArray<BehaviourKind> = [
  "healthy",
  "unhealthy",
  "stuck",
  "never-drain",
  "circuit-breaker",
  "crash-loop",
  "slow"
]

/** A behaviour with optional timing overrides, all in seconds. */
export interface Behaviour {
  readonly kind: BehaviourKind
  /** From a task's launch until it is RUNNING (PROVISIONING for the first third, then PENDING). */
  readonly startAfter?: number
  /** From a task's launch until its health check reports (HEALTHY, or UNHEALTHY for `unhealthy`). */
  readonly healthyAfter?: number
  /** How long the old deployments' tasks take to stop once the new one is healthy. */
  readonly drainAfter?: number
  /** circuit-breaker: from the deployment's start until its rolloutState is FAILED. */
  readonly failAfter?: number
  /** unhealthy: from UNHEALTHY until ECS stops the task and starts a replacement. */
  readonly replaceAfter?: number
  /**
   * crash-loop: from a task's launch until its essential container exits (it is RUNNING
   * from `startAfter`); ECS then starts a replacement, which crashes the same way.
   */
  readonly crashAfter?: number
  /** Without a health check tasks stay UNKNOWN and count as serving once RUNNING. */
  readonly healthCheck?: boolean
  /**
   * A CloudWatch alarm of the service goes into ALARM this long after the deployment
   * starts; with the service's alarms set to roll back, ECS rolls the deployment back.
   */
  readonly alarmAfter?: number
  /** ECS's own rollback of this deployment fails: a traffic-shifting one ends ROLLBACK_FAILED. */
  readonly rollbackFails?: boolean
}

export interface Timings {
  readonly startAfter: number
  readonly healthyAfter: number
  readonly drainAfter: number
  readonly failAfter: number
  readonly replaceAfter: number
  readonly crashAfter: number
  readonly healthCheck: boolean
}

const standard: Timings = {
  startAfter: 5,
  healthyAfter: 15,
  drainAfter: 10,
  failAfter: 60,
  replaceAfter: 10,
  crashAfter: 10,
  healthCheck: true
}

/** Defaults in seconds; `slow` is `healthy` with durations closer to a real rollout. */
export const defaultTimings: { readonly [K in BehaviourKind]: Timings } = {
  healthy: standard,
  unhealthy: standard,
  stuck: standard,
  "never-drain": standard,
  "circuit-breaker": standard,
  "crash-loop": standard,
  slow: {
    startAfter: 90,
    healthyAfter: 300,
    drainAfter: 180,
    failAfter: 600,
    replaceAfter: 30,
    crashAfter: 120,
    healthCheck: true
  }
}

export interface ResolvedBehaviour extends Timings {
  readonly kind: BehaviourKind
  readonly alarmAfter: number | undefined
  readonly rollbackFails: boolean
}

export const resolveBehaviour = (b: Behaviour | BehaviourKind | undefined): ResolvedBehaviour => {
  const spec: Behaviour = b === undefined ? { kind: "healthy" } : typeof b === "string" ? { kind: b } : b
  const d = defaultTimings[spec.kind]
  const startAfter = Math.max(0, spec.startAfter ?? d.startAfter)
  return {
    kind: spec.kind,
    startAfter,
    // A task cannot report health before it runs.
    healthyAfter: Math.max(startAfter, spec.healthyAfter ?? d.healthyAfter),
    drainAfter: Math.max(0, spec.drainAfter ?? d.drainAfter),
    failAfter: Math.max(0, spec.failAfter ?? d.failAfter),
    replaceAfter: Math.max(0, spec.replaceAfter ?? d.replaceAfter),
    // A container cannot exit before it starts.
    crashAfter: Math.max(startAfter, spec.crashAfter ?? d.crashAfter),
    healthCheck: spec.healthCheck ?? d.healthCheck,
    alarmAfter: spec.alarmAfter === undefined ? undefined : Math.max(0, spec.alarmAfter),
    rollbackFails: spec.rollbackFails ?? false
  }
}

/** What the behaviour function sees when a deployment starts. */
export interface BehaviourContext {
  readonly region: string
  /** Cluster name. */
  readonly cluster: string
  /** Service name. */
  readonly service: string
  readonly taskDefinitionArn: string
  /** Image tags of the task definition's containers, in container order. */
  readonly imageTags: ReadonlyArray<string>
  /** True for the deployment ECS starts itself after a circuit-breaker failure. */
  readonly rollback: boolean
}

export type BehaviourPicker = (ctx: BehaviourContext) => Behaviour | BehaviourKind | undefined

/** A behaviour for every deployment, or a picker choosing one per deployment. */
export type BehaviourChoice = Behaviour | BehaviourKind | BehaviourPicker

const choose = (choice: BehaviourChoice, ctx: BehaviourContext): Behaviour | BehaviourKind | undefined =>
  typeof choice === "function" ? choice(ctx) : choice

const own = <A>(record: Readonly<Record<string, A>>, key: string): A | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined

/** Picks by image tag: the first container tag found in `byTag` wins, else `fallback`. */
export const byImageTag = (
  byTag: Readonly<Record<string, BehaviourChoice>>,
  fallback: BehaviourChoice = "healthy"
): BehaviourPicker =>
(ctx) => {
  for (const tag of ctx.imageTags) {
    const hit = own(byTag, tag)
    if (hit !== undefined) return choose(hit, ctx)
  }
  return choose(fallback, ctx)
}

/**
 * Picks by service: the entry for `<cluster>/<service>`, else for `<service>`, else `fallback`.
 * Entries may be pickers, so a test can script each target's deploy and rollback, e.g.
 * `byService({ api: byImageTag({ [B]: "unhealthy", [A]: "unhealthy" }) }, "healthy")`.
 */
export const byService = (
  byName: Readonly<Record<string, BehaviourChoice>>,
  fallback: BehaviourChoice = "healthy"
): BehaviourPicker =>
(ctx) => choose(own(byName, `${ctx.cluster}/${ctx.service}`) ?? own(byName, ctx.service) ?? fallback, ctx)

/**
 * A picker as JSON (what the HTTP face's `POST /_sim/behaviours` takes): a behaviour
 * (`"stuck"`, `{ "kind": "crash-loop", "crashAfter": 2 }`), `{ "byTag": {...}, "fallback"? }`
 * or `{ "byService": {...}, "fallback"? }`, whose entries are specs again.
 */
export type BehaviourSpec =
  | Behaviour
  | BehaviourKind
  | { readonly byTag: Readonly<Record<string, BehaviourSpec>>; readonly fallback?: BehaviourSpec }
  | { readonly byService: Readonly<Record<string, BehaviourSpec>>; readonly fallback?: BehaviourSpec }

const timingKeys = [
  "startAfter",
  "healthyAfter",
  "drainAfter",
  "failAfter",
  "replaceAfter",
  "crashAfter",
  "alarmAfter"
] as const

const isObject = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === "object" && v !== null && !Array.isArray(v)

const isKind = (v: unknown): v is BehaviourKind =>
  typeof v === "string" && (behaviourKinds as ReadonlyArray<string>).includes(v)

/** Reads a BehaviourSpec from unchecked JSON: the choice it describes, or what is wrong with it. */
export const choiceFromSpec = (
  spec: unknown,
  at: string = "body"
): { readonly _tag: "Ok"; readonly choice: BehaviourChoice } | {
  readonly _tag: "Invalid"
  readonly reason: string
} => {
  const invalid = (reason: string) => ({ _tag: "Invalid" as const, reason: `${at}: ${reason}` })
  if (isKind(spec)) return { _tag: "Ok", choice: spec }
  if (!isObject(spec)) return invalid(`expected a behaviour kind (${behaviourKinds.join(", ")}) or an object`)
  const table = spec["byTag"] ?? spec["byService"]
  if (table !== undefined) {
    if (!isObject(table)) return invalid("byTag / byService must be an object")
    const entries: Record<string, BehaviourChoice> = {}
    for (const [key, value] of Object.entries(table)) {
      const entry = choiceFromSpec(value, `${at}.${key}`)
      if (entry._tag === "Invalid") return entry
      entries[key] = entry.choice
    }
    let fallback: BehaviourChoice = "healthy"
    if (spec["fallback"] !== undefined) {
      const fb = choiceFromSpec(spec["fallback"], `${at}.fallback`)
      if (fb._tag === "Invalid") return fb
      fallback = fb.choice
    }
    return {
      _tag: "Ok",
      choice: spec["byTag"] !== undefined ? byImageTag(entries, fallback) : byService(entries, fallback)
    }
  }
  if (!isKind(spec["kind"])) return invalid(`kind must be one of ${behaviourKinds.join(", ")}`)
  const behaviour: { -readonly [K in keyof Behaviour]: Behaviour[K] } = { kind: spec["kind"] }
  for (const key of timingKeys) {
    const v = spec[key]
    if (v === undefined) continue
    if (typeof v !== "number" || !Number.isFinite(v)) return invalid(`${key} must be a number of seconds`)
    behaviour[key] = v
  }
  const healthCheck = spec["healthCheck"]
  if (healthCheck !== undefined) {
    if (typeof healthCheck !== "boolean") return invalid("healthCheck must be a boolean")
    behaviour.healthCheck = healthCheck
  }
  return { _tag: "Ok", choice: behaviour }
}

/** The choice as a picker. */
export const pickerOf = (choice: BehaviourChoice): BehaviourPicker => (ctx) => choose(choice, ctx)

/** The tag of an image reference: `repo:tag` -> tag, `repo@sha256:x` -> the digest, none -> `latest`. */
export const imageTag = (image: string): string => {
  const at = image.indexOf("@")
  if (at >= 0) return image.slice(at + 1)
  const lastSlash = image.lastIndexOf("/")
  const colon = image.lastIndexOf(":")
  return colon > lastSlash ? image.slice(colon + 1) : "latest"
}
