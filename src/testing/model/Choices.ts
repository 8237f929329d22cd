/**
 * Where AWS's documentation is silent, AWS may answer more than one way; the simulator
 * picks one per run, from its seed, so a guess that holds for one answer fails a test
 * that runs over several seeds instead of passing by coincidence.
 */
import { makePrng } from "./Faults.js"

export interface SimChoices {
  /**
   * The order of lists AWS documents no order for: ListServiceDeployments, ListTasks,
   * DescribeServices' services, deployments and events, DescribeTasks' tasks, a service
   * deployment's source revisions.
   */
  readonly listOrder: "newest-first" | "oldest-first" | "shuffled"
  /** Pages of list operations: as full as allowed, or any size from 1 up (AWS may answer fewer than maxResults). */
  readonly pageSize: "full" | "any"
  /** Timestamps in answers: to the millisecond, or truncated to the second. */
  readonly timestamps: "ms" | "s"
  /** ListServiceDeployments' createdAt filter: whether its bounds are included. */
  readonly createdAtBounds: "inclusive" | "exclusive"
  /**
   * Service revision ARNs end in an id of their own, unrelated to the deployment ids
   * (`ecs-svc/<n>`): a number from the seed, or a hex string.
   */
  readonly revisionIds: "numeric" | "hex"
}

/** FNV-1a with murmur3's finaliser: a stable, well-mixed number for a string. */
const hash = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/** One choice from the seed, drawn apart from the others. */
const pick = <A>(seed: number, name: string, as: ReadonlyArray<A>): A => as[hash(`${name}:${seed}`) % as.length]!

/** The choices of the run with `seed`: each one drawn from the seed on its own, so every combination turns up over seeds. */
export const choicesFor = (seed: number): SimChoices => ({
  listOrder: pick(seed, "listOrder", ["newest-first", "oldest-first", "shuffled"] as const),
  pageSize: pick(seed, "pageSize", ["full", "any"] as const),
  timestamps: pick(seed, "timestamps", ["ms", "s"] as const),
  createdAtBounds: pick(seed, "createdAtBounds", ["inclusive", "exclusive"] as const),
  revisionIds: pick(seed, "revisionIds", ["numeric", "hex"] as const)
})

/** The choices and the randomness they draw from while the simulator answers. */
export class SimLatitude {
  private readonly random: () => number

  constructor(readonly choices: SimChoices, private readonly seed: number) {
    this.random = makePrng(seed * 104729 + 3)
  }

  /**
   * A list in the run's order, from `items` ordered oldest first. Shuffled, each item's
   * place follows from its key, so the pages of one listing never disagree.
   */
  order<A>(oldestFirst: ReadonlyArray<A>, keyOf: (a: A) => string): Array<A> {
    switch (this.choices.listOrder) {
      case "oldest-first":
        return [...oldestFirst]
      case "newest-first":
        return [...oldestFirst].reverse()
      case "shuffled": {
        const rank = new Map(oldestFirst.map((a) => [a, hash(`${this.seed}:${keyOf(a)}`)] as const))
        return [...oldestFirst].sort((a, b) => rank.get(a)! - rank.get(b)!)
      }
    }
  }

  /** How many items the next page holds, at most `limit`. */
  pageSize(limit: number): number {
    return this.choices.pageSize === "full" || limit <= 1 ? limit : 1 + Math.floor(this.random() * limit)
  }

  /** A time as the answers carry it. */
  time(ms: number): Date {
    return new Date(this.choices.timestamps === "s" ? Math.floor(ms / 1000) * 1000 : ms)
  }

  /** Whether `at` passes a createdAt filter. */
  after(at: number, bound: number | undefined): boolean {
    return bound === undefined || (this.choices.createdAtBounds === "inclusive" ? at >= bound : at > bound)
  }

  before(at: number, bound: number | undefined): boolean {
    return bound === undefined || (this.choices.createdAtBounds === "inclusive" ? at <= bound : at < bound)
  }

  /** A service revision's id. */
  revisionId(): string {
    const n = Math.floor(this.random() * 2 ** 48)
    return this.choices.revisionIds === "hex" ? n.toString(16).padStart(12, "0") : String(n)
  }
}
