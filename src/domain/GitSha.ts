import * as Data from "effect/Data"
import * as Either from "effect/Either"

/** The value given for `--gitsha` cannot be used as a Docker image tag. */
export class InvalidGitSha extends Data.TaggedError("InvalidGitSha")<{
  readonly value: string
}> {
  override get message() {
    return `--gitsha ${JSON.stringify(this.value)}: expected a Docker image tag: letters, digits, _ . -, ` +
      `at most 128 characters, not starting with . or -`
  }
}

// The Docker reference grammar for tags: [\w][\w.-]{0,127}
const dockerTag = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

/** The sha becomes the image tag, so it must be a valid Docker tag. */
export const validateGitSha = (sha: string): Either.Either<string, InvalidGitSha> =>
  dockerTag.test(sha) ? Either.right(sha) : Either.left(new InvalidGitSha({ value: sha }))

/** Shorter than this, a prefix is too likely to match an unrelated commit. */
const minPrefix = 7

/**
 * Whether a served version is the wanted one. Either side may be abbreviated
 * (`git rev-parse --short` vs full sha), so a prefix of at least 7 characters counts.
 */
export const shaMatches = (served: string, wanted: string): boolean => {
  if (served === wanted) return true
  const [shorter, longer] = served.length <= wanted.length ? [served, wanted] : [wanted, served]
  return shorter.length >= minPrefix && longer.startsWith(shorter)
}
