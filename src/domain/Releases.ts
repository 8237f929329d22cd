/**
 * The release history gehen keeps in AWS, as tags on task definition revisions (no
 * local state): `gehen:sha` on every revision it registers, `gehen:released` (when)
 * and `gehen:by` (whom) once a deploy of the revision is confirmed, `gehen:failed`
 * (when) on a revision whose deploy failed. Pure readings of it.
 */
import type { Tag } from "@aws-sdk/client-ecs"

export const SHA_TAG = "gehen:sha"
export const RELEASED_TAG = "gehen:released"
export const BY_TAG = "gehen:by"
export const FAILED_TAG = "gehen:failed"

/** Tags gehen owns: never copied from one revision to the next. */
export const isGehenTag = (key: string | undefined): boolean => key !== undefined && key.startsWith("gehen:")

/** What a revision's tags say of its releases. */
export interface ReleaseTags {
  /** The sha gehen registered it for. */
  readonly sha?: string | undefined
  /** When a deploy of it was confirmed (epoch ms). */
  readonly releasedAt?: number | undefined
  /** Who deployed it then (the STS principal). */
  readonly by?: string | undefined
  /** When a deploy of it failed (epoch ms). */
  readonly failedAt?: number | undefined
}

const timeOf = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : at
}

export const releaseTagsOf = (tags: ReadonlyArray<Tag>): ReleaseTags => {
  const get = (key: string) => tags.find((t) => t.key === key)?.value
  return {
    sha: get(SHA_TAG),
    releasedAt: timeOf(get(RELEASED_TAG)),
    by: get(BY_TAG),
    failedAt: timeOf(get(FAILED_TAG))
  }
}

/** A copy's tags: the old revision's own tags (gehen's left out), and the sha it is registered for. */
export const registeredTags = (copied: ReadonlyArray<Tag>, sha: string): Array<Tag> => [
  ...copied.filter((t) => !isGehenTag(t.key)),
  { key: SHA_TAG, value: sha }
]

/** The tags that record a confirmed deploy. */
export const releasedTags = (at: number, by: string | undefined): Record<string, string> => ({
  [RELEASED_TAG]: new Date(at).toISOString(),
  ...(by === undefined || by === "" ? {} : { [BY_TAG]: by })
})

export const failedTags = (at: number): Record<string, string> => ({ [FAILED_TAG]: new Date(at).toISOString() })

/** One revision of a family as the history reads it. */
export interface RevisionRecord {
  readonly arn: string
  /** Its number in the family. */
  readonly revision: number
  readonly release: ReleaseTags
}

/** Released and never failed since. */
export const released = (r: RevisionRecord): boolean =>
  r.release.releasedAt !== undefined && (r.release.failedAt === undefined || r.release.failedAt < r.release.releasedAt)

/**
 * Where `gehen rollback` returns a target: the newest release (by when it was released)
 * among the family's revisions registered before the one it runs now, so that a second
 * rollback goes further back, never forward. `current` is left out whatever its number.
 */
export const previousRelease = (
  current: RevisionRecord,
  revisions: ReadonlyArray<RevisionRecord>
): RevisionRecord | undefined =>
  revisions
    .filter((r) => r.arn !== current.arn && r.revision < current.revision && released(r))
    .reduce<RevisionRecord | undefined>(
      (best, r) => (best === undefined || r.release.releasedAt! > best.release.releasedAt! ? r : best),
      undefined
    )

/** With `--to <sha>`: the newest release of that sha, by when it was released. */
export const releaseOf = (sha: string, revisions: ReadonlyArray<RevisionRecord>): RevisionRecord | undefined =>
  revisions
    .filter((r) => r.release.sha === sha && released(r))
    .reduce<RevisionRecord | undefined>(
      (best, r) => (best === undefined || r.release.releasedAt! > best.release.releasedAt! ? r : best),
      undefined
    )

/**
 * Which revisions `keepRevisions: n` removes from a family: those gehen registered
 * (tagged with a sha) that are neither among the newest `n` releases nor in use; the
 * revisions gehen did not register are never touched.
 */
export const revisionsToTidy = (
  revisions: ReadonlyArray<RevisionRecord>,
  keep: number,
  inUse: ReadonlySet<string>
): ReadonlyArray<RevisionRecord> => {
  const kept = new Set(
    revisions.filter(released).sort((a, b) => b.release.releasedAt! - a.release.releasedAt!).slice(0, keep).map((r) =>
      r.arn
    )
  )
  return revisions.filter((r) => r.release.sha !== undefined && !kept.has(r.arn) && !inUse.has(r.arn))
}
