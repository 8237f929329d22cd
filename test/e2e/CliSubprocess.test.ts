// The real CLI (the bundle `npm ci` builds) as a subprocess, over HTTP, against the
// project's simulator: the AWS SDK clients, credentials, retries and signals are all real.
import { Effect, Schema } from "effect"
import { writeFileSync } from "node:fs"
import * as https from "node:https"
import * as net from "node:net"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { RunReport } from "../../src/report/Report.js"
import { VERSION } from "../../src/Version.js"
import { issueCertificate } from "../support/certificates.js"
import { cliEnv, runCliProcess, setupDeploy, startCli, writeConfig } from "../support/subprocess.js"
import { waitFor } from "../support/waitFor.js"
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
    const s = await setup(
      { [SHA]: { kind: "unhealthy", startAfter: 0.1, healthyAfter: 0.3, replaceAfter: 0.2 } },
      "",
      0.5
    )
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
    await waitFor(() => cli.output().includes("drain"), "the drain")
    const signalledAt = Date.now()
    cli.child.kill("SIGINT")
    const run = await cli.done
    expect(run.code).toBe(130)
    // The restores do not wait for the drain, which would never end here (timeoutMinutes 5):
    // a minute is far from both, on any machine.
    expect(Date.now() - signalledAt).toBeLessThan(60_000)
    expect(run.stderr).toContain("interrupted")
    const updates = (await s.calls("UpdateService")).map((u) => u.params["taskDefinition"])
    expect(updates).toContain(s.world.api)
    expect(updates).toContain(s.world.worker)
  })

  it("SIGTERM with --on-interrupt leave keeps the new version", async () => {
    const s = await setup({ [SHA]: { kind: "never-drain", startAfter: 0.1, healthyAfter: 0.2 } }, "", 5)
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", s.path, "--on-interrupt", "leave"], s.env)
    await waitFor(() => cli.output().includes("drain"), "the drain")
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
    await waitFor(() => cli.output().includes("drain"), "the drain")
    await Effect.runPromise(
      s.sim.failNext({ operation: "UpdateService", times: 1000, code: "ServiceUnavailable", message: "down" })
    )
    cli.child.kill("SIGINT")
    await waitFor(() => cli.output().includes("SIGINT received"), "the first signal's line")
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

describe("secrets never reach the output", () => {
  it("task-definition secrets, environment values and credentials are not printed, in text or JSON", async () => {
    const markers = [
      "MARKER-ENV-VALUE-93f1",
      "MARKER-SECRET-ARN-77aa",
      "MARKER-SECRET-KEY-5b2c",
      "MARKER-SESSION-TOKEN-c0de"
    ]
    const s = await setup(
      { [SHA]: { kind: "unhealthy", startAfter: 0.1, healthyAfter: 0.2, replaceAfter: 0.2 } },
      "",
      0.5
    )
    const td = await Effect.runPromise(s.sim.seedTaskDefinition("us-east-1", {
      family: "vault",
      containerDefinitions: [{
        name: "vault",
        image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/vault:0ld0ld0ld0ld",
        environment: [{ name: "API_TOKEN", value: markers[0]! }],
        secrets: [{ name: "DB", valueFrom: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${markers[1]}` }]
      }]
    }))
    await Effect.runPromise(
      s.sim.addService({ cluster: "prod-a", name: "vault", taskDefinition: td, region: "us-east-1" })
    )
    const { dir, path } = writeConfig(`
services:
  vault:
    cluster: prod-a
    url: ${s.server.url}/version/prod-a/vault
timeoutMinutes: 0.5
checkIntervalSeconds: 0.2
`)
    const env = cliEnv(s.server.url, dir, { AWS_SECRET_ACCESS_KEY: markers[2]!, AWS_SESSION_TOKEN: markers[3]! })
    const failed = await runCliProcess(["deploy", "--gitsha", SHA, "--path", path, "--output", "json"], env)
    expect(failed.code).toBe(1)
    const planned = await runCliProcess(
      ["deploy", "--gitsha", SHA, "--path", path, "--output", "json", "--dry-run"],
      env
    )
    expect(planned.code).toBe(0)
    // The registered revision did carry them: they were copied, just never shown.
    const registered = await s.calls("RegisterTaskDefinition")
    expect(JSON.stringify(registered.map((c) => c.params))).toContain(markers[0])
    for (const run of [failed, planned]) {
      for (const marker of markers) {
        expect(run.stdout).not.toContain(marker)
        expect(run.stderr).not.toContain(marker)
      }
    }
  })
})

describe("large reports", () => {
  it("--output json arrives whole on a pipe that is read slowly (exit waits for stdout to flush)", async () => {
    const s = await setup()
    const names = Array.from({ length: 200 }, (_, i) => `svc-${i}`)
    for (const name of names) {
      await Effect.runPromise(
        s.sim.addService({ cluster: "prod-a", name, taskDefinition: s.world.api, region: "us-east-1" })
      )
    }
    const { dir, path } = writeConfig(
      `services:\n${
        names.map((n) => `  ${n}:\n    cluster: prod-a\n`).join("")
      }timeoutMinutes: 0.5\ncheckIntervalSeconds: 0.2\n`
    )
    const cli = startCli(["deploy", "--gitsha", SHA, "--path", path, "--output", "json"], cliEnv(s.server.url, dir))
    // Hold the pipe full for a while, as a slow consumer (`| jq` on a busy runner) would.
    cli.child.stdout!.pause()
    setTimeout(() => cli.child.stdout!.resume(), 1500)
    const run = await cli.done
    expect(run.code).toBe(0)
    expect(run.stdout.length).toBeGreaterThan(200_000)
    const report = JSON.parse(run.stdout) as { services: Array<unknown> }
    expect(report.services).toHaveLength(200)
  })
})

describe("a version url that cannot be reached names its cause, in the same words everywhere", () => {
  it("refused and a TLS complaint: in progress, the summary, the JSON report and the annotations", async () => {
    const s = await setup()
    // Nothing listens on this port.
    const closed = net.createServer()
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve))
    const refusedPort = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    // A certificate from a CA gehen trusts (NODE_EXTRA_CA_CERTS), but for another name.
    const ca = issueCertificate({ subject: "gehen test CA", ca: true })
    const leaf = issueCertificate({ subject: "worker.internal", hosts: ["worker.internal"], issuer: ca })
    const tls = https.createServer(
      { cert: leaf.cert, key: leaf.key },
      (_q, res) => res.writeHead(200, { Server: `worker-${SHA}` }).end()
    )
    await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve))
    worlds.push({ close: () => new Promise<void>((resolve) => tls.close(() => resolve())) })
    const tlsPort = (tls.address() as AddressInfo).port
    const caFile = join(s.dir, "ca.pem")
    writeFileSync(caFile, ca.cert)
    const { path } = writeConfig(`
services:
  api:
    cluster: prod-a
    url: http://127.0.0.1:${refusedPort}/version
  worker:
    cluster: ${s.world.clusterB}
    containers: [worker]
    url: https://127.0.0.1:${tlsPort}/version
timeoutMinutes: 0.05
checkIntervalSeconds: 0.2
`)
    const run = await runCliProcess(
      // Without the pre-flight (which would stop the run on these urls), so the version check meets them.
      ["deploy", "--gitsha", SHA, "--path", path, "--output", "json", "--no-preflight"],
      { ...s.env, GITHUB_ACTIONS: "true", NODE_EXTRA_CA_CERTS: caFile }
    )
    if (process.env["GEHEN_SHOW"] === "1") console.log(run.stderr, run.stdout)
    // The urls never answer, so neither does the old version: the restores are not confirmed.
    expect(run.code).toBe(3)
    const refused = `connection refused by 127.0.0.1:${refusedPort} (ECONNREFUSED)`
    const tlsWords = new RegExp(
      `TLS: Hostname/IP does not match certificate's altnames: IP: 127\\.0\\.0\\.1 is not in the cert's list:? ?\\(ERR_TLS_CERT_ALTNAME_INVALID\\) at 127\\.0\\.0\\.1:${tlsPort}`
    )
    const lines = run.stderr.split("\n")
    const summaryAt = lines.findIndex((l) => l.includes("deploy FAILED"))
    expect(summaryAt).toBeGreaterThan(0)
    const progress = lines.slice(0, summaryAt).filter((l) => !l.startsWith("::error"))
    const annotations = lines.filter((l) => l.startsWith("::error"))
    const summary = lines.slice(summaryAt).filter((l) => !l.startsWith("::"))
    const report = JSON.parse(run.stdout) as {
      outcome: string
      error: string
      services: ReadonlyArray<{ name: string; error: string | null }>
    }
    expect(report.outcome).toBe("rollback-failed")
    for (const where of [progress, summary, annotations, [report.error]]) {
      expect(where.some((l) => l.includes(refused))).toBe(true)
      expect(where.some((l) => tlsWords.test(l))).toBe(true)
    }
    // The progress line of each service says it was not ready, and why.
    expect(progress.some((l) => l.includes(`not ready: ${refused}`))).toBe(true)
  })
})

describe("the command line's edges, as a subprocess", () => {
  it("gehen version prints what gehen --version prints", async () => {
    const env = cliEnv("http://127.0.0.1:9", writeConfig("").dir)
    const [version, flag] = await Promise.all([runCliProcess(["version"], env), runCliProcess(["--version"], env)])
    expect(version.code).toBe(0)
    expect(version.stdout).toBe(flag.stdout)
    expect(version.stdout.trim()).toBe(VERSION)
  })

  it("--output json prints an error report for every usage error, each starting with gehen: on stderr", async () => {
    const { dir } = writeConfig("")
    const env = cliEnv("http://127.0.0.1:9", dir)
    const cases: ReadonlyArray<[ReadonlyArray<string>, RegExp]> = [
      [["deploy", "--output", "json"], /^gehen: no version to deploy/],
      [["deploy", "--gitsha", "-bad", "--output", "json"], /^gehen: --gitsha "-bad": expected a Docker image tag/],
      [
        ["deploy", "--gitsha", SHA, "--dryrun", "--output=json"],
        /^gehen: unknown option --dryrun .*did you mean --dry-run/
      ],
      [["deplyo", "-output", "json"], /^gehen: unknown command "deplyo" \(did you mean "deploy"\?\)/],
      [["--completions", "--output", "json"], /^gehen: --completions needs a shell/],
      [["rollback", "--to", ".x", "--output", "json"], /^gehen: --to "\.x"/]
    ]
    const runs = await Promise.all(cases.map(([args]) => runCliProcess(args, env)))
    cases.forEach(([args, message], i) => {
      const run = runs[i]!
      expect(run.code, args.join(" ")).toBe(1)
      expect(run.stderr).toMatch(message)
      const report = Schema.decodeUnknownSync(RunReport)(JSON.parse(run.stdout))
      expect(report.outcome).toBe("error")
      expect(report.exitCode).toBe(1)
      expect(report.problems).toHaveLength(1)
      expect(`gehen: ${report.problems[0]!.problem}`).toMatch(message)
    })
    // Without --output json, stdout stays empty.
    expect((await runCliProcess(["deploy", "--dryrun"], env)).stdout).toBe("")
  })
})
