// Real signals and real pipes against the bundled CLI over HTTP: a run that ends, ends whole.
import { Effect } from "effect"
import { execFileSync, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { startHttp } from "../monitoring/support/receivers.js"
import { CLI, setupDeploy, startCli } from "../support/subprocess.js"
import { waitFor } from "../support/waitFor.js"
import { SHA } from "../support/world.js"

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

  it("CI's cancel (SIGINT, then SIGTERM) with throttled restores: a line at each signal, the report, the step summary, exit 3, no third signal needed", async () => {
    const s = await setup(NEVER_DRAIN)
    const summaryFile = join(s.dir, "step-summary.md")
    const env = { ...s.env, GITHUB_STEP_SUMMARY: summaryFile }
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path, "--output", "json"], env)
    await waitFor(() => cli.output().includes("drain"))
    const updatesBefore = (await s.calls("UpdateService")).length
    // Every restore is throttled from now on (the SDK retries each, gehen tries again).
    for (const operation of ["UpdateService", "PutTargets"]) {
      await Effect.runPromise(
        s.sim.failNext({ operation, times: 100_000, code: "ThrottlingException", message: "Rate exceeded" })
      )
    }
    cli.child.kill("SIGINT")
    // The first signal's line comes at once and says what happens next.
    await waitFor(() => /SIGINT received: stopping; putting back the 3 target\(s\)/.test(cli.output()))
    expect(cli.output()).toContain("a second signal stops waiting for confirmations")
    // The restores go out (and are throttled); then the runner's SIGTERM.
    await waitFor(() => cli.output().includes("rolling back"))
    await waitFor(async () => (await s.calls("UpdateService")).length > updatesBefore, "a restore sent")
    cli.child.kill("SIGTERM")
    const run = await cli.done
    expect(run.signal).toBeNull()
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(/second signal \(SIGTERM\): no longer waiting for confirmations; restores get 1\.5 s/)
    expect(run.stderr).not.toContain("third signal (")
    const report = JSON.parse(run.stdout)
    expect(report).toMatchObject({ command: "deploy", outcome: "rollback-failed", exitCode: 3 })
    for (const t of [...report.services, ...report.scheduledTasks]) {
      expect(t.outcome).toBe("rollback-failed")
      expect(t.error).toMatch(/restore not issued|restore sent, answer unknown/)
      expect(t.manualCommand).toMatch(/^aws (ecs update-service|events put-targets) /)
    }
    // The summary on stderr and the step summary, as at any other end.
    expect(run.stderr).toContain("restore by hand")
    expect(readFileSync(summaryFile, "utf8")).toMatch(/rollback-failed|ROLLBACK FAILED/i)
  })

  it("CI's cancel with a Sentry that never answers: after the second signal the flush gets a moment, not its 2 s, and the line says so", async () => {
    const [s, sentry] = await Promise.all([setup(NEVER_DRAIN), startHttp("never")])
    worlds.push(sentry)
    const env = { ...s.env, SENTRY_DSN: `http://publickey@127.0.0.1:${sentry.port}/42` }
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path, "--output", "json"], env)
    await waitFor(() => cli.output().includes("drain"))
    for (const operation of ["UpdateService", "PutTargets"]) {
      await Effect.runPromise(
        s.sim.failNext({ operation, times: 100_000, code: "ThrottlingException", message: "Rate exceeded" })
      )
    }
    cli.child.kill("SIGINT")
    await waitFor(() => cli.output().includes("rolling back"))
    cli.child.kill("SIGTERM")
    const run = await cli.done
    expect(run.code).toBe(3)
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: "rollback-failed", exitCode: 3 })
    // Sentry got the failed rollback's event; it just never answered.
    expect(sentry.requests).toHaveLength(1)
    const lines = run.stderr.split("\n").filter((l) => l.startsWith("gehen: monitoring"))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("gave up sending 300 ms after the second signal")
    expect(lines[0]).not.toContain("within 1.8 s")
  })

  it("a third signal exits at once, naming what is not known to be put back", async () => {
    const s = await setup(NEVER_DRAIN)
    // A step summary nobody reads (a FIFO without a reader): the run would hang writing it.
    const fifo = join(s.dir, "summary.fifo")
    execFileSync("mkfifo", [fifo])
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path], { ...s.env, GITHUB_STEP_SUMMARY: fifo })
    await waitFor(() => cli.output().includes("drain"))
    // The restores' answers are held for an hour: nothing is known to be put back.
    await Effect.runPromise(s.sim.failNext({ operation: "UpdateService", times: 2, answerAfterSeconds: 3600 }))
    await Effect.runPromise(s.sim.failNext({ operation: "PutTargets", times: 1, answerAfterSeconds: 3600 }))
    cli.child.kill("SIGINT")
    await waitFor(() => cli.output().includes("SIGINT received"))
    cli.child.kill("SIGTERM")
    await waitFor(() => cli.output().includes("second signal"))
    cli.child.kill("SIGINT")
    const run = await cli.done
    expect(run.code).toBe(3)
    const line = run.stderr.split("\n").find((l) => l.includes("third signal (")) ?? ""
    expect(line).toContain("exiting now")
    expect(line).toContain("api (prod-a)")
    expect(line).toContain("worker (prod-b)")
    expect(line).toContain("nightly")
  })

  it("a signal while planning ends the plan at once, its read in flight cancelled: the line, the report, exit 130", async () => {
    const s = await setup(NEVER_DRAIN)
    // The plan's DescribeServices would answer in an hour.
    await Effect.runPromise(s.sim.failNext({ operation: "DescribeServices", times: 100, answerAfterSeconds: 3600 }))
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path, "--output", "json"], s.env)
    await waitFor(async () => (await s.calls("DescribeServices")).length > 0, "the plan's DescribeServices")
    cli.child.kill("SIGINT")
    const run = await cli.done
    expect(run.code).toBe(130)
    expect(run.stderr).toContain("SIGINT received: stopping; nothing was changed yet")
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: "interrupted", exitCode: 130 })
    expect(await Effect.runPromise(s.sim.mutatingCalls())).toEqual([])
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
