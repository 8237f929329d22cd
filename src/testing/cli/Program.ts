/**
 * gehen-sim as one Effect: read the flags and the file, seed, listen, print the exports and
 * notes, serve until stopped. The process (streams, signals) is given through SimCliIo, so
 * tests run it in-process.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { resolve } from "node:path"
import { loadConfig } from "../../config/Config.js"
import type { GehenConfig } from "../../config/Types.js"
import { VERSION } from "../../Version.js"
import { SimServerError, startSimServer } from "../faces/Server.js"
import { makeSimulator } from "../Simulator.js"
import { type SimCliOptions, simHelp, type SimInvocation } from "./Args.js"
import { rehearsalPicker, resolveBehaviours } from "./Behaviours.js"
import { envExports, notes } from "./Output.js"
import { type SeedPlan, seedPlanOf } from "./Plan.js"
import { rewriteUrls } from "./Rewrite.js"
import { seedFromPlan } from "./Seed.js"

export interface SimCliIo {
  /** Help text and the exports. */
  readonly stdout: (text: string) => Effect.Effect<void>
  /** Notes and errors. */
  readonly stderr: (text: string) => Effect.Effect<void>
  /** Once listening: the exports and notes (a foreground run prints them; a detached one hands them to its parent). */
  readonly announce: (exports: string, notes: string) => Effect.Effect<void>
  /** Completes when the process is asked to stop (SIGINT, SIGTERM). */
  readonly stopped: Effect.Effect<void>
  /** A file that holds nothing, for AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (os.devNull). */
  readonly emptyFile: string
  /** The serving process, exported as GEHEN_SIM_PID with --background (the one to kill). */
  readonly pid: number
}

/** Ends the run with exit 1 after saying why, one `gehen-sim:` line each. */
class SimCliFailure extends Data.TaggedError("SimCliFailure")<{ readonly lines: ReadonlyArray<string> }> {}

const fail = (...lines: ReadonlyArray<string>) => Effect.fail(new SimCliFailure({ lines }))

const readConfig = (path: string) =>
  Effect.mapError(loadConfig(path), (e) => new SimCliFailure({ lines: e.errors.map((x) => x.message) }))

/** The urls a rehearsal copy uses, per gehen.yml key. */
const versionUrls = (plan: SeedPlan, endpoint: string): ReadonlyMap<string, string> =>
  new Map(plan.services.flatMap((s) => s.keys.map((k) => [k, `${endpoint}${s.versionPath}`] as const)))

const serve = (options: SimCliOptions, io: SimCliIo) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const from = options.from
    const config: GehenConfig | undefined = from === undefined ? undefined : yield* readConfig(from)
    if (from !== undefined && options.rewriteUrls !== undefined && resolve(options.rewriteUrls) === resolve(from)) {
      return yield* fail(`--rewrite-urls ${options.rewriteUrls} is the --from file: name another file for the copy`)
    }
    const plan = seedPlanOf(config, { region: options.region, tag: options.tag })
    const resolved = resolveBehaviours(
      options.behaviours,
      from === undefined ? undefined : { path: from, services: plan.services, rules: plan.rules }
    )
    if (resolved._tag === "Invalid") return yield* fail(resolved.reason)

    const sim = yield* makeSimulator({
      accountId: plan.accountId,
      defaultRegion: plan.region,
      behaviour: rehearsalPicker(resolved.rules, plan.tag, options.rolloutSeconds)
    })
    yield* seedFromPlan(sim, plan)
    const server = yield* startSimServer(sim, { port: options.port, host: options.host }).pipe(
      // A port in use is the user's to fix, not a crash.
      Effect.catchSomeDefect((d) =>
        d instanceof SimServerError
          ? Option.some(fail(`cannot listen on ${options.host} port ${options.port}: ${d.reason}`))
          : Option.none()
      )
    )
    const endpoint = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${server.port}`

    if (from !== undefined && options.rewriteUrls !== undefined) {
      const out = options.rewriteUrls
      yield* fs.readFileString(from).pipe(
        Effect.map((text) =>
          rewriteUrls(
            text,
            versionUrls(plan, endpoint),
            `A rehearsal copy of ${from}, written by gehen-sim: its urls point at the simulator on ${endpoint}.`
          )
        ),
        Effect.flatMap((text) => fs.writeFileString(out, text)),
        Effect.catchAll((e) => fail(`cannot write ${out}: ${e.message}`))
      )
    }
    yield* io.announce(
      envExports(endpoint, plan.region, io.emptyFile, options.background ? { GEHEN_SIM_PID: String(io.pid) } : {}),
      notes({
        endpoint,
        from,
        plan,
        rules: resolved.rules,
        rolloutSeconds: options.rolloutSeconds,
        rewritten: options.rewriteUrls,
        fileHasUrls: config?.services.some((s) => s.url !== undefined) ?? false,
        background: options.background
      })
    )
    yield* io.stopped
  }).pipe(Effect.scoped)

/** Runs one invocation to its exit code: 0 for help or once stopped, 1 for bad flags, a bad file or no port. */
export const runSimCli = (
  invocation: SimInvocation,
  io: SimCliIo
): Effect.Effect<number, never, FileSystem.FileSystem> => {
  switch (invocation._tag) {
    case "Help":
      return Effect.as(io.stdout(simHelp), 0)
    case "Version":
      return Effect.as(io.stdout(`${VERSION}\n`), 0)
    case "UsageError":
      return Effect.as(io.stderr(`${invocation.message}\n`), 1)
    case "Run":
      return serve(invocation.options, io).pipe(
        Effect.zipRight(Effect.as(io.stderr("gehen-sim: stopped\n"), 0)),
        Effect.catchTag(
          "SimCliFailure",
          (e) => Effect.as(io.stderr(e.lines.map((l) => `gehen-sim: ${l}\n`).join("")), 1)
        )
      )
  }
}
