// Runs the CLI in-process (argv arrays, captured console) against a fresh simulated world.
import * as NodeContext from "@effect/platform-node/NodeContext"
import { ConfigProvider, Effect, Exit, Layer } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runCli } from "../../src/cli/Cli.js"
import { CliEnvironment } from "../../src/cli/Environment.js"
import type { GehenConfig } from "../../src/config/Config.js"
import { VersionProbe } from "../../src/ports/VersionProbe.js"
import { Simulator } from "../../src/testing/index.js"
import { makeCapture } from "./capture.js"
import { behaviours, runWithClock, seedWorld } from "./world.js"

export const writeConfig = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), "gehen-cli-"))
  const path = join(dir, "gehen.yml")
  writeFileSync(path, text)
  return path
}

export const configText = (clusterB: string, extra = "") => `
services:
  api:
    cluster: prod-a
    url: http://api.test/version/prod-a/api
  worker:
    cluster: ${clusterB}
    containers: [worker]
scheduledTasks:
  nightly:
timeoutMinutes: 1
checkIntervalSeconds: 5
${extra}`

/** Runs `gehen <args>` in-process against a fresh simulated world. */
export const cli = (
  args: ReadonlyArray<string>,
  options: {
    byTag?: Record<string, "unhealthy" | "never-drain" | "stuck">
    config?: (clusterB: string) => string
    env?: Record<string, string>
    /** What the standard chain answers for the region; null: none. */
    region?: string | null
    isTTY?: boolean
    stdoutIsTTY?: boolean
    /** The version probe, instead of the simulator's. */
    probe?: Layer.Layer<VersionProbe>
  } = {}
) =>
  Effect.gen(function*() {
    const sim = yield* Simulator.make({ behaviour: behaviours(options.byTag ?? {}) })
    const world = yield* seedWorld(sim)
    const path = writeConfig((options.config ?? configText)(world.clusterB))
    const roles: Array<string | undefined> = []
    const progress: Array<string> = []
    const env = Layer.succeed(CliEnvironment, {
      aws: (config: GehenConfig) => {
        roles.push(config.role?.arn)
        return Simulator.layer(sim, { region: options.region === undefined ? "us-east-1" : options.region })
      },
      // Only the probe: the AWS ports come from `aws` above.
      probe: options.probe ?? Layer.effect(VersionProbe, VersionProbe).pipe(Layer.provide(Simulator.layer(sim))),
      isTTY: options.isTTY ?? false,
      stdoutIsTTY: options.stdoutIsTTY ?? false,
      writeStderr: (chunk: string) => void progress.push(chunk),
      columns: () => 100,
      rows: () => 40,
      env: options.env ?? {}
    })
    const capture = yield* makeCapture
    const argv = ["node", "gehen", ...args.map((a) => a.replace("$PATH", path))]
    const { exit } = yield* runWithClock(
      runCli(argv).pipe(
        Effect.provide(Layer.merge(NodeContext.layer, env)),
        Effect.withConsole(capture.console),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(options.env ?? {}))))
      ),
      "5 seconds"
    )
    if (!Exit.isSuccess(exit)) {
      // A defect ends the command as what it is: what it printed before is the test's to read.
      if (options.probe !== undefined && Exit.isFailure(exit)) {
        return {
          code: -1,
          exit,
          sim,
          world,
          path,
          roles,
          stdout: capture.stdout(),
          stderr: progress.join("") + capture.stderr()
        }
      }
      throw new Error(`runCli failed: ${String(exit.cause)}`)
    }
    return {
      code: exit.value,
      sim,
      world,
      path,
      roles,
      stdout: capture.stdout(),
      stderr: progress.join("") + capture.stderr()
    }
  })
