// One blue/green deploy as a CI job runs it: the bundled CLI over HTTP, the real SDK
// speaking the service deployments API, gehen continuing the hook at the test listener.
import { Effect } from "effect"
import { afterAll, expect, it } from "vitest"
import { cliEnv, runCliProcess, startWorld, writeConfig } from "../support/subprocess.js"
import { ACCOUNT, OLD, SHA } from "../support/world.js"

const worlds: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()))
})

it("a blue/green deploy over HTTP: paused at the test listener, continued, baked, SUCCESSFUL", async () => {
  const w = await startWorld()
  worlds.push(w.server)
  const web = await Effect.runPromise(w.sim.seedTaskDefinition("us-east-1", {
    family: "web",
    containerDefinitions: [{ name: "web", image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/web:${OLD}` }]
  }))
  await Effect.runPromise(w.sim.addService({
    cluster: "prod-a",
    name: "web",
    taskDefinition: web,
    region: "us-east-1",
    desiredCount: 2,
    deployment: {
      strategy: "BLUE_GREEN",
      bakeTimeInMinutes: 0.02,
      hooks: [{ targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }]
    }
  }))
  const { dir, path } = writeConfig(`
services:
  web:
    cluster: prod-a
    url: ${w.server.url}/version/prod-a/web
    testUrl: ${w.server.url}/version-test/prod-a/web
timeoutMinutes: 0.5
checkIntervalSeconds: 0.2
`)
  const run = await runCliProcess(
    ["deploy", "--gitsha", SHA, "--path", path, "--output", "json"],
    cliEnv(w.server.url, dir, { NO_COLOR: "1" })
  )
  expect(run.code, run.stderr).toBe(0)
  const report = JSON.parse(run.stdout)
  const service = report.services[0]
  expect(service.outcome).toBe("deployed")
  expect(service.serviceDeployment.status).toBe("SUCCESSFUL")
  expect(service.serviceDeployment.stages.map((s: { stage: string }) => s.stage)).toContain("POST_TEST_TRAFFIC_SHIFT")
  const continued = await Effect.runPromise(w.sim.calls("ContinueServiceDeployment"))
  expect(continued.map((c) => c.params["action"])).toEqual(["CONTINUE"])
  expect(run.stderr).toMatch(/test listener serves \w+: continued hook/)
})
