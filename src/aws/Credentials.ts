import { NoCredentials } from "../ports/Identity.js"

/**
 * The default chain, with a short wait on the metadata endpoints: off an EC2 instance
 * or container they never answer, and the SDK's defaults (1 s and 3 tries each) leave a
 * run silent for seconds before saying there are no credentials.
 */
export const METADATA_TIMEOUT_MS = 1000

export interface CredentialsContext {
  readonly env: Readonly<Record<string, string | undefined>>
  /** The profiles the shared config and credentials files define. */
  readonly profiles: ReadonlyArray<string>
  readonly configFile: string
  readonly credentialsFile: string
}

const ssoExpired = /SSO session|sso login|token .*(expired|invalid)|refresh/i

/**
 * Why the chain found no credentials, in words that name the fix. The SDK answers
 * "Could not load credentials from any providers" for most causes, so the environment
 * and the profiles on file tell the cases apart.
 */
export const explainNoCredentials = (cause: unknown, ctx: CredentialsContext): NoCredentials => {
  const message = cause instanceof Error ? cause.message : String(cause)
  const profile = ctx.env["AWS_PROFILE"]
  const files = `${ctx.configFile} or ${ctx.credentialsFile}`
  if (profile !== undefined && profile !== "" && !ctx.profiles.includes(profile)) {
    const known = ctx.profiles.length === 0
      ? "no profiles are defined there"
      : `profiles there: ${ctx.profiles.join(", ")}`
    return new NoCredentials({
      reason: `AWS_PROFILE=${profile} is not a profile in ${files} (${known})`,
      fix: `Add it (aws configure --profile ${profile}), or set AWS_PROFILE to an existing profile`
    })
  }
  if (ssoExpired.test(message)) {
    const who = profile ?? "default"
    return new NoCredentials({
      reason: `the SSO session of profile ${who} has expired or was never started`,
      fix: `Run: aws sso login --profile ${who}`
    })
  }
  if (/could not load credentials from any providers/i.test(message)) {
    const metadata = ctx.env["AWS_EC2_METADATA_DISABLED"] === "true"
      ? "no container credentials endpoint, and instance metadata is off (AWS_EC2_METADATA_DISABLED)"
      : "no container or instance metadata endpoint answered"
    return new NoCredentials({
      reason: "none found: no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, " +
        `no credentials for profile ${profile ?? "default"} in ${files}, no web identity token ` +
        `(AWS_WEB_IDENTITY_TOKEN_FILE), ${metadata}`,
      fix: "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an IAM role is attached"
    })
  }
  return new NoCredentials({ reason: message, fix: "Check the AWS credentials of this environment" })
}
