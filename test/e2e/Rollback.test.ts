// gehen rollback as a CI job runs it: after a deploy, over HTTP, with the real SDK.
import { Effect } from "effect"
import { afterAll, expect, it } from "vitest"
import { runCliProcess, setupDeploy } from "../support/subprocess.js"
import { OLD, SHA } from "../support/world.js"

const worlds: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()))
})

it("gehen rollback after a deploy: the plan first, then every target back, the old version checked", async () => {
  const s = await setupDeploy(worlds, {}, { timeoutMinutes: 1 })
  expect((await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path], s.env)).code).toBe(0)
  const mutating = async () => (await Effect.runPromise(s.sim.mutatingCalls())).length
  const changedByDeploy = await mutating()

  const dry = await runCliProcess(["rollback", "--path", s.path, "--dry-run"], s.env)
  expect(dry.code).toBe(0)
  expect(dry.stdout).toContain(`go back to api:1 (from the ECS deployment history), then update the service`)
  expect(await mutating()).toBe(changedByDeploy)

  const run = await runCliProcess(["rollback", "--path", s.path, "--output", "json"], s.env)
  expect(run.code).toBe(0)
  const report = JSON.parse(run.stdout)
  expect(report).toMatchObject({ command: "rollback", gitsha: null })
  expect(report.services.map((t: { outcome: string }) => t.outcome)).toEqual(["deployed", "deployed"])
  const api = await Effect.runPromise(s.sim.service("prod-a", "api", "us-east-1"))
  expect(api?.taskDefinition).toBe(s.world.api)
  expect(run.stderr).toContain(`serving ${OLD}`)
})
