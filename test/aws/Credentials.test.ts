import { describe, expect, it } from "vitest"
import { explainNoCredentials } from "../../src/aws/Credentials.js"

const files = { configFile: "/home/ci/.aws/config", credentialsFile: "/home/ci/.aws/credentials" }
const noneFound = new Error("Could not load credentials from any providers")

describe("explainNoCredentials names what was tried and the fix", () => {
  it("an AWS_PROFILE that is not on file", () => {
    const e = explainNoCredentials(noneFound, {
      ...files,
      env: { AWS_PROFILE: "staging" },
      profiles: ["default", "prod"]
    })
    expect(e.message).toBe(
      "no usable AWS credentials: AWS_PROFILE=staging is not a profile in /home/ci/.aws/config or " +
        "/home/ci/.aws/credentials (profiles there: default, prod). Add it (aws configure --profile staging), " +
        "or set AWS_PROFILE to an existing profile"
    )
  })

  it("an expired SSO session", () => {
    const sso = new Error(
      "The SSO session token associated with profile=dev was not found or is invalid. To refresh this SSO session run 'aws sso login' with the corresponding profile."
    )
    const e = explainNoCredentials(sso, { ...files, env: { AWS_PROFILE: "dev" }, profiles: ["dev"] })
    expect(e.reason).toBe("the SSO session of profile dev has expired or was never started")
    expect(e.fix).toBe("Run: aws sso login --profile dev")
  })

  it("nothing at all", () => {
    const e = explainNoCredentials(noneFound, { ...files, env: {}, profiles: [] })
    expect(e.reason).toMatch(/no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment/)
    expect(e.reason).toMatch(/profile default/)
    expect(e.reason).toMatch(/no container or instance metadata endpoint answered/)
    const off = explainNoCredentials(noneFound, { ...files, env: { AWS_EC2_METADATA_DISABLED: "true" }, profiles: [] })
    expect(off.reason).toMatch(/instance metadata is off \(AWS_EC2_METADATA_DISABLED\)/)
  })

  it("anything else is passed on as it is", () => {
    expect(explainNoCredentials(new Error("odd"), { ...files, env: {}, profiles: [] }).reason).toBe("odd")
  })
})
