// The pre-flight as a CI job meets it: the bundled CLI against the simulator over HTTP.
import { Effect } from "effect"
import { afterAll, expect, it } from "vitest"
import { runCliProcess, setupDeploy, writeConfig } from "../support/subprocess.js"
import { ACCOUNT, SHA } from "../support/world.js"

const worlds: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()))
})

it("a url whose host does not resolve, and an image never pushed: the run stops before any change, naming each and its cause", async () => {
  const s = await setupDeploy(worlds)
  await Effect.runPromise(s.sim.removeImages([`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/api:${SHA}`]))
  const { path } = writeConfig(`
services:
  api:
    cluster: prod-a
    url: http://gehen-preflight.invalid/version
  worker:
    cluster: ${s.world.clusterB}
    containers: [worker]
timeoutMinutes: 0.1
checkIntervalSeconds: 0.2
`)
  const run = await runCliProcess(["deploy", "--gitsha", SHA, "--path", path, "--output", "json"], s.env)
  expect(run.code).toBe(1)
  expect(run.stderr).toMatch(
    /pre-flight: url http:\/\/gehen-preflight\.invalid\/version does not answer with a version: unknown host gehen-preflight\.invalid/
  )
  expect(run.stderr).toContain(`pre-flight: image ${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/api:${SHA} does not exist`)
  expect(JSON.parse(run.stdout)).toMatchObject({ outcome: "failed", exitCode: 1 })
  expect(await Effect.runPromise(s.sim.mutatingCalls())).toEqual([])
})

it("the dry run shows what the pre-flight saw", async () => {
  const s = await setupDeploy(worlds)
  const dry = await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path, "--dry-run"], s.env)
  expect(dry.stdout).toMatch(
    /pre-flight:\n {4}api url http:\/\/127\.0\.0\.1:\d+\/version\/prod-a\/api: serves 0ld0ld0ld0ld/
  )
  expect(dry.stdout).toContain(
    `image registry.example.com:5000/team/worker:${SHA}: not checked: not in a private ECR repository`
  )
})
