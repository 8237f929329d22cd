import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type { AwsCallError } from "./Errors.js"

/** Who gehen deploys as: STS GetCallerIdentity, after any role was assumed. */
export interface CallerIdentity {
  readonly account: string
  /** The principal: a user, an assumed role session, a federated user. */
  readonly arn: string
}

/** No usable AWS credentials: what was tried and how to fix it. Nothing was called. */
export class NoCredentials extends Data.TaggedError("NoCredentials")<{
  /** What went wrong, e.g. `AWS_PROFILE=staging is not a profile in ~/.aws/config or ~/.aws/credentials`. */
  readonly reason: string
  /** How to fix it, e.g. `run: aws sso login --profile staging`. */
  readonly fix: string
}> {
  override get message() {
    return `no usable AWS credentials: ${this.reason}. ${this.fix}`
  }
}

/** Resolves the credentials once and asks AWS who they belong to. */
export class Identity extends Context.Tag("gehen/Identity")<
  Identity,
  { readonly whoAmI: (region: string) => Effect.Effect<CallerIdentity, NoCredentials | AwsCallError> }
>() {}
