/** The typed errors the programs fail with, each a `Data.TaggedError` to match with `Effect.catchTags`. */
export { ConfigError, ConfigErrors } from "../config/ConfigError.js"
export { PlanError } from "../deploy/plan/PlanError.js"
export { DeployFailed, DeployTimedOut } from "../deploy/run/Deploy.js"
export { InvalidGitSha } from "../domain/GitSha.js"
export { AwsCallError, MissingRegion } from "../ports/Errors.js"
export { NoCredentials } from "../ports/Identity.js"
