import { describe, expect, it } from "vitest"
import { sentryEventOf } from "../../src/monitoring/SentryEvent.js"
import { summary, target } from "./support/reports.js"

describe("what Sentry is told", () => {
  it("nothing about a deploy that went through, or an interruption that was put back", () => {
    expect(sentryEventOf(summary())).toBeUndefined()
    expect(
      sentryEventOf(
        summary({
          outcome: "interrupted",
          exitCode: 130,
          services: [target({ kind: "service", name: "api", outcome: "rolled-back" })]
        })
      )
    )
      .toBeUndefined()
  })

  it("a failed deploy: an error with the outcome, sha, per-target outcomes and phase timings", () => {
    const event = sentryEventOf(summary({
      outcome: "failed",
      exitCode: 1,
      error: "api (prod-a): version check timed out",
      services: [
        target({
          kind: "service",
          name: "api",
          outcome: "rolled-back",
          error: "version check timed out",
          manualCommand: "aws ecs update-service --secret"
        })
      ]
    }))!
    expect(event.level).toBe("error")
    expect(event.message).toBe("gehen deploy failed: abcdef1: api (prod-a): version check timed out")
    expect(event.tags).toEqual({ outcome: "failed", gitsha: "abcdef1", update_strategy: "current", exit_code: "1" })
    expect(event.fingerprint).toEqual(["gehen", "deploy failed", "failed"])
    expect(event.contexts["run"]).toMatchObject({ outcome: "failed", exitCode: 1, gitsha: "abcdef1", seconds: 70 })
    expect(event.contexts["targets"]?.["api (prod-a)"]).toEqual({
      kind: "service",
      region: "us-east-1",
      outcome: "rolled-back",
      error: "version check timed out",
      previousTaskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/api:41",
      newTaskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/api:42",
      phases: "register succeeded 1 s, update succeeded 1 s, drain running"
    })
    // The restore command can carry a rule target's input: never sent.
    expect(JSON.stringify(event)).not.toContain("update-service")
  })

  it("a failed rollback is fatal, also when a signal cut the run; a drain that timed out is a warning", () => {
    expect(sentryEventOf(summary({ outcome: "rollback-failed", exitCode: 3 }))?.level).toBe("fatal")
    expect(sentryEventOf(summary({ outcome: "rollback-failed", exitCode: 3 }))?.message).toMatch(
      /^gehen rollback failed: abcdef1/
    )
    const interrupted = summary({
      outcome: "interrupted",
      exitCode: 130,
      services: [target({ kind: "service", name: "api", outcome: "rollback-failed" })]
    })
    expect(sentryEventOf(interrupted)?.level).toBe("fatal")
    expect(sentryEventOf(summary({ outcome: "timed-out", exitCode: 2 }))?.level).toBe("warning")
  })
})
