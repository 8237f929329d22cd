import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { runCli } from "./cli/Cli.js"
import { CliEnvironment } from "./cli/Environment.js"
import { LazyFileSystem, LazyTerminal } from "./cli/LazyPlatform.js"
import { pendingRestores } from "./cli/PendingRestores.js"

// The SDK warns about Node 20 on every run; the engines field already says what we support.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true"

const LiveEnvironment = Layer.succeed(CliEnvironment, {
  // Loaded on first use, like the SDK it wraps: `--version` and `--help` need neither.
  aws: (config, gitsha) =>
    Layer.unwrapEffect(
      Effect.promise(() => import("./aws/index.js")).pipe(
        Effect.map(({ AwsLive }) => AwsLive({ roleArn: config.role?.arn, sessionName: `gehen-${gitsha}`.slice(0, 64) }))
      )
    ),
  // Node's own fetch, loaded on first use: only `deploy` needs it.
  probe: Layer.unwrapEffect(Effect.promise(() => import("./http/VersionProbeLive.js")).pipe(Effect.map((m) => m.VersionProbeFetch))),
  isTTY: process.stderr.isTTY === true,
  stdoutIsTTY: process.stdout.isTTY === true,
  writeStderr: (chunk) => void process.stderr.write(chunk),
  columns: () => process.stderr.columns,
  rows: () => process.stderr.rows,
  env: process.env
})

// Output never decides the deploy: a closed pipe or a dead log forwarder (EPIPE) drops
// what gehen writes there, and the run goes on to its rollback, summary and exit code.
process.stdout.on("error", () => {})
process.stderr.on("error", () => {})

// The first SIGINT/SIGTERM interrupts the run (which rolls back); a second one exits at
// once, naming the restores not issued. A hangup (a dropped SSH session) counts as SIGTERM.
let signals = 0
const secondSignal = () => {
  const left = pendingRestores.notIssued()
  process.stderr.write(
    "gehen: second signal, exiting now without waiting" +
      (left.length === 0 ? "\n" : `; restores not issued (these may still run the new version): ${left.join(", ")}\n`)
  )
  process.exit(130)
}
const onSignal = () => {
  signals++
  if (signals >= 2) secondSignal()
}
process.on("SIGINT", onSignal)
process.on("SIGTERM", onSignal)
// NodeRuntime interrupts the run on SIGINT and SIGTERM only: hand a hangup over as SIGTERM.
process.on("SIGHUP", () => (signals === 0 ? process.kill(process.pid, "SIGTERM") : secondSignal()))

runCli(process.argv).pipe(
  // What @effect/cli needs (not all of NodeContext: no command executor, no workers);
  // the file system and terminal load on first use.
  Effect.provide(Layer.mergeAll(LazyFileSystem, NodePath.layer, LazyTerminal, LiveEnvironment)),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit) => {
      const code = Exit.isSuccess(exit)
        ? (typeof exit.value === "number" ? exit.value : 0)
        : Cause.isInterruptedOnly(exit.cause)
        ? 130
        : 1
      if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) {
        process.stderr.write(`gehen: unexpected failure: ${Cause.pretty(exit.cause)}\n`)
      }
      // Exit only once stdout and stderr are flushed: writes to a pipe are asynchronous,
      // and exiting at once would cut a large `--output json` report short.
      process.exitCode = code
      process.stdout.write("", () => process.stderr.write("", () => process.exit(code)))
      // A pipe that never drains (nobody reads it) must not hold the exit code back.
      setTimeout(() => process.exit(code), 5_000).unref()
    }
  })
)
