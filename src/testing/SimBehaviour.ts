/**
 * How a simulated deployment behaves once it starts. Chosen per deployment by a
 * user function, so a test can make one image tag unhealthy and its rollback healthy.
 */

export type BehaviourKind = "healthy" | "unhealthy" | "stuck" | "never-drain" | "circuit-breaker" | "slow"

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
  /** Without a health check tasks stay UNKNOWN and count as serving once RUNNING. */
  readonly healthCheck?: boolean
}

export interface Timings {
  readonly startAfter: number
  readonly healthyAfter: number
  readonly drainAfter: number
  readonly failAfter: number
  readonly replaceAfter: number
  readonly healthCheck: boolean
}

/** Defaults in seconds; `slow` is `healthy` with durations closer to a real rollout. */
export const defaultTimings: { readonly [K in BehaviourKind]: Timings } = {
  healthy: { startAfter: 5, healthyAfter: 15, drainAfter: 10, failAfter: 60, replaceAfter: 10, healthCheck: true },
  unhealthy: { startAfter: 5, healthyAfter: 15, drainAfter: 10, failAfter: 60, replaceAfter: 10, healthCheck: true },
  stuck: { startAfter: 5, healthyAfter: 15, drainAfter: 10, failAfter: 60, replaceAfter: 10, healthCheck: true },
  "never-drain": { startAfter: 5, healthyAfter: 15, drainAfter: 10, failAfter: 60, replaceAfter: 10, healthCheck: true },
  "circuit-breaker": {
    startAfter: 5,
    healthyAfter: 15,
    drainAfter: 10,
    failAfter: 60,
    replaceAfter: 10,
    healthCheck: true
  },
  slow: { startAfter: 90, healthyAfter: 300, drainAfter: 180, failAfter: 600, replaceAfter: 30, healthCheck: true }
}

export interface ResolvedBehaviour extends Timings {
  readonly kind: BehaviourKind
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
    healthCheck: spec.healthCheck ?? d.healthCheck
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

/** Picks by image tag: the first container tag found in `byTag` wins, else `fallback`. */
export const byImageTag =
  (
    byTag: Readonly<Record<string, Behaviour | BehaviourKind>>,
    fallback: Behaviour | BehaviourKind = "healthy"
  ): BehaviourPicker =>
  (ctx) => {
    for (const tag of ctx.imageTags) {
      const hit = byTag[tag]
      if (hit !== undefined) return hit
    }
    return fallback
  }

/** The tag of an image reference: `repo:tag` -> tag, `repo@sha256:x` -> the digest, none -> `latest`. */
export const imageTag = (image: string): string => {
  const at = image.indexOf("@")
  if (at >= 0) return image.slice(at + 1)
  const lastSlash = image.lastIndexOf("/")
  const colon = image.lastIndexOf(":")
  return colon > lastSlash ? image.slice(colon + 1) : "latest"
}
