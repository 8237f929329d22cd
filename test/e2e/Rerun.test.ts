// A CI job killed mid-deploy (SIGKILL: no rollback, no report), then re-run as it was.
import { Effect } from "effect"
import { afterAll, expect, it } from "vitest"
import { runCliProcess, setupDeploy, startCli } from "../support/subprocess.js"
import { waitFor } from "../support/waitFor.js"
import { SHA } from "../support/world.js"

const worlds: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()))
})

it("killed with SIGKILL mid-deploy, the same command again: every target on the sha, no revision registered twice", async () => {
  const s = await setupDeploy(worlds, {}, { timeoutMinutes: 1 })
  // The worker's registration lands at once but answers late: the kill finds it registered, not deployed.
  await Effect.runPromise(
    s.sim.failNext({ operation: "RegisterTaskDefinition", region: "us-west-2", answerAfterSeconds: 30 })
  )
  const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path], s.env)
  await waitFor(async () => (await s.calls("RegisterTaskDefinition")).length >= 3, "three registrations")
  cli.child.kill("SIGKILL")
  const killed = await cli.done
  expect(killed.signal).toBe("SIGKILL")
  const registeredByFirst = (await s.calls("RegisterTaskDefinition")).length
  expect(registeredByFirst).toBe(3)

  const again = await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path, "--output", "json"], s.env)
  expect(again.code).toBe(0)
  expect((await s.calls("RegisterTaskDefinition")).length).toBe(registeredByFirst)
  const report = JSON.parse(again.stdout)
  const outcomes = Object.fromEntries(
    [...report.services, ...report.scheduledTasks].map((t: { name: string; outcome: string }) => [t.name, t.outcome])
  )
  // The rule was changed by the first run; the worker only now; api by either (the kill may
  // have come before its update).
  expect(outcomes["nightly"]).toBe("unchanged")
  expect(outcomes["worker"]).toBe("deployed")
  expect(["unchanged", "deployed"]).toContain(outcomes["api"])
  for (
    const [cluster, name, region] of [["prod-a", "api", "us-east-1"], [
      s.world.clusterB,
      "worker",
      "us-west-2"
    ]] as const
  ) {
    const svc = await Effect.runPromise(s.sim.service(cluster, name, region))
    const td = await Effect.runPromise(s.sim.taskDefinition(svc!.taskDefinition!, region))
    expect(td?.taskDefinition.containerDefinitions?.[0]?.image).toMatch(new RegExp(`:${SHA}$`))
  }
})
