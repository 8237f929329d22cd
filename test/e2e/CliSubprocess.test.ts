// The real CLI (the bundle `npm ci` builds) as a subprocess, over HTTP, against the
// project's simulator: the AWS SDK clients, credentials, retries and signals are all real.
import { Effect, Schema } from "effect"
import { writeFileSync } from "node:fs"
import * as https from "node:https"
import * as net from "node:net"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { VERSION } from "../../src/Version.js"
import { RunReport } from "../../src/report/Report.js"
import { issueCertificate } from "../support/certificates.js"
import { cliEnv, runCliProcess, setupDeploy, startCli, writeConfig } from "../support/subprocess.js"
import { SHA } from "../support/world.js"

const worlds: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(worlds.map((w) => w.close()))
})

const setup = (byTag: Parameters<typeof setupDeploy>[1] = {}, extra = "", timeoutMinutes = 0.1) =>
  setupDeploy(worlds, byTag, { extra, timeoutMinutes })

describe.concurrent("gehen deploy as a subprocess", () => {
  it("exit 0 after a real deploy over HTTP", async () => {
    const s = await setup()
    const run = await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path], s.env)
    expect(run.stderr).toContain("deployed and drained")
    expect(run.code).toBe(0)
    expect((await s.calls("UpdateService")).length).toBe(2)
    expect((await s.calls("PutTargets")).length).toBe(1)
  })

  it("exit 1 and a rollback when the version check times out", async () => {
    const s = await setup({ [SHA]: "stuck" }, "", 0.05)
    const run = await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path], s.env)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain("version check timed out")
    const updates = await s.calls("UpdateService")
    expect(updates.map((u) => u.params["taskDefinition"])).toContain(s.world.api)
  })

  it("exit 1 and a rollback when new tasks turn unhealthy", async () => {
    const s = await setup({ [SHA]: { kind: "unhealthy", startAfter: 0.1, healthyAfter: 0.3, replaceAfter: 0.2 } }, "", 0.5)
    const run = await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path], s.env)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/UNHEALTHY/)
    expect(run.stderr).toContain("rolled back")
  })

  it("exit 2 when old tasks never drain", async () => {
    const s = await setup({ [SHA]: { kind: "never-drain", startAfter: 0.1, healthyAfter: 0.2 } }, "", 0.05)
    const run = await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path], s.env)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("timed out waiting for old tasks to drain")
    expect(run.stderr).toMatch(/worker .*old/)
  })

  it("still succeeds when 30% of AWS calls are throttled", async () => {
    const s = await setup()
    await Effect.runPromise(s.sim.setFaults({ throttleFraction: 0.3, seed: 7 }))
    const run = await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path], s.env)
    expect(run.code).toBe(0)
    const throttled = (await s.calls()).filter((c) => c.error === "ThrottlingException")
    expect(throttled.length).toBeGreaterThan(0)
  })

  it("role.arn: one AssumeRole with that ARN, every other call signed with its credentials", async () => {
    const role = "arn:aws:iam::123456789012:role/deploy/gehen"
    const s = await setup({}, `role:\n  arn: ${role}\n`)
    const run = await runCliProcess(["deploy", "--gitsha", SHA, "--path", s.path], s.env)
    expect(run.code).toBe(0)
    const assumes = await s.calls("AssumeRole")
    expect(assumes).toHaveLength(1)
    expect(assumes[0]?.params["RoleArn"]).toBe(role)
    const issued = await Effect.runPromise(s.sim.issuedCredentials())
    expect(issued).toHaveLength(1)
    const others = (await s.calls()).filter((c) => c.operation !== "AssumeRole")
    expect(others.length).toBeGreaterThan(5)
    for (const c of others) expect(c.accessKeyId).toBe(issued[0]?.accessKeyId)
  })

  it("SIGINT during the drain rolls back what changed and exits 130", async () => {
    const s = await setup({ [SHA]: { kind: "never-drain", startAfter: 0.1, healthyAfter: 0.2 } }, "", 5)
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path], s.env)
    while (!cli.output().includes("drain")) await new Promise((r) => setTimeout(r, 50))
    const signalledAt = Date.now()
    cli.child.kill("SIGINT")
    const run = await cli.done
    expect(run.code).toBe(130)
    expect(Date.now() - signalledAt).toBeLessThan(5000)
    expect(run.stderr).toContain("interrupted")
    const updates = (await s.calls("UpdateService")).map((u) => u.params["taskDefinition"])
    expect(updates).toContain(s.world.api)
    expect(updates).toContain(s.world.worker)
  })

  it("SIGTERM with --on-interrupt leave keeps the new version", async () => {
    const s = await setup({ [SHA]: { kind: "never-drain", startAfter: 0.1, healthyAfter: 0.2 } }, "", 5)
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path, "--on-interrupt", "leave"], s.env)
    while (!cli.output().includes("drain")) await new Promise((r) => setTimeout(r, 50))
    cli.child.kill("SIGTERM")
    const run = await cli.done
    expect(run.code).toBe(130)
    expect(await s.calls("UpdateService")).toHaveLength(2)
  })

  it("a second signal stops the waiting: restores failing with 5xx get their grace, then the report, exit 3", async () => {
    // UpdateService keeps failing here, so the first signal's rollback would retry for up to
    // 2 minutes; the second signal ends that after its grace, with the report.
    const s = await setup({ [SHA]: { kind: "never-drain", startAfter: 0.1, healthyAfter: 0.2 } }, "", 5)
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path, "--output", "json"], s.env)
    while (!cli.output().includes("drain")) await new Promise((r) => setTimeout(r, 50))
    await Effect.runPromise(s.sim.failNext({ operation: "UpdateService", times: 1000, code: "ServiceUnavailable", message: "down" }))
    cli.child.kill("SIGINT")
    while (!cli.output().includes("SIGINT received")) await new Promise((r) => setTimeout(r, 50))
    cli.child.kill("SIGINT")
    const run = await cli.done
    expect(run.code).toBe(3)
    expect(run.stderr).toContain("second signal (SIGINT)")
    const report = JSON.parse(run.stdout)
    expect(report.outcome).toBe("rollback-failed")
    // A 5xx may have landed: the services' restores were sent, their answers unknown; the rule's went through.
    for (const t of report.services) expect(t.error).toMatch(/restore sent, answer unknown/)
    expect(report.scheduledTasks[0].outcome).toBe("rolled-back")
  })
})
