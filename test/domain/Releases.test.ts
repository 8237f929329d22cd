// The release history's pure readings: which revision gehen rollback picks, which ones keepRevisions removes.
import { describe, expect, it } from "vitest"
import {
  previousRelease,
  registeredTags,
  releaseOf,
  type RevisionRecord,
  revisionsToTidy
} from "../../src/domain/Releases.js"

const rev = (n: number, release: RevisionRecord["release"] = {}): RevisionRecord => ({
  arn: `td:${n}`,
  revision: n,
  release
})
const at = (minute: number) => minute * 60_000

describe("previousRelease: the newest release registered before the current revision", () => {
  it.each(
    [
      ["the release before", rev(3, { releasedAt: at(3) }), [
        rev(1, { releasedAt: at(1) }),
        rev(2, { releasedAt: at(2) })
      ], "td:2"],
      // Newer revisions (a later deploy since rolled back) are never chosen: going back never goes forward.
      ["never a newer revision", rev(2, { releasedAt: at(2) }), [
        rev(1, { releasedAt: at(1) }),
        rev(3, { releasedAt: at(3) })
      ], "td:1"],
      // Among earlier revisions, the one released last (an older revision re-released later).
      ["the latest released", rev(5, { releasedAt: at(9) }), [
        rev(2, { releasedAt: at(8) }),
        rev(4, { releasedAt: at(4) })
      ], "td:2"],
      [
        "not released: skipped",
        rev(3, { releasedAt: at(3) }),
        [rev(1, { releasedAt: at(1) }), rev(2, { sha: "x" })],
        "td:1"
      ],
      ["failed since its release: skipped", rev(3, { releasedAt: at(3) }), [
        rev(1, { releasedAt: at(1) }),
        rev(2, { releasedAt: at(2), failedAt: at(5) })
      ], "td:1"],
      ["no history", rev(3, {}), [rev(1, {}), rev(2, { sha: "y" })], undefined],
      [
        "the current one itself is never chosen",
        rev(2, { releasedAt: at(2) }),
        [rev(2, { releasedAt: at(2) })],
        undefined
      ]
    ] as const
  )("%s", (_, current, revisions, want) => {
    expect(previousRelease(current, [...revisions, current])?.arn).toBe(want)
  })
})

describe("releaseOf: --to <sha>", () => {
  it("the newest release of that sha; none when it was never released", () => {
    const revisions = [
      rev(1, { sha: "a", releasedAt: at(1) }),
      rev(4, { sha: "a", releasedAt: at(4) }),
      rev(5, { sha: "b" })
    ]
    expect(releaseOf("a", revisions)?.arn).toBe("td:4")
    expect(releaseOf("b", revisions)).toBeUndefined()
  })
})

describe("revisionsToTidy: keepRevisions", () => {
  const revisions = [
    rev(1, {}), // not gehen's
    rev(2, { sha: "a", releasedAt: at(2) }),
    rev(3, { sha: "b", releasedAt: at(3) }),
    rev(4, { sha: "c", failedAt: at(4) }),
    rev(5, { sha: "d", releasedAt: at(5) })
  ]
  it.each(
    [
      [1, [], ["td:2", "td:3", "td:4"]],
      [2, [], ["td:2", "td:4"]],
      [3, [], ["td:4"]],
      // In use by a target of the file: kept whatever its age.
      [1, ["td:2"], ["td:3", "td:4"]],
      [1, ["td:4"], ["td:2", "td:3"]],
      [10, [], ["td:4"]]
    ] as const
  )("keep %i, in use %o: %o go", (keep, inUse, want) => {
    expect(revisionsToTidy(revisions, keep, new Set(inUse)).map((r) => r.arn)).toEqual(want)
  })
})

describe("registeredTags", () => {
  it("keeps the old revision's own tags, never gehen's, and adds the sha", () => {
    expect(
      registeredTags([{ key: "team", value: "a" }, { key: "gehen:sha", value: "old" }, {
        key: "gehen:released",
        value: "2026-01-01T00:00:00.000Z"
      }], "new")
    ).toEqual([{ key: "team", value: "a" }, { key: "gehen:sha", value: "new" }])
  })
})
