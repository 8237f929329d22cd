// Credentials resolved once, before the plan, with the real SDK chain over HTTP.
import { Effect } from "effect"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { runCliProcess, setupDeploy } from "../support/subprocess.js"
import { SHA } from "../support/world.js"

const worlds: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()))
})

describe.concurrent("credentials and identity", () => {
  it("no usable credentials: one message naming the missing AWS_PROFILE, within seconds, exit 1, no AWS call", async () => {
    const s = await setupDeploy(worlds)
    const env: NodeJS.ProcessEnv = {
      PATH: process.env["PATH"] ?? "",
      HOME: s.dir,
      AWS_ENDPOINT_URL: s.server.url,
      AWS_REGION: "us-east-1",
      AWS_PROFILE: "staging",
      AWS_CONFIG_FILE: join(s.dir, "no-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(s.dir, "no-credentials"),
      // Never reach for a metadata endpoint off loopback.
      AWS_EC2_METADATA_DISABLED: "true",
      NO_COLOR: "1"
    }
    // "Within seconds" against a baseline run beside it, under the same load: the same
    // start (config, SDK) with usable keys and an endpoint that refuses at once, one
    // attempt. A chain that tried more would add seconds per try; `npm run bench` times both.
    const baselineEnv = { ...s.env, AWS_ENDPOINT_URL: "http://127.0.0.1:1", AWS_MAX_ATTEMPTS: "1" }
    const timed = async (e: NodeJS.ProcessEnv) => {
      const startedAt = Date.now()
      const r = await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path], e)
      return { ...r, ms: Date.now() - startedAt }
    }
    const [run, baseline] = await Promise.all([timed(env), timed(baselineEnv)])
    expect(baseline.code).toBe(1)
    expect(run.ms).toBeLessThan(2 * baseline.ms + 3000)
    expect(run.code).toBe(1)
    const mentions = run.stderr.split("\n").filter((l) => l.includes("no usable AWS credentials"))
    expect(mentions).toHaveLength(1)
    expect(mentions[0]).toContain("AWS_PROFILE=staging is not a profile in")
    expect(mentions[0]).toContain("aws configure --profile staging")
    expect(run.stderr).not.toContain("Could not load credentials from any providers")
    expect(await s.calls()).toEqual([])
  })

  it("the dry run's plan and the run report say whom gehen deploys as (after assuming role.arn)", async () => {
    const s = await setupDeploy(worlds, {}, { extra: "role:\n  arn: arn:aws:iam::123456789012:role/deployer\n" })
    const planned = await runCliProcess(
      ["deploy", "--gitsha", SHA, "--path", s.path, "--dry-run", "--output", "json"],
      s.env
    )
    expect(planned.code).toBe(0)
    const plan = JSON.parse(planned.stdout)
    expect(plan.deployedAs.account).toBe("123456789012")
    expect(plan.deployedAs.arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/deployer\/gehen-/)
    expect(planned.stderr).toContain(`as ${plan.deployedAs.arn} (account 123456789012)`)
    const ran = await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path, "--output", "json"], s.env)
    expect(ran.code).toBe(0)
    expect(JSON.parse(ran.stdout).deployedAs.arn).toBe(plan.deployedAs.arn)
    // GetCallerIdentity came first, signed with the role's credentials.
    const calls = await Effect.runPromise(s.sim.calls())
    const first = calls.find((c) => c.operation !== "AssumeRole")
    expect(first?.operation).toBe("GetCallerIdentity")
    expect(first?.accessKeyId).toMatch(/^ASIASIMU/)
  })
})
