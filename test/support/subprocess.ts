import { Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type Behaviour,
  type BehaviourKind,
  Simulator,
  type SimulatorApi,
  startSimServerPromise
} from "../../src/testing/index.js"
import { behaviours, seedWorld } from "./world.js"

export const CLI = join(import.meta.dirname, "..", "..", "dist", "cli", "gehen.cjs")

/** Real-time rollouts short enough for tests: tasks run after 0.2 s, healthy after 0.4 s, old ones gone 0.2 s later. */
export const QUICK: Behaviour = { kind: "healthy", startAfter: 0.2, healthyAfter: 0.4, drainAfter: 0.2 }

export interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** A simulator served over HTTP with the test world seeded; close it when done. */
export const startWorld = async (byTag: Readonly<Record<string, Behaviour | BehaviourKind>> = {}) => {
  const picker = behaviours({})
  const sim: SimulatorApi = await Effect.runPromise(
    Simulator.make({
      behaviour: (ctx) => {
        for (const tag of ctx.imageTags) if (byTag[tag] !== undefined) return byTag[tag]
        return picker(ctx) === undefined ? QUICK : QUICK
      }
    })
  )
  const world = await Effect.runPromise(seedWorld(sim))
  const server = await startSimServerPromise(sim)
  return { sim, world, server }
}

export const writeConfig = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), "gehen-e2e-"))
  const path = join(dir, "gehen.yml")
  writeFileSync(path, text)
  return { dir, path }
}

/** The environment of a CI job pointed at the simulator, with nothing read from ~/.aws. */
export const cliEnv = (endpoint: string, home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env["PATH"] ?? "",
  HOME: home,
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: "AKIDCIRUNNER",
  AWS_SECRET_ACCESS_KEY: "ci-secret-key",
  AWS_REGION: "us-east-1",
  AWS_CONFIG_FILE: join(home, "no-config"),
  AWS_SHARED_CREDENTIALS_FILE: join(home, "no-credentials"),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  ...extra
})

/** Starts the bundled CLI; `done` resolves when it exits. */
export const startCli = (
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv
): { child: ChildProcess; done: Promise<Run>; output: () => string } => {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<Run>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  )
  return { child, done, output: () => stdout + stderr }
}

export const runCliProcess = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Promise<Run> =>
  startCli(args, env).done

/**
 * Runs any command to its end, without blocking this process: a worker whose event loop
 * stood still for long (spawnSync, one run after another, on a loaded machine) misses the
 * test runner's own messages.
 */
export const runProcess = (
  file: string,
  args: ReadonlyArray<string>,
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {}
): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  })

/**
 * The test world served over HTTP with its gehen.yml (api with a url, worker, the nightly
 * rule) and a CI job's environment; `track` collects the servers to close after the file.
 */
export const setupDeploy = async (
  track: Array<{ close: () => Promise<void> }>,
  byTag: Parameters<typeof startWorld>[0] = {},
  options: { readonly extra?: string; readonly timeoutMinutes?: number } = {}
) => {
  const w = await startWorld(byTag)
  track.push(w.server)
  const { dir, path } = writeConfig(`
services:
  api:
    cluster: prod-a
    url: ${w.server.url}/version/prod-a/api
  worker:
    cluster: ${w.world.clusterB}
    containers: [worker]
scheduledTasks:
  nightly:
timeoutMinutes: ${options.timeoutMinutes ?? 0.1}
checkIntervalSeconds: 0.2
${options.extra ?? ""}`)
  const env = cliEnv(w.server.url, dir, { NO_COLOR: "1" })
  const calls = (op?: string) => Effect.runPromise(w.sim.calls(op))
  return { ...w, dir, path, env, calls }
}
