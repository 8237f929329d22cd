import { Either, Option } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseImage, tagOf, withTag } from "../../src/domain/ImageRef.js"

// Valid references built from the grammar's parts, so the expected split is known.
const alnum = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789")
const lower = fc.string({ unit: alnum, minLength: 1, maxLength: 6 })
const pathComponent = fc
  .tuple(lower, fc.array(fc.tuple(fc.constantFrom(".", "_", "__", "-", "---"), lower), { maxLength: 2 }))
  .map(([head, rest]) => head + rest.map(([sep, part]) => sep + part).join(""))
const host = fc.oneof(
  fc
    .array(fc.stringMatching(/^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,6}[a-zA-Z0-9])$/), {
      minLength: 1,
      maxLength: 4
    })
    .map((parts) => parts.join(".")),
  fc.constant("localhost"),
  fc.ipV4(),
  fc.ipV6().filter((a) => !a.includes(".")).map((a) => `[${a}]`)
)
const registry = fc
  .tuple(host, fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }))
  .map(([h, port]) => (port === undefined ? h : `${h}:${port}`))
const tagArb = fc.stringMatching(/^\w[\w.-]{0,127}$/)
const hex = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: n, maxLength: n })
const digestArb = fc.oneof(hex(64).map((h) => `sha256:${h}`), hex(128).map((h) => `sha512:${h}`))
const imageArb = fc
  .record({
    registry: fc.option(registry, { nil: undefined }),
    path: fc.array(pathComponent, { minLength: 1, maxLength: 4 }),
    tag: fc.option(tagArb, { nil: undefined }),
    digest: fc.option(digestArb, { nil: undefined })
  })
  .map(({ registry, path, tag, digest }) => {
    const name = [...(registry === undefined ? [] : [registry]), ...path].join("/")
    const image = name + (tag === undefined ? "" : `:${tag}`) + (digest === undefined ? "" : `@${digest}`)
    return { image, name, tag: Option.fromNullable(tag), digest: Option.fromNullable(digest) }
  })

const SHA = "abc1234def"
const D64 = "sha256:" + "0123456789abcdef".repeat(4)

const parsed = (image: string) => Either.getOrThrow(parseImage(image))
const rewritten = (image: string, tag = SHA) => Either.getOrThrow(withTag(image, tag))

describe("parseImage", () => {
  it.each([
    ["nginx", "nginx", undefined, undefined],
    ["nginx:latest", "nginx", "latest", undefined],
    ["registry:5000/team/app:tag", "registry:5000/team/app", "tag", undefined],
    ["registry/app", "registry/app", undefined, undefined],
    [`app@${D64}`, "app", undefined, D64],
    [`app:tag@${D64}`, "app", "tag", D64],
    ["a/b/c/d/e:1", "a/b/c/d/e", "1", undefined],
    ["localhost:5000/x", "localhost:5000/x", undefined, undefined],
    ["localhost/x:y", "localhost/x", "y", undefined],
    ["127.0.0.1:51670/busybox:latest", "127.0.0.1:51670/busybox", "latest", undefined],
    ["[::1]:5000/app:v2", "[::1]:5000/app", "v2", undefined],
    ["public.ecr.aws/nginx/nginx:latest", "public.ecr.aws/nginx/nginx", "latest", undefined],
    [
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:abc",
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/app",
      "abc",
      undefined
    ],
    ["ghcr.io/org/app:v1", "ghcr.io/org/app", "v1", undefined],
    [
      "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2019",
      "mcr.microsoft.com/windows/servercore/iis",
      "windowsservercore-ltsc2019",
      undefined
    ],
    // The registry host may be upper case; only path components must be lower case.
    ["Registry.Example.COM/app:V1_x.y-z", "Registry.Example.COM/app", "V1_x.y-z", undefined],
    ["my-registry:5000/a_b/c__d/e-f/g.h/i---j", "my-registry:5000/a_b/c__d/e-f/g.h/i---j", undefined, undefined],
    // Without a "/", "registry:5000" is a repository with tag "5000".
    ["registry:5000", "registry", "5000", undefined]
  ])("%s", (image, name, tag, digest) => {
    expect(parsed(image)).toStrictEqual({
      name,
      tag: Option.fromNullable(tag),
      digest: Option.fromNullable(digest)
    })
  })

  it.each([
    ["", "empty"],
    ["App", "upper-case repository"],
    ["registry/Team/app:v1", "upper-case path component"],
    ["ghcr.io/Org/app", "upper-case path component after a registry"],
    ["nginx latest", "space"],
    [" nginx", "leading space"],
    ["nginx:", "empty tag"],
    ["nginx:-x", "tag starting with -"],
    ["nginx:.x", "tag starting with ."],
    ["nginx:a/b", "tag with a slash"],
    [`nginx:${"a".repeat(129)}`, "tag longer than 128"],
    ["nginx:a:b", "two tags"],
    ["nginx@", "empty digest"],
    ["nginx@sha256:abc", "short digest"],
    [`nginx@sha256:${"A".repeat(64)}`, "upper-case sha256 hex"],
    [`nginx@md5:${"a".repeat(32)}`, "unsupported digest algorithm"],
    [`nginx@${D64}@${D64}`, "two digests"],
    ["/nginx", "empty first component"],
    ["nginx/", "empty last component"],
    ["a//b", "empty middle component"],
    ["a/-b", "path component starting with a separator"],
    ["a/b-", "path component ending with a separator"],
    ["a/b._c", "two different separators"],
    ["-registry/app", "registry starting with -"],
    ["registry:port/app", "non-numeric port"],
    [`${"a".repeat(256)}:v`, "name longer than 255"]
  ])("rejects %j (%s)", (image) => {
    const result = parseImage(image)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("InvalidImage")
      expect(result.left.image).toBe(image)
      expect(result.left.message).toContain(JSON.stringify(image))
    }
  })

  it("splits any valid reference into parts that concatenate back to it", () => {
    fc.assert(
      fc.property(imageArb, ({ image, name, tag, digest }) => {
        const ref = parsed(image)
        expect(ref).toStrictEqual({ name, tag, digest })
        const back = ref.name + Option.match(ref.tag, { onNone: () => "", onSome: (t) => `:${t}` }) +
          Option.match(ref.digest, { onNone: () => "", onSome: (d) => `@${d}` })
        expect(back).toBe(image)
      }),
      { numRuns: 200 }
    )
  })

  it("never throws, and whatever it accepts concatenates back to the input", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."aZ0:/@._-[] \u00e9".split("")), maxLength: 30 }), (s) => {
        Either.match(parseImage(s), {
          onLeft: () => undefined,
          onRight: (ref) => {
            const back = ref.name + Option.match(ref.tag, { onNone: () => "", onSome: (t) => `:${t}` }) +
              Option.match(ref.digest, { onNone: () => "", onSome: (d) => `@${d}` })
            expect(back).toBe(s)
          }
        })
      }),
      { numRuns: 500 }
    )
  })
})

