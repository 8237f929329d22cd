// Two pipelines at once against one ECS (the simulator over HTTP), and the release history
// they leave, read back with gehen history: the bundled CLI, real processes.
import { Effect } from "effect"
import { afterAll, expect, it } from "vitest"
import { runCliProcess, setupDeploy, startCli } from "../support/subprocess.js"
import { SHA } from "../support/world.js"

const worlds: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()))
})

/** Waits for a condition the other process makes true; the test's own timeout bounds it. */
const until = async (what: () => Promise<boolean>) => {
  while (!(await what())) await new Promise((r) => setTimeout(r, 25))
}

const SLOW = "5105105"

it("a second CLI started while the first rolls out stops at its plan, naming the deployment, with no change; the first goes on", async () => {
  // The first run's new tasks take half a minute to start: the second always meets it rolling out.
  const s = await setupDeploy(
    worlds,
    { [SLOW]: { kind: "healthy", startAfter: 30, healthyAfter: 31, drainAfter: 1 } },
    { timeoutMinutes: 2 }
  )
  const first = startCli(["deploy", "--gitsha", SLOW, "--path", s.path], s.env)
  await until(async () => (await s.calls("UpdateService")).length >= 2)
  const mutatingBefore = (await Effect.runPromise(s.sim.mutatingCalls())).length
  const second = await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path, "--output", "json"], s.env)
  expect(second.code).toBe(1)
  expect(second.stderr).toMatch(
    /service api \(cluster prod-a\): a deployment toward another version is rolling out: ecs-svc\/\d+ of api:2 \(running 5105105\) since /
  )
  expect(JSON.parse(second.stdout)).toMatchObject({ outcome: "failed", exitCode: 1 })
  expect((await Effect.runPromise(s.sim.mutatingCalls())).length).toBe(mutatingBefore)
  // The first is left to finish its own way: here it is stopped, and puts back what it changed.
  first.child.kill("SIGINT")
  expect((await first.done).code).toBe(130)
})

it("gehen history lists each target's releases after two deploys, newest first, the running one marked", async () => {
  const s = await setupDeploy(worlds, {}, { timeoutMinutes: 1 })
  expect((await runCliProcess(["deploy", "--gitsha", "1111111", "--path", s.path], s.env)).code).toBe(0)
  expect((await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path], s.env)).code).toBe(0)
  const text = await runCliProcess(["history", "--path", s.path, "--only", "api"], s.env)
  expect(text.code).toBe(0)
  expect(text.stdout).toMatch(
    new RegExp(`\\* ${SHA} +api:3 +released \\S+ by arn:aws:iam::123456789012:user/deployer \\(running now\\)`)
  )
  expect(text.stdout).toMatch(/ {3}1111111 +api:2 +released /)
  expect(text.stdout).not.toContain("worker")
  const json = await runCliProcess(["history", "--path", s.path, "--output", "json"], s.env)
  const report = JSON.parse(json.stdout)
  expect(
    report.services.map((
      t: { name: string; releases: ReadonlyArray<{ sha: string }> }
    ) => [t.name, t.releases.map((r) => r.sha)])
  ).toEqual([
    ["api", [SHA, "1111111"]],
    ["worker", [SHA, "1111111"]]
  ])
  expect(report.scheduledTasks[0].releases[0]).toMatchObject({ sha: SHA, current: true })
})
