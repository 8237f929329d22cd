import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { InvalidGitSha, shaMatches, validateGitSha } from "../../src/domain/GitSha.js"

const full = "3f786850e387550fdab836ed7e6dc881de23001b"

describe("validateGitSha", () => {
  it.each([full, "3f78685", "a", "v1.2.3", "release_2024-01-01", "_x", "A".repeat(128)])("accepts %s", (sha) => {
    expect(validateGitSha(sha)).toStrictEqual(Either.right(sha))
  })

  it.each(["", ".hidden", "-rc1", "foo/bar", "a:b", "with space", "ümlaut", "a@b", "A".repeat(129)])(
    "rejects %j",
    (sha) => {
      const result = validateGitSha(sha)
      if (Either.isRight(result)) throw new Error(`accepted ${sha}`)
      expect(result.left).toBeInstanceOf(InvalidGitSha)
      expect(result.left.value).toBe(sha)
    }
  )

  it("says what a tag may be", () => {
    const result = validateGitSha("foo/bar")
    if (Either.isRight(result)) throw new Error("expected a Left")
    expect(result.left.value).toBe("foo/bar")
    expect(result.left.message).toBe(
      `--gitsha "foo/bar": expected a Docker image tag: letters, digits, _ . -, at most 128 characters, ` +
        `not starting with . or -`
    )
  })
})

describe("shaMatches", () => {
  it("matches equal values of any length", () => {
    expect(shaMatches(full, full)).toBe(true)
    expect(shaMatches("v1", "v1")).toBe(true)
  })

  it("matches a prefix of at least 7 characters either way", () => {
    expect(shaMatches(full.slice(0, 7), full)).toBe(true)
    expect(shaMatches(full, full.slice(0, 7))).toBe(true)
    expect(shaMatches(full.slice(0, 12), full)).toBe(true)
    expect(shaMatches(full, full.slice(0, 12))).toBe(true)
  })

  it("does not match a prefix shorter than 7 characters", () => {
    expect(shaMatches(full.slice(0, 6), full)).toBe(false)
    expect(shaMatches(full, full.slice(0, 6))).toBe(false)
    expect(shaMatches("", full)).toBe(false)
  })

  it("does not match different values", () => {
    expect(shaMatches("3f78685", "3f78686")).toBe(false)
    expect(shaMatches(full.slice(0, 8), `0${full.slice(1)}`)).toBe(false)
    expect(shaMatches("v1", "v2")).toBe(false)
  })
})