describe("withTag", () => {
  it.each([
    ["registry:5000/app:abc", `registry:5000/app:${SHA}`],
    ["nginx", `nginx:${SHA}`],
    ["nginx:latest", `nginx:${SHA}`],
    [`app@${D64}`, `app:${SHA}`],
    [`app:old@${D64}`, `app:${SHA}`],
    ["localhost:5000/x", `localhost:5000/x:${SHA}`],
    ["127.0.0.1:51670/busybox:latest", `127.0.0.1:51670/busybox:${SHA}`],
    ["public.ecr.aws/nginx/nginx:latest", `public.ecr.aws/nginx/nginx:${SHA}`],
    [
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:abc",
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/app:${SHA}`
    ],
    ["ghcr.io/org/app:v1", `ghcr.io/org/app:${SHA}`],
    [
      "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2019",
      `mcr.microsoft.com/windows/servercore/iis:${SHA}`
    ],
    ["Registry.Example.COM/app", `Registry.Example.COM/app:${SHA}`]
  ])("%s -> %s", (image, expected) => {
    expect(rewritten(image)).toBe(expected)
  })

  it("rejects an invalid image or an invalid tag", () => {
    expect(Either.isLeft(withTag("App:v1", SHA))).toBe(true)
    expect(Either.isLeft(withTag("", SHA))).toBe(true)
    for (const bad of ["", "-x", ".x", "a b", "a:b", "a/b", "a@b", "x".repeat(129)]) {
      const result = withTag("nginx:latest", bad)
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(result.left.reason).toContain(JSON.stringify(bad))
    }
  })

  it("is idempotent, keeps the name byte-for-byte, sets the tag and drops the digest", () => {
    fc.assert(
      fc.property(imageArb, tagArb, ({ image, name }, tag) => {
        const once = rewritten(image, tag)
        expect(rewritten(once, tag)).toBe(once)
        expect(once).toBe(`${name}:${tag}`)
        expect(parsed(once)).toStrictEqual({ name, tag: Option.some(tag), digest: Option.none() })
      }),
      { numRuns: 200 }
    )
  })
})

describe("tagOf", () => {
  it("answers the tag, or none without a tag or for an invalid reference", () => {
    expect(tagOf("registry:5000/app:abc")).toStrictEqual(Option.some("abc"))
    expect(tagOf(`app:v1@${D64}`)).toStrictEqual(Option.some("v1"))
    expect(tagOf("registry:5000/app")).toStrictEqual(Option.none())
    expect(tagOf(`app@${D64}`)).toStrictEqual(Option.none())
    expect(tagOf("App:v1")).toStrictEqual(Option.none())
  })

  it("agrees with parseImage on generated references", () => {
    fc.assert(
      fc.property(imageArb, ({ image, tag }) => {
        expect(tagOf(image)).toStrictEqual(tag)
      }),
      { numRuns: 200 }
    )
  })
})
