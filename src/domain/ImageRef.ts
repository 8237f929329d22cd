import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as Option from "effect/Option"

/**
 * A Docker image reference, split per the distribution/reference grammar:
 * `[domain[:port]/]path[:tag][@digest]`.
 */
export interface ImageRef {
  /** Everything before the tag and digest, byte-for-byte (no normalisation: `nginx` stays `nginx`). */
  readonly name: string
  readonly tag: Option.Option<string>
  readonly digest: Option.Option<string>
}

/** A string that is not a valid Docker image reference (or a tag that is not a valid tag). */
export class InvalidImage extends Data.TaggedError("InvalidImage")<{
  readonly image: string
  readonly reason: string
}> {
  override get message() {
    return `invalid image reference ${JSON.stringify(this.image)}: ${this.reason}`
  }
}

// The patterns below are distribution/reference's regexp.go, anchored. JS `\w` equals RE2's `\w`.
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
const DOMAIN_AND_PORT = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`
)
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^\w[\w.-]{0,127}$/
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/
const NAME_TOTAL_LENGTH_MAX = 255
// go-digest only accepts registered algorithms, each with a fixed-length lower-case hex encoding.
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 }

const invalid = (image: string, reason: string) => Either.left(new InvalidImage({ image, reason }))

/** Why `tag` is not a valid tag, if it is not. */
const tagProblem = (tag: string): Option.Option<string> =>
  TAG.test(tag)
    ? Option.none()
    : Option.some(
      `tag ${JSON.stringify(tag)} must be 1 to 128 characters of [A-Za-z0-9_.-], not starting with "." or "-"`
    )

const nameProblem = (name: string): Option.Option<string> => {
  if (name.length === 0) return Option.some("the repository name is empty")
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    return Option.some(`the repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`)
  }
  const components = name.split("/")
  // The first component is the registry only when more follow; only there may upper case or a port appear.
  const [first, ...rest] = components
  const firstOk = first !== undefined &&
    (PATH_COMPONENT.test(first) || (rest.length > 0 && DOMAIN_AND_PORT.test(first)))
  if (!firstOk) {
    return Option.some(
      rest.length > 0
        ? `${JSON.stringify(first)} is neither a registry host[:port] nor a repository path component`
        : `${JSON.stringify(first)} is not a repository path component ` +
          `(lower-case letters and digits joined by ".", "_", "__" or "-")`
    )
  }
  const bad = rest.find((c) => !PATH_COMPONENT.test(c))
  return bad === undefined
    ? Option.none()
    : Option.some(
      `path component ${JSON.stringify(bad)} must be lower-case letters and digits joined by ".", "_", "__" or "-"`
    )
}

const digestProblem = (digest: string): Option.Option<string> => {
  if (!DIGEST.test(digest)) return Option.some(`digest ${JSON.stringify(digest)} is not algorithm:hex`)
  const colon = digest.indexOf(":")
  const algorithm = digest.slice(0, colon)
  const hex = digest.slice(colon + 1)
  const length = DIGEST_HEX_LENGTH[algorithm]
  if (length === undefined) return Option.some(`digest algorithm ${JSON.stringify(algorithm)} is not supported`)
  return hex.length === length && /^[a-f0-9]+$/.test(hex)
    ? Option.none()
    : Option.some(`a ${algorithm} digest must be ${length} lower-case hex characters`)
}

/** Parses a Docker image reference; the parts concatenate back to the input exactly. */
export const parseImage = (image: string): Either.Either<ImageRef, InvalidImage> => {
  if (image.length === 0) return invalid(image, "it is empty")
  // Neither name nor tag may contain "@", so the first one starts the digest.
  const at = image.indexOf("@")
  const nameAndTag = at === -1 ? image : image.slice(0, at)
  const digest = at === -1 ? Option.none<string>() : Option.some(image.slice(at + 1))
  // A ":" is a tag separator only after the last "/"; before it, it is a registry port.
  const colon = nameAndTag.lastIndexOf(":")
  const hasTag = colon > nameAndTag.lastIndexOf("/")
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag
  const tag = hasTag ? Option.some(nameAndTag.slice(colon + 1)) : Option.none<string>()
  const problem = Option.orElse(
    nameProblem(name),
    () => Option.orElse(Option.flatMap(tag, tagProblem), () => Option.flatMap(digest, digestProblem))
  )
  return Option.match(problem, {
    onNone: () => Either.right({ name, tag, digest }),
    onSome: (reason) => invalid(image, reason)
  })
}

/** `image` with its tag set to `tag` (replacing any) and its digest dropped; the name is kept byte-for-byte. */
export const withTag = (image: string, tag: string): Either.Either<string, InvalidImage> =>
  Either.flatMap(parseImage(image), (ref) =>
    Option.match(tagProblem(tag), {
      onNone: () => Either.right(`${ref.name}:${tag}`),
      onSome: (reason) => invalid(image, reason)
    }))

/** The tag of `image`; none when it has no tag or is not a valid reference. */
export const tagOf = (image: string): Option.Option<string> =>
  Either.match(parseImage(image), { onLeft: () => Option.none(), onRight: (ref) => ref.tag })

/** An image in a private ECR repository: the registry (account), its region, the repository and the tag or digest. */
export interface EcrImage {
  readonly registryId: string
  readonly region: string
  readonly repository: string
  readonly imageId: { readonly imageTag: string } | { readonly imageDigest: string }
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/

/** Where an image lives when it is in a private ECR repository (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>`); none otherwise. */
export const ecrImageOf = (image: string): Option.Option<EcrImage> =>
  Either.match(parseImage(image), {
    onLeft: () => Option.none(),
    onRight: (ref) => {
      const slash = ref.name.indexOf("/")
      const host = ECR_HOST.exec(slash === -1 ? "" : ref.name.slice(0, slash))
      if (host === null) return Option.none()
      const imageId = Option.match(ref.digest, {
        onSome: (imageDigest): Option.Option<EcrImage["imageId"]> => Option.some({ imageDigest }),
        onNone: () => Option.map(ref.tag, (imageTag): EcrImage["imageId"] => ({ imageTag }))
      })
      return Option.map(
        imageId,
        (id) => ({ registryId: host[1]!, region: host[2]!, repository: ref.name.slice(slash + 1), imageId: id })
      )
    }
  })
