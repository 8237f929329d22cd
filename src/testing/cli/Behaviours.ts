/**
 * gehen-sim's `--behaviour <target>=<kind>`: which new deployments of which service roll
 * out how, and how long a rollout takes. The current tag always rolls out healthy, so a
 * rollback (gehen's or ECS's circuit breaker's) comes back the way it would in AWS.
 */
import { nearest } from "../../config/Suggest.js"
import type { Behaviour, BehaviourContext, BehaviourPicker } from "../model/Behaviour.js"

/** The kinds a rehearsal scripts (`slow` is left out: --rollout-seconds sets the pace). */
export type RehearsalKind = "healthy" | "unhealthy" | "crash-loop" | "stuck" | "never-drain" | "circuit-breaker"

export const rehearsalKinds: ReadonlyArray<RehearsalKind> = [
  "healthy",
  "unhealthy",
  "crash-loop",
  "stuck",
  "never-drain",
  "circuit-breaker"
]

/** One `--behaviour` as written: `[<cluster>/]<service>[@<tag>]=<kind>`. */
export interface BehaviourFlag {
  /** The flag's value, for messages. */
  readonly text: string
  readonly cluster?: string | undefined
  /** A service name, or (with a gehen.yml) a key under `services`. */
  readonly service: string
  /** Only deployments whose images carry this tag; absent: every new deployment. */
  readonly tag?: string | undefined
  readonly kind: RehearsalKind
}

/** A service a behaviour applies to; a field left out matches any. */
export interface BehaviourTarget {
  readonly region?: string | undefined
  readonly cluster?: string | undefined
  readonly service: string
}

/** A flag resolved to the services it names. */
export interface BehaviourRule {
  readonly text: string
  readonly targets: ReadonlyArray<BehaviourTarget>
  readonly tag?: string | undefined
  readonly kind: RehearsalKind
}

/** Docker's tag grammar: what gehen accepts as a --gitsha. */
export const isImageTag = (s: string): boolean => /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(s)
const flagShape = /^(?:([^/@=]+)\/)?([^/@=]+)(?:@([^=]*))?=(.*)$/s

const isKind = (s: string): s is RehearsalKind => (rehearsalKinds as ReadonlyArray<string>).includes(s)

/** Reads one `--behaviour` value; the reason it is wrong otherwise. */
export const parseBehaviourFlag = (
  text: string
): { readonly _tag: "Ok"; readonly flag: BehaviourFlag } | { readonly _tag: "Invalid"; readonly reason: string } => {
  const invalid = (why: string) => ({ _tag: "Invalid" as const, reason: `--behaviour ${text}: ${why}` })
  const m = flagShape.exec(text)
  if (m === null) return invalid("expected <service>=<kind>, [<cluster>/]<service>[@<tag>]=<kind>")
  const [, cluster, service = "", tag, kind = ""] = m
  if (!isKind(kind)) return invalid(`unknown behaviour ${JSON.stringify(kind)}; one of ${rehearsalKinds.join(", ")}`)
  if (tag !== undefined && !isImageTag(tag)) return invalid(`${JSON.stringify(tag)} is not an image tag`)
  return {
    _tag: "Ok",
    flag: {
      text,
      ...(cluster === undefined ? {} : { cluster }),
      service,
      ...(tag === undefined ? {} : { tag }),
      kind
    }
  }
}

/**
 * The timings of a rollout of about `seconds`: tasks run at a quarter, report health at
 * half, old tasks are gone at the end; a crash-looping container exits at half, an
 * UNHEALTHY task is replaced half a rollout later, a circuit breaker trips at the end.
 */
export const rolloutBehaviour = (kind: RehearsalKind, seconds: number): Behaviour => ({
  kind,
  startAfter: seconds / 4,
  healthyAfter: seconds / 2,
  drainAfter: seconds / 2,
  replaceAfter: seconds / 2,
  crashAfter: seconds / 2,
  failAfter: seconds
})

const matches = (t: BehaviourTarget, ctx: BehaviourContext): boolean =>
  t.service === ctx.service && (t.cluster === undefined || t.cluster === ctx.cluster) &&
  (t.region === undefined || t.region === ctx.region)

/**
 * Picks each deployment's behaviour: healthy when its images carry `currentTag`; else the
 * rule for its service and one of its tags, else the service's rule without a tag, else healthy.
 */
