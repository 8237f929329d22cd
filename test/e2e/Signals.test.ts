// Real signals and real pipes against the bundled CLI over HTTP: a run that ends, ends whole.
import { spawn } from "node:child_process"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { CLI, setupDeploy, startCli } from "../support/subprocess.js"
import { SHA } from "../support/world.js"
import { waitFor } from "../support/waitFor.js"

const worlds: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()))
})

const setup = async (byTag: Parameters<typeof setupDeploy>[1] = {}) => {
  const s = await setupDeploy(worlds, byTag, { timeoutMinutes: 5 })
  const restoredEverything = async () => {
    const updates = (await s.calls("UpdateService")).map((u) => u.params["taskDefinition"])
    const rule = await Effect.runPromise(s.sim.rule("us-east-1", "nightly"))
    return updates.includes(s.world.api) && updates.includes(s.world.worker) &&
      rule?.targets[0]?.EcsParameters?.TaskDefinitionArn === s.world.report
  }
  return { ...s, restoredEverything }
}


const NEVER_DRAIN = { [SHA]: { kind: "never-drain" as const, startAfter: 0.1, healthyAfter: 0.2 } }

describe.concurrent("signals and pipes", () => {
  it("SIGHUP (a dropped SSH session) is handled like SIGTERM: rolled back, summary, exit 130", async () => {
    const s = await setup(NEVER_DRAIN)
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path, "--output", "json"], s.env)
    await waitFor(() => cli.output().includes("drain"))
    cli.child.kill("SIGHUP")
    const run = await cli.done
    expect(run.code).toBe(130)
    expect(run.stderr).toContain("interrupted")
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: "interrupted", exitCode: 130 })
    expect(await s.restoredEverything()).toBe(true)
  })

  it("a signal while UpdateService is in flight: the service counts as changed and is put back", async () => {
    const s = await setup(NEVER_DRAIN)
    // The worker's update lands at once; its answer would come a minute later.
    await Effect.runPromise(s.sim.failNext({ operation: "UpdateService", service: "worker", answerAfterSeconds: 60 }))
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path, "--output", "json"], s.env)
    const workerUpdates = async () => (await s.calls("UpdateService")).filter((c) => c.params["service"] === "worker")
    await waitFor(async () => (await workerUpdates()).length > 0, "the worker's update")
    const signalledAt = Date.now()
    cli.child.kill("SIGINT")
    const run = await cli.done
    expect(run.code).toBe(130)
    // The signal came while the worker's update was still unanswered (a minute is no race, even on a busy machine).
    const [workerUpdate] = await workerUpdates()
    expect(signalledAt - workerUpdate!.at).toBeLessThan(60_000)
    const report = JSON.parse(run.stdout)
    const worker = report.services.find((t: { name: string }) => t.name === "worker")
    expect(worker.outcome).toBe("rolled-back")
    expect(await s.restoredEverything()).toBe(true)
  })

  it("a signal during the rollback that follows a failure: every restore issued, the report printed, exit 130", async () => {
    // The new version turns unhealthy; the rollback's checks of the old version then wait.
    const s = await setup({ [SHA]: { kind: "unhealthy", startAfter: 0.1, healthyAfter: 0.3, replaceAfter: 0.2 } })
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path, "--output", "json"], s.env)
    await waitFor(() => /rolling back|rollback/i.test(cli.output()))
    cli.child.kill("SIGINT")
    const run = await cli.done
    expect(run.code).toBe(130)
    const report = JSON.parse(run.stdout)
    expect(report.outcome).toBe("interrupted")
    expect(report.scheduledTasks[0].outcome).toBe("rolled-back")
    expect(await s.restoredEverything()).toBe(true)
  })

  it("a second signal exits at once, naming the restores not issued", async () => {
    const s = await setup(NEVER_DRAIN)
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path], s.env)
    await waitFor(() => cli.output().includes("drain"))
    // The services' restores keep failing (and being retried); the rule's goes through.
    await Effect.runPromise(s.sim.failNext({ operation: "UpdateService", times: 1000, code: "ServiceUnavailable", message: "down" }))
    cli.child.kill("SIGINT")
    // The second signal once the rollback has issued what it can: the rule's restore went
    // through (and the CLI said so), the services' were sent (and refused).
    await waitFor(
      async () => /✓ nightly \(scheduled task\) rollback: /.test(cli.output()) && (await s.calls("UpdateService")).length > 2,
      "the rule's restore, and a service's"
    )
    cli.child.kill("SIGINT")
    const run = await cli.done
    expect(run.code).toBe(130)
    const line = run.stderr.split("\n").find((l) => l.includes("second signal")) ?? ""
    expect(line).toContain("restores not issued")
    expect(line).toContain("api (prod-a)")
    expect(line).toContain("worker (prod-b)")
    expect(line).not.toContain("nightly")
  })

  it("a closed output pipe (| head -n 3) does not decide the deploy: it still fails, rolls back and exits 1", async () => {
    const s = await setup({ [SHA]: { kind: "unhealthy", startAfter: 0.1, healthyAfter: 0.3, replaceAfter: 0.2 } })
    // As `gehen deploy ... 2>&1 | head -n 3`: the reader goes away after three lines.
    const child = spawn(process.execPath, [CLI, "deploy", "--gitsha", SHA, "--path", s.path], {
      env: s.env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let lines = 0
    const closeAfterThree = (d: Buffer) => {
      lines += d.toString().split("\n").length - 1
      if (lines >= 3) {
        child.stdout!.destroy()
        child.stderr!.destroy()
      }
    }
    child.stdout!.on("data", closeAfterThree)
    child.stderr!.on("data", closeAfterThree)
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)))
    expect(code).toBe(1)
    expect(await s.restoredEverything()).toBe(true)
  })
})