export const rehearsalPicker = (
  rules: ReadonlyArray<BehaviourRule>,
  currentTag: string,
  rolloutSeconds: number
): BehaviourPicker =>
(ctx) => {
  const timed = (kind: RehearsalKind) => rolloutBehaviour(kind, rolloutSeconds)
  if (ctx.imageTags.includes(currentTag)) return timed("healthy")
  const mine = rules.filter((r) => r.targets.some((t) => matches(t, ctx)))
  const hit = mine.find((r) => r.tag !== undefined && ctx.imageTags.includes(r.tag)) ??
    mine.find((r) => r.tag === undefined)
  return timed(hit?.kind ?? "healthy")
}

/** How a rule reads in gehen-sim's notes, e.g. `prod/api (us-east-1): unhealthy`, `api with tag abc1234: healthy`. */
export const describeRule = (r: BehaviourRule): string => {
  const names = r.targets.map((t) =>
    `${t.cluster === undefined ? "" : `${t.cluster}/`}${t.service}${t.region === undefined ? "" : ` (${t.region})`}`
  )
  return `${names.join(", ")}${r.tag === undefined ? "" : ` with tag ${r.tag}`}: ${r.kind}`
}

/** What a `--behaviour` may name: the seeded services (with the gehen.yml keys that deploy them) and rules. */
export interface Scriptable {
  /** The file they come from, for messages. */
  readonly path: string
  readonly services: ReadonlyArray<{
    readonly keys: ReadonlyArray<string>
    readonly region: string
    readonly cluster: string
    readonly name: string
  }>
  readonly rules: ReadonlyArray<{ readonly key: string; readonly name: string }>
}

/**
 * The flags as rules. With a gehen.yml a flag must name a service of it (by service name,
 * key, or `<cluster>/<service>`); without one it applies to any service of that name.
 */
export const resolveBehaviours = (
  flags: ReadonlyArray<BehaviourFlag>,
  scriptable: Scriptable | undefined
): { readonly _tag: "Ok"; readonly rules: ReadonlyArray<BehaviourRule> } | {
  readonly _tag: "Invalid"
  readonly reason: string
} => {
  const rules: Array<BehaviourRule> = []
  const scripted = new Map<string, string>()
  for (const flag of flags) {
    const invalid = (why: string) => ({ _tag: "Invalid" as const, reason: `--behaviour ${flag.text}: ${why}` })
    const wanted = flag.cluster === undefined ? flag.service : `${flag.cluster}/${flag.service}`
    let targets: ReadonlyArray<BehaviourTarget>
    if (scriptable === undefined) {
      targets = [{ ...(flag.cluster === undefined ? {} : { cluster: flag.cluster }), service: flag.service }]
    } else {
      targets = scriptable.services
        .filter((s) =>
          flag.cluster === undefined
            ? s.name === flag.service || s.keys.includes(flag.service)
            : s.cluster === flag.cluster && s.name === flag.service
        )
        .map((s) => ({ region: s.region, cluster: s.cluster, service: s.name }))
      if (targets.length === 0) {
        if (
          flag.cluster === undefined && scriptable.rules.some((r) => r.name === flag.service || r.key === flag.service)
        ) {
          return invalid(`${flag.service} is a scheduled task of ${scriptable.path}: a rule has no rollout to script`)
        }
        const known = [
          ...new Set(scriptable.services.flatMap((s) => [s.name, ...s.keys, `${s.cluster}/${s.name}`]))
        ]
        const near = nearest(wanted, known)
        return invalid(
          `no service ${wanted} in ${scriptable.path}` + (near === undefined ? "" : ` (did you mean ${near}?)`) +
            `; its services: ${scriptable.services.map((s) => `${s.cluster}/${s.name}`).join(", ") || "none"}`
        )
      }
    }
    for (const t of targets) {
      const id = JSON.stringify([t.region, t.cluster, t.service, flag.tag])
      const earlier = scripted.get(id)
      if (earlier !== undefined) return invalid(`scripts the same deployments as --behaviour ${earlier}`)
      scripted.set(id, flag.text)
    }
    rules.push({ text: flag.text, targets, ...(flag.tag === undefined ? {} : { tag: flag.tag }), kind: flag.kind })
  }
  return { _tag: "Ok", rules }
}
